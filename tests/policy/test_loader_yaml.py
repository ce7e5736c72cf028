"""Parsing policy YAML in C (when ruamel.yaml.clib is installed) changes nothing an admin sees.

Every test that takes ``parser`` runs twice: once as installed (the C parser if present, else
skipped) and once with the C parser made unavailable exactly as ruamel.yaml does when its import
fails. Both must give the same policy, the same YAML 1.2 meaning and the same error messages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import ruamel.yaml.main
from ruamel.yaml import YAML

from bot.errors import PolicyError
from bot.policy.loader import DEFAULT_POLICY_DIR, c_yaml_parser_available, load_policy
from bot.policy.model import Policy
from bot.policy.revision import policy_files

requires_c = pytest.mark.skipif(
    not c_yaml_parser_available(), reason="ruamel.yaml.clib (the C parser) is not installed"
)


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def own_cache(module_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This module's own parse cache: a file edited by a test is new to it, so it is parsed."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(module_cache))


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A first run: no parsed policy is cached, so every file goes through the parser."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _without_c_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    # What ruamel.yaml.main does when `from _ruamel_yaml import CParser` fails.
    monkeypatch.setattr(ruamel.yaml.main, "CParser", None)


@pytest.fixture(params=["c", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "c" and not c_yaml_parser_available():
        pytest.skip("ruamel.yaml.clib (the C parser) is not installed")
    if request.param == "pure":
        _without_c_parser(monkeypatch)
    yield request.param


def _pure(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def _outcome(path: Path) -> object:
    """What load_policy makes of ``path``: the policy, or the error message it raises."""
    try:
        return load_policy(path)
    except PolicyError as e:
        return f"PolicyError: {e}"


def test_without_the_c_parser_the_pure_one_is_used(
    monkeypatch: pytest.MonkeyPatch, empty_cache: Path
) -> None:
    _without_c_parser(monkeypatch)
    assert not c_yaml_parser_available()
    assert YAML(typ="safe").Parser is ruamel.yaml.parser.Parser
    assert load_policy(DEFAULT_POLICY_DIR).categories


def test_a_process_without_ruamel_yaml_clib_loads_the_same_policy(empty_cache: Path) -> None:
    """The package really absent: its import fails, as on a machine that never installed it."""
    probe = (
        "import sys; sys.modules['_ruamel_yaml'] = None; "  # `import _ruamel_yaml` now fails
        "from bot.policy.loader import DEFAULT_POLICY_DIR, c_yaml_parser_available, load_policy; "
        "print(c_yaml_parser_available(), load_policy(DEFAULT_POLICY_DIR).model_dump_json())"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(empty_cache / "child-cache")}  # its own, empty
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True, env=env)
    available, policy = done.stdout.decode().split(" ", 1)
    assert available == "False"
    assert Policy.model_validate_json(policy) == load_policy(DEFAULT_POLICY_DIR)


@requires_c
def test_shipped_policy_is_the_same_with_and_without_the_c_parser(
    monkeypatch: pytest.MonkeyPatch, empty_cache: Path
) -> None:
    with_c = load_policy(DEFAULT_POLICY_DIR)
    _without_c_parser(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(empty_cache / "other-cache"))
    assert load_policy(DEFAULT_POLICY_DIR) == with_c


@requires_c
@pytest.mark.parametrize(
    "path",
    sorted(policy_files(DEFAULT_POLICY_DIR)),
    ids=lambda path: path.relative_to(DEFAULT_POLICY_DIR).as_posix(),
)
def test_every_shipped_file_parses_to_the_same_data_in_c(path: Path) -> None:
    from bot.policy.loader import _load_yaml_in_c

    text = path.read_text(encoding="utf-8")
    assert _load_yaml_in_c(text) == _pure(text)  # C accepts it: no fall-back to pure Python


# Snippets where YAML 1.1 and 1.2, or libyaml and ruamel's scanner, could disagree.
TRICKY = {
    "yes_no_on_off": "a: no\nb: yes\nc: on\nd: Off\ne: y\nf: true\n",
    "numbers": "a: 017\nb: 0o17\nc: 0x1f\nd: 1_000\ne: 1:30\nf: 08\ng: .inf\nh: 1e3\n",
    "dates": "a: 2024-01-01\nb: 2024-01-01 10:00:00\nc: 2024-1-1\n",
    "nulls": "a: ~\nb: null\nc:\n",
    "yaml_1_1_directive": "%YAML 1.1\n---\na: no\nb: 017\nc: on\n",
    "yaml_1_1_directive_cr": "# note\r%YAML 1.1\r---\ra: no\r",
    "yaml_1_1_directive_bom": "\ufeff%YAML 1.1\n---\na: no\n",
    "yaml_1_2_directive": "%YAML 1.2\n---\na: no\n",
    "merge_and_anchor": "x: &x {a: 1}\ny:\n  <<: *x\n  b: 2\nz: *x\n",
    "next_line_char": "a: b\x85c\n",
    "line_separator": "a: b\u2028c\n",
    "quoted": "a: 'it''s'\nb: \"caf\\u00e9\"\nc: |\n  one\n  two\nd: >\n  fold\n  ed\n",
    "comments": "a: b#c\nd: e # f\n",
    "tags": "a: !!str 12\nb: !!int '12'\n",
    "empty": "",
}
BROKEN = {
    "unclosed_flow": "a: [1, 2\nb: 3\n",
    "bad_indent": "a:\n  b: 1\n c: 2\n",
    "tab": "a:\n\t- b\n",
    "duplicate_key": "a: 1\na: 2\n",
    "two_documents": "a: 1\n---\nb: 2\n",
    "python_tag": "a: !!python/name:os.system\n",
    "control_char": 'a: "\x01"\n',
    "dash_in_value": "a: -1\nb: - x\n",
}


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_yaml_means_what_the_pure_parser_says(parser: str, text: str) -> None:
    from bot.policy.loader import _parse_yaml

    assert _parse_yaml(Path("x.yaml"), text) == _pure(text)


# The C path never sees a %YAML directive (it would ignore `%YAML 1.1`): the loader keeps
# such files for the pure parser, as the tricky tests above check.
WITHOUT_DIRECTIVE = {
    name: text for name, text in {**TRICKY, **BROKEN}.items() if "directive" not in name
}


@requires_c
@pytest.mark.parametrize("text", WITHOUT_DIRECTIVE.values(), ids=WITHOUT_DIRECTIVE.keys())
def test_whatever_the_c_path_accepts_it_reads_as_the_pure_parser_does(text: str) -> None:
    """Where libyaml and ruamel's own scanner disagree, C must reject (then pure decides)."""
    from ruamel.yaml.error import YAMLError

    from bot.policy.loader import _load_yaml_in_c

    try:
        data = _load_yaml_in_c(text)
    except YAMLError:
        return
    assert data == _pure(text)


