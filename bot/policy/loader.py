"""Load a policy directory into a validated :class:`~bot.policy.model.Policy`.

Every problem becomes a :class:`~bot.errors.PolicyError` an admin can act on: it names the
file, the line and the key ("policies/policy.yaml:42: categories.crisis.owner: 'comms-leed'
is not in people.yaml"). Files are parsed with ruamel.yaml's fast safe loader (in C when the
optional ruamel.yaml.clib is installed); only when something is wrong is a file re-read in
round-trip mode, whose nodes remember their lines.

A policy edit must never stop the bot or eat its memory, so a file has limits, checked before
anything recursive reads it: its size (:data:`MAX_FILE_BYTES`), its nesting depth
(:data:`MAX_DEPTH`), and how much it holds with every alias written out (:data:`MAX_VALUES`,
:data:`MAX_TEXT_CHARS`). The value ranges live in :mod:`bot.policy.model`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bot.errors import PolicyError
from bot.policy.model import Case, CasesFile, Pack, PeopleFile, Policy, PolicyFile
from bot.policy.revision import policy_files, revision_of

# The policy bundled with the repository (bot.settings.Settings.policy_dir's default).
DEFAULT_POLICY_DIR = Path(__file__).resolve().parent.parent.parent / "policies"
# Knowledge packs shipped with the bot: bot/packs/<name>/ (pack.yaml, corpus.jsonl, cases/).
PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"
_PACK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Keys of a category whose admin value is added to the pack's rather than replacing it.
_ADDITIVE = frozenset({"keywords", "patterns", "examples"})
_ADDITIVE_TOP = frozenset({"mention_words", "topic_markers", "data_questions"})
_MERGED_TOP = frozenset({"fallback", "guidance", "reader"})

# Limits of one policy file. The shipped policy and pack stay far below them: the largest file
# is under 100 kB, the deepest key (categories.crisis.keywords.en.0) 5 levels, no file holds
# 10,000 values. Past these a file is a mistake or an attack, refused before it is built.
MAX_FILE_BYTES = 2 * 2**20
MAX_DEPTH = 20
# With every alias (*name) written out, which is what the data becomes once built: a 400-byte
# alias bomb ("billion laughs") would be 387 million values.
MAX_VALUES = 100_000
MAX_TEXT_CHARS = 4 * 2**20

Loc = tuple[str | int, ...]
_M = TypeVar("_M", bound=BaseModel)


@dataclass
class _Source:
    """One policy file: its name for messages, its text, and its parsed data."""

    path: Path
    text: str
    data: Any = None
    _tree: Any = field(default=None, repr=False)
    # For a policy.yaml that extends a pack: the pack's file. Its lists come first in the
    # merged data, so an item's index is the pack's, or the admin's shifted by the pack's count.
    base: _Source | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, loc: Loc) -> int | None:
        """The 1-based line of the deepest part of ``loc`` present in the file."""
        if self._tree is None:
            from ruamel.yaml import YAML

            self._tree = YAML(typ="rt").load(self.text)
        return _line_in(self._tree, loc)

    def error(self, message: str, loc: Loc) -> PolicyError:
        return PolicyError(message, file=self.name, line=self.line_of(loc), key=_dotted(loc))


@dataclass(frozen=True)
class _Problem:
    source: _Source
    loc: Loc
    message: str

    def error(self) -> PolicyError:
        return self.source.error(self.message, self.loc)


def load_policy(directory: Path) -> Policy:
    """Read, validate and cross-check the policy in ``directory``; raise PolicyError if bad."""
    raw = _read_files(directory)
    sources = {name: _parse(directory / name, content) for name, content in raw.items()}
    policy_src, people_src = (
        sources["policy.yaml"],
        sources["people.yaml"],
    )  # people: checked via owners
    case_srcs = [src for name, src in sources.items() if name.startswith("cases/")]
    pack = _pack_of(policy_src)
    pack_raw = _read_pack(pack) if pack is not None else {}
    pack_case_srcs = [
        _parse(pack.directory / name, content)
        for name, content in pack_raw.items()
        if pack is not None and name.startswith("cases/")
    ]
    if pack is not None:
        pack_src = _parse(pack.directory / "pack.yaml", pack_raw["pack.yaml"])
        policy_src.data = _merged(pack_src.data, policy_src.data)
        policy_src.base = pack_src
    policy = Policy(
        revision=revision_of(raw | {f"pack:{k}": v for k, v in pack_raw.items()}),
        file=_validate(PolicyFile, policy_src),
        people=_validate(PeopleFile, people_src),
        cases=_cases(case_srcs),
        pack=pack,
        pack_cases=_cases(pack_case_srcs),
    )
    _raise_first(list(_problems(policy, policy_src, [*case_srcs, *pack_case_srcs])))
    return policy


def _cases(sources: Sequence[_Source]) -> tuple[Case, ...]:
    return tuple(case for src in sources for case in _validate(CasesFile, src).cases)


def _pack_of(source: _Source) -> Pack | None:
    """The pack ``policy.yaml`` extends (its ``extends:`` key), or None."""
    data = source.data
    name = data.get("extends") if isinstance(data, dict) else None
    if name is None:
        return None
    if not isinstance(name, str) or not _PACK_NAME.fullmatch(name):
        raise source.error(
            f"{name!r} is not a pack name (lower-case letters, digits, - or _)", ("extends",)
        )
    directory = PACKS_DIR / name
    if not (directory / "pack.yaml").is_file():
        known = sorted(p.name for p in PACKS_DIR.iterdir() if (p / "pack.yaml").is_file())
        raise source.error(
            f"no knowledge pack {name!r} (shipped: {', '.join(known)})", ("extends",)
        )
    return Pack(name=name, directory=directory)


def _read_pack(pack: Pack) -> dict[str, bytes]:
    """The pack's files that shape decisions (they count in the policy revision)."""
    names = ["pack.yaml", "corpus.jsonl"]
    cases = pack.directory / "cases"
    names += [f"cases/{p.name}" for p in sorted(cases.glob("*.yaml"))] if cases.is_dir() else []
    try:
        return {name: (pack.directory / name).read_bytes() for name in names}
    except OSError as e:
        raise PolicyError(f"cannot read the pack: {e.strerror}", file=str(e.filename)) from e


