"""No import cycle between the packages of bot/ and handlers/: the arrows between rooms point
one way (issue 11).

Read from the source, no import runs: every import statement counts, at module level, inside a
function or under ``if TYPE_CHECKING:``, so an import that only runs on some path cannot hide a
cycle. A room is a package of bot/ or handlers/ (``bot.escalations``, ``handlers.slack``, with
everything below it); a module loose at the top of bot/ (``bot/cli.py``) is a room of its own,
because bot/ itself is only the namespace that holds them.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("bot", "handlers")
# Arrows that point back and are being removed. Each is left out of the graph while it is there;
# once it is gone test_known_back_arrows_are_still_there says to delete its line, so the list
# cannot go stale. Empty: no package imports one that imports it back.
KNOWN_BACK_ARROWS: dict[tuple[str, str], str] = {}

Graph = dict[str, dict[str, list[str]]]  # room -> room it imports -> the imports that do it


def modules(root: Path) -> dict[str, Path]:
    """Every module of the top packages, by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for top in TOPS:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def room(module: str, known: dict[str, Path]) -> str:
    """The package of bot/ or handlers/ ``module`` belongs to, or the loose module itself."""
    parts = module.split(".")
    if len(parts) == 2 and known[module].name != "__init__.py":
        return module  # loose at the top: bot/cli.py
    return ".".join(parts[:2])


def imported(path: Path, module: str) -> Iterator[str]:
    """The dotted names ``path`` imports; ``from x import y`` as ``x.y`` (``y`` may be a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(package, node.level, node.module)
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _absolute(package: str, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    parts = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join(parts + ([name] if name else []))


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is one of our modules (``bot.escalations.model.X``
    -> ``bot.escalations.model``), or None for a library."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path) -> Graph:
    known = modules(root)
    graph: Graph = {}
    for module, path in known.items():
        source = room(module, known)
        for name in imported(path, module):
            target = _owner(name, known)
            if target is not None and room(target, known) != source:
                arrows = graph.setdefault(source, {}).setdefault(room(target, known), [])
                arrows.append(f"{module} imports {name}")
    return graph


def cycles(graph: Graph) -> list[str]:
    """Each arrow that closes a cycle, named with the whole loop and the imports making it."""
    named: dict[frozenset[str], str] = {}
    for source in sorted(graph):
        for target in sorted(graph[source]):
            back = _path(graph, target, source)
            if back is not None and frozenset(back) not in named:
                named[frozenset(back)] = _describe(graph, [source, *back])
    return sorted(named.values())


def _path(graph: Graph, start: str, goal: str) -> list[str] | None:
    """The shortest chain of rooms from ``start`` to ``goal``, both included."""
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            chain = [here]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return chain[::-1]
        for step in sorted(graph.get(here, {})):
            if step not in came_from:
                came_from[step] = here
                queue.append(step)
    return None


def _describe(graph: Graph, loop: list[str]) -> str:
    arrows = [f"  {graph[a][b][0]}" for a, b in pairwise(loop)]
    return " -> ".join(loop) + "\n" + "\n".join(arrows)


def without_known(graph: Graph) -> Graph:
    return {
        source: {t: how for t, how in targets.items() if (source, t) not in KNOWN_BACK_ARROWS}
        for source, targets in graph.items()
    }


def test_no_import_cycle_between_the_packages_of_bot_and_handlers() -> None:
    found = cycles(without_known(import_graph(ROOT)))
    assert not found, "import cycles between packages:\n" + "\n".join(found)


def test_known_back_arrows_are_still_there() -> None:
    graph = import_graph(ROOT)
    gone = [f"{s} -> {t}" for s, t in KNOWN_BACK_ARROWS if t not in graph.get(s, {})]
    assert not gone, f"no longer imported, delete from KNOWN_BACK_ARROWS: {gone}"


def test_a_cycle_through_a_function_level_import_is_found_and_named(tmp_path: Path) -> None:
    files = {
        "bot/__init__.py": "",
        "bot/loose.py": "from bot.inner.deep import thing\n",
        "bot/inner/__init__.py": "",
        "bot/inner/deep.py": "def thing():\n    from bot import loose\n",
        "handlers/__init__.py": "",
        "handlers/edge/__init__.py": "from .. import edge as _self\nfrom bot.inner import deep\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [
        "bot.inner -> bot.loose -> bot.inner\n"
        "  bot.inner.deep imports bot.loose\n"
        "  bot.loose imports bot.inner.deep.thing"
    ]
    assert graph["handlers.edge"] == {"bot.inner": ["handlers.edge imports bot.inner.deep"]}