def test_yaml_1_2_words_stay_words_and_a_1_1_directive_is_honoured(parser: str) -> None:
    from bot.policy.loader import _parse_yaml

    assert _parse_yaml(Path("x.yaml"), "a: [no, on, 017]\n") == {"a": ["no", "on", 17]}
    assert _parse_yaml(Path("x.yaml"), "%YAML 1.1\n---\na: [no, on]\n") == {"a": [False, True]}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_broken_yaml_gives_the_pure_parsers_message_and_line(parser: str, text: str) -> None:
    from ruamel.yaml.error import YAMLError

    from bot.policy.loader import _parse_yaml

    with pytest.raises(YAMLError) as pure:
        _pure(text)
    with pytest.raises(PolicyError) as caught:
        _parse_yaml(Path("x.yaml"), text)
    mark = getattr(pure.value, "problem_mark", None)
    assert caught.value.file == "x.yaml"
    assert caught.value.line == (mark.line + 1 if mark is not None else None)
    assert "malformed YAML" in str(caught.value)
    assert str(getattr(pure.value, "problem", None) or pure.value) in str(caught.value)


@pytest.mark.parametrize("value", ["!!float 1:30", "!!timestamp 2024-13-45", "!!int 12abc"])
def test_a_tagged_value_that_cannot_be_built_names_file_and_line_not_a_traceback(
    parser: str, value: str
) -> None:
    from bot.policy.loader import _parse_yaml

    with pytest.raises(PolicyError) as caught:
        _parse_yaml(Path("x.yaml"), f"version: 1\nlimits:\n  - 2\n  - {value}\n")
    assert (caught.value.file, caught.value.line) == ("x.yaml", 4)
    assert "malformed YAML" in str(caught.value) and value.split()[1] in str(caught.value)