def _merged(pack: Any, admin: Any) -> Any:
    """The admin's policy over the pack's: settings replace, additions are appended.

    Anything that is not a mapping is left to validation, which names the admin's key.
    """
    if not isinstance(pack, dict) or not isinstance(admin, dict):
        return admin
    merged = dict(pack)
    for key, value in admin.items():
        if key == "categories" and isinstance(value, dict):
            merged[key] = _merged_categories(pack.get(key) or {}, value)
        elif key in _ADDITIVE_TOP:
            merged[key] = _added(pack.get(key), value)
        elif key in _MERGED_TOP and isinstance(value, dict) and isinstance(pack.get(key), dict):
            merged[key] = {**pack[key], **value}
        else:
            merged[key] = value
    return merged


def _merged_categories(pack: dict[str, Any], admin: dict[str, Any]) -> dict[str, Any]:
    merged = dict(pack)
    for name, fields in admin.items():
        base = pack.get(name)
        if not isinstance(fields, dict) or not isinstance(base, dict):
            merged[name] = fields
            continue
        merged[name] = {
            **base,
            **{k: _added(base.get(k), v) if k in _ADDITIVE else v for k, v in fields.items()},
        }
        if "assists" in fields:
            merged[name]["assists"] = _merged_assists(base.get("assists"), fields["assists"])
    return merged


def _merged_assists(pack: Any, admin: Any) -> Any:
    """The admin's assists over the pack's, by name: a name given again changes only the keys
    given, ``name: null`` removes that assist, ``assists: null`` removes them all."""
    if admin is None:
        return {}
    if not isinstance(pack, dict) or not isinstance(admin, dict):
        return admin  # validation names what is wrong with the admin's value
    merged = dict(pack)
    for name, value in admin.items():
        if value is None:
            merged.pop(name, None)
        elif isinstance(value, dict) and isinstance(pack.get(name), dict):
            merged[name] = {**pack[name], **value}
        else:
            merged[name] = value
    return merged


