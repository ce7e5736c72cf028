"""The escalation domain sits at the bottom: the store, the job queue and the log depend on it.

Read from the source (no import runs), so a forbidden import fails here even in a module no
other test happens to load.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bot.escalations

DOMAIN = Path(bot.escalations.__file__).parent
# What the domain must not know: Redis and arq (the ports hide them), its own implementations,
# and the chat platforms (adapters render its values).
FORBIDDEN = ("redis", "arq", "bot.store", "bot.jobs", "bot.observability.decision_log", "handlers")
FORBIDDEN += ("slack_sdk", "slack_bolt", "discord")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_escalation_domain_imports_no_store_no_queue_and_no_platform() -> None:
    found = {
        f"{path.name}: {name}"
        for path in sorted(DOMAIN.glob("*.py"))
        for name in imported(path)
        if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN)
    }
    assert found == set()


def test_the_store_names_no_job_queue() -> None:
    store = Path(DOMAIN.parent, "store")
    found = {
        f"{path.name}: {name}"
        for path in sorted(store.glob("*.py"))
        for name in imported(path)
        if name == "bot.jobs" or name.startswith("bot.jobs.")
    }
    assert found == set()  # bot.jobs uses the store's keys and retry; the store names no queue