# --- what an admin would notice: a surprising value in a policy file fails clearly -----------


# The first line of each is the crisis category's own line for that key.
CRISIS_LINES = {
    "route": "    owner: comms-lead\n",  # the admin file states no route: one is added before it
    "owner": "    owner: comms-lead\n",
}


def _set_crisis(policy_dir: Path, key: str, value: str) -> Path:
    policy_file = policy_dir / "policy.yaml"
    text = policy_file.read_text(encoding="utf-8")
    old = CRISIS_LINES[key]
    line = f"    {key}: {value}"
    new = old.replace(old.split("\n")[0], line, 1) if key == "owner" else f"{line}\n{old}"
    assert old in text
    policy_file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return policy_file


def _error(policy_dir: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_dir)
    return caught.value


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


@pytest.mark.parametrize("value", ["no", "false", "2024-01-01"])
def test_a_route_that_is_not_human_or_ai_names_file_line_and_key(
    parser: str, policy_dir: Path, value: str
) -> None:
    policy_file = _set_crisis(policy_dir, "route", value)
    error = _error(policy_dir)
    assert (error.file, error.key) == (str(policy_file), "categories.crisis.route")
    assert error.line == _line_of(policy_file, f"route: {value}")


def test_a_yaml_1_1_directive_cannot_turn_a_route_into_a_boolean_silently(
    parser: str, policy_dir: Path
) -> None:
    policy_file = _set_crisis(policy_dir, "route", "no")
    policy_file.write_text("%YAML 1.1\n---\n" + policy_file.read_text(encoding="utf-8"))
    error = _error(policy_dir)
    assert error.key == "categories.crisis.route"
    assert error.line == _line_of(policy_file, "route: no")


def test_a_date_where_a_person_is_expected_names_the_key(parser: str, policy_dir: Path) -> None:
    policy_file = _set_crisis(policy_dir, "owner", "2024-01-01")
    error = _error(policy_dir)
    assert error.key == "categories.crisis.owner"
    assert error.line == _line_of(policy_file, "owner: 2024-01-01")


def test_keywords_yes_no_on_off_are_words(parser: str, policy_dir: Path) -> None:
    policy_file = policy_dir / "policy.yaml"
    text = policy_file.read_text(encoding="utf-8")
    text = text.replace(
        "    repeat: 2\n", "    repeat: 2\n    keywords:\n      en: [no, on, off, yes]\n", 1
    )
    policy_file.write_text(text, encoding="utf-8")
    keywords = load_policy(policy_dir).categories["crisis"].keywords.en
    assert keywords[-4:] == ("no", "on", "off", "yes")


@requires_c
def test_outcome_of_a_malformed_policy_file_is_the_same_without_the_c_parser(
    policy_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    policy_file = policy_dir / "policy.yaml"
    text = policy_file.read_text(encoding="utf-8")
    policy_file.write_text(text.replace("    repeat: 2\n", "    label: [Crisis\n", 1))
    with_c = _outcome(policy_dir)
    _without_c_parser(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-cache"))
    assert isinstance(with_c, str) and with_c == _outcome(policy_dir)