def _added(base: Any, extra: Any) -> Any:
    """A pack's list or per-language lists with the admin's appended."""
    if isinstance(base, list) and isinstance(extra, list):
        return base + extra
    if isinstance(base, dict) and isinstance(extra, dict):
        return {lang: _added(base.get(lang), v) for lang, v in (base | extra).items()}
    return base if extra is None else extra


def _read_files(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        raise PolicyError("policy directory not found", file=str(directory))
    for required in ("policy.yaml", "people.yaml"):
        if not (directory / required).is_file():
            raise PolicyError("required file is missing", file=str(directory / required))
    try:
        return {
            path.relative_to(directory).as_posix(): _read_at_most(path, MAX_FILE_BYTES)
            for path in policy_files(directory)
        }
    except OSError as e:
        raise PolicyError(f"cannot read: {e.strerror}", file=str(e.filename or directory)) from e


def _read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes; a file past ``limit`` is refused from its first bytes, never read whole."""
    with path.open("rb") as f:
        content = f.read(limit + 1)
    _check_size(path, content)
    return content


def _check_size(path: Path, content: bytes) -> None:
    if len(content) > MAX_FILE_BYTES:
        line = content[:MAX_FILE_BYTES].count(b"\n") + 1
        message = (
            f"the file is larger than {MAX_FILE_BYTES // 2**20} MB, the most a policy file may "
            "hold (this line passes it); split cases over several files under cases/"
        )
        raise PolicyError(message, file=str(path), line=line)


def _parse(path: Path, content: bytes) -> _Source:
    _check_size(path, content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        bad_line = content[: e.start].count(b"\n") + 1
        raise PolicyError("not valid UTF-8 text", file=str(path), line=bad_line) from e
    source = _Source(path, text)
    cached = _cache_path(content)
    source.data = _read_cache(cached)
    if source.data is _MISSING:
        source.data = _parse_or_name_the_file(path, text)
        _write_cache(cached, source.data)
    return source


def _parse_or_name_the_file(path: Path, text: str) -> Any:
    """:func:`_parse_yaml`, with any failure it did not foresee still naming the file.

    The limits below are meant to leave nothing for a parser to choke on; should one still
    fail (a bug in it, memory running out), the admin is told which file, not just "error".
    """
    try:
        return _parse_yaml(path, text)
    except PolicyError:
        raise
    except Exception as e:
        problem = f"{type(e).__name__}: {e}"[:300]
        raise PolicyError(f"this file could not be read ({problem})", file=str(path)) from e


# Parsing YAML in pure Python costs most of a second for the default policy, so the parsed data
# of each file is kept as JSON, keyed by the file's exact bytes (like __pycache__). Only data
# that JSON represents exactly is cached; a cache that cannot be read or written is skipped.
# Format 2: only data that passed the limits is cached (format 1 kept whatever parsed, an
# expanded alias bomb included, so its entries are never read again and get pruned). Change the
# format when the limits change: an entry stands for a file that passed them.
_CACHE_FORMAT = b"should-ai policy cache 2\0"
_MISSING = object()
# The cache stays small: no entry larger than a policy file may be, at most this many entries
# and bytes in all; the least recently used go first. A team's policy and pack are ~20 files.
CACHE_MAX_ENTRIES = 256
CACHE_MAX_BYTES = 32 * 2**20
_STALE_PARTIAL_S = 3600.0  # a .tmp this old is a write that died, not one under way


def _cache_path(content: bytes) -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    if not Path(base).is_absolute():
        return None
    digest = hashlib.sha256(_CACHE_FORMAT + content).hexdigest()
    return Path(base) / "should-ai" / "policy" / f"{digest}.json"


def _read_cache(path: Path | None) -> Any:
    if path is None:
        return _MISSING
    try:
        data = json.loads(_read_at_most(path, MAX_FILE_BYTES))
    except (OSError, ValueError, RecursionError, PolicyError):  # not ours, or not whole
        return _MISSING
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return data


def _write_cache(path: Path | None, data: Any) -> None:
    try:
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        if path is None or len(encoded) > MAX_FILE_BYTES or json.loads(encoded) != data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(encoded)
        partial.replace(path)
        _prune_cache(path.parent)
    except (OSError, TypeError, ValueError, RecursionError):
        return


def _prune_cache(directory: Path) -> None:
    """Keep the most recently used entries within CACHE_MAX_ENTRIES and CACHE_MAX_BYTES."""
    entries: list[tuple[float, int, Path]] = []
    now = time.time()
    for path in directory.iterdir():
        with contextlib.suppress(OSError):  # another process may be pruning too
            stat = path.stat()
            if path.suffix == ".json" and stat.st_size <= MAX_FILE_BYTES:
                entries.append((stat.st_mtime, stat.st_size, path))
            elif path.suffix == ".json" or now - stat.st_mtime > _STALE_PARTIAL_S:
                path.unlink()
    entries.sort(reverse=True)
    total = 0
    for count, (_, size, path) in enumerate(entries, start=1):
        total += size
        if count > CACHE_MAX_ENTRIES or total > CACHE_MAX_BYTES:
            with contextlib.suppress(OSError):
                path.unlink()


def _parse_yaml(path: Path, text: str) -> Any:
    # Imported here: with the cache warm, `should-ai check` never loads ruamel.yaml.
    from ruamel.yaml.error import YAMLError

    try:
        return _load_yaml(path, text)
    except YAMLError as e:
        raise _yaml_error(path, e) from e
    except ValueError as e:  # a tagged value that cannot be built: `!!float 1:30`, month 13
        raise _value_error(path, text, e) from e


# A line that starts with '%' (after a byte-order mark, maybe) may be a %YAML directive: the
# pure parser honours `%YAML 1.1` (then `no` is false and 017 is 15), the C parser ignores it.
# Such files take the pure path.
_DIRECTIVE = re.compile(r"(?:^|[\r\n\x85\u2028\u2029])\ufeff?%")


def _load_yaml(path: Path, text: str) -> Any:
    """YAML 1.2 data, parsed in C when ruamel.yaml.clib is installed, else in pure Python.

    Both give the same data (same resolver rules, same constructor); the C path is about ten
    times faster. It is trusted only with what it accepts: on any error, or a file with a
    directive, the pure parser decides, so outcomes and error messages are the pure one's.
    Either way the events the parser produces pass :class:`_Limits` before a node is built.
    """
    from ruamel.yaml.error import YAMLError

    if c_yaml_parser_available() and not _DIRECTIVE.search(text):
        try:
            # libyaml composes inside C, out of our reach, so its events are checked first
            # (about a third more time); a syntax error here sends the file to pure Python.
            _check_limits(path, _c_yaml().parse(text))
            return _load_yaml_in_c(text)
        except (YAMLError, ValueError):
            pass  # the pure parser below words the error (or accepts what C did not)
    return _load_yaml_pure(path, text)


def _c_yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")  # C parser and composer, Python constructor
    yaml.Resolver = _yaml_1_2_resolver()
    return yaml


def _load_yaml_in_c(text: str) -> Any:
    return _c_yaml().load(text)


def _load_yaml_pure(path: Path, text: str) -> Any:
    """The pure parser, its composer fed only events that passed the limits (one pass)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Parser = _checked_parser()
    yaml.parser.limits = _Limits(path)
    return yaml.load(text)


@functools.cache
def _checked_parser() -> type:
    from ruamel.yaml.parser import Parser

    class CheckedParser(Parser):
        """ruamel's parser; every event the composer takes is counted against the limits."""

        limits: _Limits

        def get_event(self) -> Any:
            event = super().get_event()
            self.limits.see(event)
            return event

    return CheckedParser


def _check_limits(path: Path, events: Iterable[Any]) -> None:
    limits = _Limits(path)
    for event in events:
        limits.see(event)


@dataclass
class _Open:
    """A collection the parser has opened and not yet closed."""

    is_mapping: bool
    depth: int  # 1 for the document's top collection
    anchor: str | None
    values_before: int
    chars_before: int
    reach: int  # the deepest level seen inside it, aliases written out
    part: str | int = 0  # where its current child sits: a key, or a list index
    at_key: bool = True  # a mapping's next child is a key (else that key's value)


class _Limits:
    """Counts a YAML event stream as the data it builds, aliases written out; raises a
    PolicyError naming file, line and key at the first event past a limit.

    Events come flat, so this holds a stack, not a recursion: it can stop a list nested a
    million deep at level 21 before the composer, the constructor, JSON or pydantic (all
    recursive) see it. An alias counts as the values, text and depth of what it names, so a
    few hundred bytes cannot expand into gigabytes; an alias inside what it names (a cycle) is
    refused, as the data it builds would make every later step loop.
    """

    def __init__(self, path: Path) -> None:
        from ruamel.yaml import events

        self.path = path
        self.events = events
        self.stack: list[_Open] = []
        self.values = 0
        self.chars = 0
        self.anchors: dict[str, tuple[int, int, int]] = {}  # name: values, chars, height
        self.aliased = False

    def see(self, event: Any) -> None:
        kinds = self.events
        if isinstance(event, kinds.ScalarEvent):
            self._count(event, 1, len(event.value))
            if event.anchor is not None:
                self.anchors[event.anchor] = (1, len(event.value), 0)
            self._next(event.value)
        elif isinstance(event, kinds.AliasEvent):
            self._alias(event)
        elif isinstance(event, kinds.CollectionStartEvent):
            self._open(event, is_mapping=isinstance(event, kinds.MappingStartEvent))
        elif isinstance(event, kinds.CollectionEndEvent):
            self._close()

    def _open(self, event: Any, *, is_mapping: bool) -> None:
        depth = len(self.stack) + 1
        self._check_depth(event, depth)
        self._count(event, 1, 0)
        values, chars = self.values - 1, self.chars
        self.stack.append(_Open(is_mapping, depth, event.anchor, values, chars, reach=depth))

    def _close(self) -> None:
        done = self.stack.pop()
        if done.anchor is not None:
            counts = (self.values - done.values_before, self.chars - done.chars_before)
            self.anchors[done.anchor] = (*counts, done.reach - done.depth + 1)
        self._reach(done.reach)
        self._next(None)

    def _alias(self, event: Any) -> None:
        name, self.aliased = event.anchor, True
        if any(open_.anchor == name for open_ in self.stack):
            raise self._error(event, f"alias *{name} is inside the value &{name} it repeats")
        # An unknown name counts as one value: the composer refuses it next.
        values, chars, height = self.anchors.get(name, (1, 0, 0))
        self._check_depth(event, len(self.stack) + height)
        self._reach(len(self.stack) + height)
        self._count(event, values, chars)
        self._next(f"*{name}")

    def _next(self, key: str | None) -> None:
        """One child of the innermost collection is complete; move to the next."""
        if not self.stack:
            return
        top = self.stack[-1]
        if not top.is_mapping:
            top.part = int(top.part) + 1
        elif top.at_key:
            top.part, top.at_key = (key if key is not None else "?"), False
        else:
            top.at_key = True

    def _reach(self, depth: int) -> None:
        if self.stack:
            self.stack[-1].reach = max(self.stack[-1].reach, depth)

    def _check_depth(self, event: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            message = f"nested deeper than {MAX_DEPTH} levels, more than any policy file may"
            raise self._error(event, message)

    def _count(self, event: Any, values: int, chars: int) -> None:
        self.values += values
        self.chars += chars
        if self.values > MAX_VALUES:
            message = f"more than {MAX_VALUES:,} values, more than one policy file may hold"
            raise self._error(event, message)
        if self.chars > MAX_TEXT_CHARS:
            mb = MAX_TEXT_CHARS // 2**20
            message = f"more than {mb} MB of text, more than one policy file may hold"
            raise self._error(event, message)

    def _error(self, event: Any, message: str) -> PolicyError:
        loc = [_short(o.part) for o in self.stack if not (o.is_mapping and o.at_key)]
        line = event.start_mark.line + 1
        if self.aliased:
            message += " (an alias, *name, counts as all it repeats)"
        return PolicyError(message, file=str(self.path), line=line, key=".".join(loc))


def _short(part: str | int) -> str:
    text = str(part)
    return text if len(text) <= 40 else text[:37] + "..."


@functools.cache
def _yaml_1_2_resolver() -> type:
    """ruamel's fixed YAML 1.2 resolver, taking the arguments its C loader passes.

    The default VersionedResolver looks the document's YAML version up for every scalar (two
    caught AttributeErrors each time): 40% of the C path. Without a directive, which this path
    never sees, that version is always 1.2, whose rules ``Resolver`` holds.
    """
    from ruamel.yaml.resolver import Resolver

    class Yaml12Resolver(Resolver):
        def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
            super().__init__(loadumper=loadumper if loadumper is not None else loader)

        @property
        def processing_version(self) -> Any:
            return (1, 2)  # the constructor asks too (e.g. whether 1:30 is sexagesimal)

    return Yaml12Resolver


def c_yaml_parser_available() -> bool:
    """Whether ruamel.yaml found its C parser (the optional ruamel.yaml.clib package)."""
    import ruamel.yaml.main

    # ruamel.yaml sets CParser to None when `import _ruamel_yaml` fails.
    return getattr(ruamel.yaml.main, "CParser", None) is not None


def _yaml_error(path: Path, error: Exception) -> PolicyError:
    mark = getattr(error, "problem_mark", None)
    line: int | None = mark.line + 1 if mark is not None else None
    problem = getattr(error, "problem", None) or str(error)
    return PolicyError(f"malformed YAML: {problem}", file=str(path), line=line)


def _value_error(path: Path, text: str, error: ValueError) -> PolicyError:
    """Names the scalar whose tag could not build it (found by building each one alone)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    for node in _scalar_nodes(yaml.compose(text)):
        try:
            yaml.constructor.construct_object(node)
        except ValueError as e:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            message = f"malformed YAML: cannot read {node.value!r} as {tag}: {e}"
            return PolicyError(message, file=str(path), line=node.start_mark.line + 1)
    return PolicyError(f"malformed YAML: {error}", file=str(path))


def _scalar_nodes(node: Any) -> Iterator[Any]:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _scalar_nodes(key)
            yield from _scalar_nodes(value)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _scalar_nodes(item)
    elif node is not None:
        yield node


def _validate(model: type[_M], source: _Source) -> _M:
    try:
        return model.model_validate(source.data if source.data is not None else {})
    except ValidationError as e:
        problems = [_Problem(source, tuple(err["loc"]), _explain(model, err)) for err in e.errors()]
        raise _first_error(problems) from e


def _explain(model: type[BaseModel], err: Any) -> str:
    loc: Loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {loc[-1]!r}{hint}"
    if err["type"] == "missing":
        return "required key is missing"
    return str(err["msg"])


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the model found at ``loc`` (empty if it is not a model)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            current = info.annotation if info else None
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return []
        current = _unwrap_optional(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap_optional(annotation: Any) -> Any:
    args = [arg for arg in get_args(annotation) if arg is not type(None)]
    return args[0] if len(args) == 1 and get_origin(annotation) is not dict else annotation


def _problems(
    policy: Policy, policy_src: _Source, case_srcs: Sequence[_Source]
) -> Iterator[_Problem]:
    yield from _owner_problems(policy, policy_src)
    yield from _pattern_problems(policy, policy_src)
    yield from _keyword_problems(policy, policy_src)
    yield from _handoff_problems(policy, policy_src)
    for source in case_srcs:
        yield from _case_problems(policy, source)
    if not policy.categories:
        yield _Problem(policy_src, ("categories",), "a policy needs at least one category")


def _owner_problems(policy: Policy, source: _Source) -> Iterator[_Problem]:
    people, channels = policy.people.people, policy.people.channels
    if policy.file.fallback.owner not in people:
        yield _Problem(source, ("fallback", "owner"), _not_in_people(policy.file.fallback.owner))
    for name, category in policy.categories.items():
        if category.route == "human" and not category.owner:
            yield _Problem(source, ("categories", name), "a human category needs an owner")
        for role in ("owner", "backup"):
            person = getattr(category, role)
            if person is not None and person not in people:
                yield _Problem(source, ("categories", name, role), _not_in_people(person))
        if category.channel is not None and category.channel not in channels:
            message = f"{category.channel!r} is not under channels: in people.yaml"
            yield _Problem(source, ("categories", name, "channel"), message)


def _handoff_problems(policy: Policy, source: _Source) -> Iterator[_Problem]:
    """Every hand-off named exists; ai_work: handoff names one (issue 15)."""
    known = policy.file.handoffs
    for name, category in policy.categories.items():
        if category.handoff is not None and category.handoff not in known:
            message = f"{category.handoff!r} is not under handoffs: in policy.yaml"
            yield _Problem(source, ("categories", name, "handoff"), message)
        if category.ai_work == "handoff" and category.handoff is None:
            message = "ai_work: handoff needs `handoff: <name of a webhook under handoffs:>`"
            yield _Problem(source, ("categories", name, "ai_work"), message)
    network = policy.file.networks_handoff
    if network is not None and network not in known:
        message = f"{network!r} is not under handoffs: in policy.yaml"
        yield _Problem(source, ("networks_handoff",), message)


def _pattern_problems(policy: Policy, source: _Source) -> Iterator[_Problem]:
    import re2

    from bot.policy.rules import compile_pattern

    for name, category in policy.categories.items():
        for index, pattern in enumerate(category.patterns):
            try:
                compile_pattern(pattern)
            except re2.error as e:
                message = f"pattern {pattern!r} does not compile (RE2 syntax): {e}"
                yield _listed(source, ("categories", name, "patterns"), index, message)
    for index, pattern in enumerate(policy.file.reader.vague):
        try:
            compile_pattern(pattern)
        except re2.error as e:
            message = f"pattern {pattern!r} does not compile (RE2 syntax): {e}"
            yield _listed(source, ("reader", "vague"), index, message)


def _keyword_problems(policy: Policy, source: _Source) -> Iterator[_Problem]:
    from bot.policy.rules import keyword_key

    for name, category in policy.categories.items():
        for lang in ("en", "fr"):
            for index, keyword in enumerate(getattr(category.keywords, lang)):
                if not keyword_key(keyword).strip():
                    message = f"keyword {keyword!r} has no letters or digits to match"
                    yield _listed(source, ("categories", name, "keywords", lang), index, message)


def _listed(source: _Source, loc: Loc, index: int, message: str) -> _Problem:
    """A problem with item ``index`` of a merged list: in the pack's file or in the admin's."""
    if source.base is not None:
        in_pack = _at(source.base.data, loc)
        if isinstance(in_pack, list):
            if index < len(in_pack):
                return _Problem(source.base, (*loc, index), message)
            index -= len(in_pack)
    return _Problem(source, (*loc, index), message)


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _case_problems(policy: Policy, source: _Source) -> Iterator[_Problem]:
    cases = CasesFile.model_validate(source.data).cases
    for index, case in enumerate(cases):
        if case.category is None:
            continue
        category = policy.categories.get(case.category)
        loc: Loc = ("cases", index, "category")
        if category is None:
            yield _Problem(source, loc, f"unknown category {case.category!r}")
        elif category.route != case.route:
            message = f"category {case.category!r} routes to {category.route}, not {case.route}"
            yield _Problem(source, loc, message)


def _raise_first(problems: list[_Problem]) -> None:
    if problems:
        raise _first_error(problems)


def _first_error(problems: list[_Problem]) -> PolicyError:
    """The first problem as an error; the message lists the others so one run shows them all."""
    first = problems[0]
    message = first.message
    if len(problems) > 1:
        others = "\n".join(f"  {problem.error()}" for problem in problems[1:])
        message += f"\n{len(problems) - 1} more problem(s):\n{others}"
    return first.source.error(message, first.loc)


def _not_in_people(person: str) -> str:
    return f"{person!r} is not a person in people.yaml"


def _line_in(tree: Any, loc: Loc) -> int | None:
    line: int | None = 1 if tree is not None else None
    node = tree
    for part in loc:
        found = _child_line(node, part)
        if found is None:
            break
        line, node = found[0] + 1, found[1]
    return line


def _child_line(node: Any, part: str | int) -> tuple[int, Any] | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(node, dict) and part in node:
            return lc.key(part)[0], node[part]
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            return lc.item(part)[0], node[part]
    except (KeyError, IndexError, TypeError):
        return None
    return None


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)
