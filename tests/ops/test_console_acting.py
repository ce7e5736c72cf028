"""The console acts on escalations as the chat buttons do (issue 14): a note and an outcome
with `ack` and `resolve`, `snooze`, `reassign` to a person of people.yaml, `withdraw`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import build_services
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import handle_line
from tests.ops.test_console import CRISIS_WORD, settings_for

pytestmark = pytest.mark.store


async def test_console_ack_with_note_snooze_reassign_and_resolve_with_outcome(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    pings = io.StringIO()
    settings = settings_for(redis_url, tmp_path)
    async with build_services(settings, console=ConsoleNotifier(stream=pings)) as services:
        out = io.StringIO()
        await handle_line(services.core, f"{CRISIS_WORD} on the evening news", out)
        [opened] = await services.escalations.list_open()
        for line in (
            f"ack {opened.id} looking into it",
            f"snooze {opened.id} 20",
            f"reassign {opened.id} legal-counsel",
            f'resolve {opened.id} outcome="statement published" legal signed off',
        ):
            await handle_line(services.core, line, out)
        done = await services.escalations.get(opened.id)

    assert done is not None
    assert [(t.state, t.assignee, t.comment, t.outcome) for t in done.history[1:]] == [
        ("acknowledged", "console:console", "looking into it", ""),
        ("snoozed", "console:console", "", ""),
        ("reassigned", "legal-counsel", "", ""),
        ("resolved", "legal-counsel", "legal signed off", "statement published"),
    ]
    said = out.getvalue()
    assert f"Escalation {opened.id} is now snoozed." in said
    assert f"Escalation {opened.id} is now resolved." in said
    assert "Outcome: statement published." in pings.getvalue()


async def test_console_withdraw(redis: aioredis.Redis, redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path)
    async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as services:
        out = io.StringIO()
        await handle_line(services.core, f"{CRISIS_WORD} on the evening news", out)
        [opened] = await services.escalations.list_open()
        await handle_line(services.core, f"withdraw {opened.id} sent by mistake", out)
        assert await services.escalations.list_open() == []
