"""The console schedules to itself (issue 15): a post typed on the terminal is confirmed with
`confirm <id>`, queued as a timer job, and printed there when its time comes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.ai.timer_scheduler import TimerPostScheduler
from bot.app import build_services
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import CONSOLE_ACTOR, handle_line
from tests.ops.test_console import settings_for

pytestmark = pytest.mark.store

REQUEST = 'Schedule "Standup moved to 10:00" for tomorrow 9am in #general'


async def test_the_console_schedules_a_post_and_prints_it_at_the_time(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    printed = io.StringIO()
    settings = settings_for(redis_url, tmp_path)
    async with build_services(settings, console=ConsoleNotifier(stream=printed)) as services:
        out = io.StringIO()
        await handle_line(services.core, REQUEST, out)
        found = re.search(r"`confirm (\w+)`", out.getvalue())
        assert found is not None, out.getvalue()
        await handle_line(services.core, f"confirm {found.group(1)}", out)
        [post] = await services.ai.list_scheduled(actor=CONSOLE_ACTOR)
        scheduler = services.ai.scheduling.scheduler("console")
        assert isinstance(scheduler, TimerPostScheduler)
        assert "POST" not in printed.getvalue()  # not before its time
        await scheduler.run_job({"job_try": 1}, post_id=post.id)  # its timer job comes due

    said = out.getvalue()
    assert "Schedule this in #general" in said
    assert "Scheduled for #general" in said
    assert post.platform_ref == f"ai-post-{post.id}"
    assert "POST #general: Standup moved to 10:00" in printed.getvalue()
