"""The arrows point one way: adapters (handlers/) -> core (bot/). Checked on the source itself,
every import statement counted (inside functions and ``if TYPE_CHECKING:`` blocks too)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_sdk", "slack_bolt", "discord", "handlers")
# The one module of bot/ that knows every adapter: it maps the enabled ones to their build.
COMPOSITION_ROOT = {"bot/app.py"}
# What runs around the core; adapters are given the core, never these.
SERVER = ("bot.app", "bot.server")


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_core_imports_no_platform_sdk_and_no_adapter() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in imports(path) if under(n, PLATFORM_SDKS))
        for path in modules("bot")
        if str(path.relative_to(ROOT)) not in COMPOSITION_ROOT
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_adapter_imports_the_composition_root_or_the_server() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in imports(path) if under(n, SERVER))
        for path in modules("handlers")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_composition_root_is_the_only_module_that_knows_every_adapter() -> None:
    knowing = {
        str(path.relative_to(ROOT))
        for path in modules("bot")
        if {"handlers.slack", "handlers.discord"} <= {n for n in imports(path)}
    }
    assert knowing == COMPOSITION_ROOT
