"""Hot reload: an edit under the policy directory is used within seconds; a bad edit keeps the
last good policy running and the admins are told the file, line and key."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.escalations.model import Actor
from bot.settings import Settings
from handlers.common.replies import reply_text
from handlers.console.notifier import ConsoleNotifier
from tests.ops.conftest import add_keyword, copy_policies, sample

pytestmark = pytest.mark.store

ALICE = Actor(platform="slack", user_id="U0ALICE")
ADMIN = Actor(platform="slack", user_id="U0ADMIN")
NEW_WORD = "pangolin takedown"
WAIT_S = 30.0  # a guard against hanging, not a speed requirement (bench/ measures speed)


@pytest.fixture
async def services(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> AsyncIterator[Services]:
    settings = Settings(
        redis_url=redis_url,
        policy_dir=copy_policies(tmp_path),
        data_dir=tmp_path / "data",
        admins="U0ADMIN",
    )
    async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
        yield s


@pytest.fixture
async def watching(services: Services) -> AsyncIterator[Services]:
    stop = asyncio.Event()
    task = asyncio.create_task(services.watcher.run(stop))
    yield services
    stop.set()
    await asyncio.wait_for(task, WAIT_S)


async def edit_until_seen(
    services: Services, edit: Callable[[], object], seen: Callable[[], bool]
) -> None:
    """Apply ``edit`` (again, in case the watcher was not yet watching) until ``seen()``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while loop.time() < deadline:
        edit()
        for _ in range(10):
            if seen():
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the policy watcher did not pick up the edit")


def console_text(services: Services) -> str:
    assert isinstance(services.console.stream, io.StringIO)
    return services.console.stream.getvalue()


async def test_an_edit_is_used_without_a_restart(watching: Services) -> None:
    services = watching
    old = services.holder.current().revision
    policy_dir = services.holder.directory
    before = await services.intake.submit(actor=ALICE, text=f"{NEW_WORD} now", dedupe_key="1")

    await edit_until_seen(
        services,
        lambda: add_keyword(policy_dir, "crisis", NEW_WORD),
        lambda: services.holder.current().revision != old,
    )
    after = await services.intake.submit(actor=ALICE, text=f"{NEW_WORD} now", dedupe_key="2")

    new = services.holder.current().revision
    assert before.decision is not None and after.decision is not None
    assert before.decision.policy_revision == old
    assert not any(NEW_WORD in r.detail for r in before.decision.reasons)
    assert (after.decision.policy_revision, after.decision.category) == (new, "crisis")
    assert any(r.layer == "keyword" and NEW_WORD in r.detail for r in after.decision.reasons)
    logged = [e.fields["policy_revision"] for e in await services.decision_log.tail(2)]
    assert logged == [old, new]
    assert sample(services.metrics, "should_ai_policy_info", revision=new) == 1


def break_ack_minutes(policy_dir: Path) -> int:
    """Make crisis.ack_minutes negative, as a hurried admin might; return its line number."""
    path = policy_dir / "policy.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index("  crisis:\n")
    n = next(i for i in range(start, len(lines)) if "ack_minutes:" in lines[i])
    lines[n] = "    ack_minutes: -5\n"
    path.write_text("".join(lines))
    return n + 1


async def test_a_bad_edit_keeps_the_last_good_policy_and_tells_admins(
    watching: Services,
) -> None:
    services = watching
    good = services.holder.current().revision
    policy_dir = services.holder.directory
    line = 0

    def edit() -> None:
        nonlocal line
        line = break_ack_minutes(policy_dir)

    await edit_until_seen(services, edit, lambda: "ADMINS:" in console_text(services))
    reply = await services.commands.handle(actor=ADMIN, text="policy", dedupe_key="p")

    told = console_text(services)
    assert f"policy.yaml, line {line}" in told
    assert "key categories.crisis.ack_minutes" in told
    assert f"revision {good}) is still running" in told
    assert services.holder.current().revision == good
    assert f"Policy revision {good}" in reply_text(reply)
    assert sample(services.metrics, "should_ai_policy_reloads_total", result="error") >= 1


async def test_reload_command_is_for_admins(services: Services) -> None:
    add_keyword(services.holder.directory, "crisis", NEW_WORD)

    refused = await services.commands.handle(actor=ALICE, text="reload", dedupe_key="r1")
    done = await services.commands.handle(actor=ADMIN, text="reload", dedupe_key="r2")

    assert refused.kind == "error" and "admins only" in reply_text(refused)
    assert done.kind == "reload" and "Policy reloaded: revision" in reply_text(done)
    assert services.holder.current().revision in reply_text(done)


async def test_reload_command_reports_a_bad_edit(services: Services) -> None:
    line = break_ack_minutes(services.holder.directory)

    reply = await services.commands.handle(actor=ADMIN, text="reload", dedupe_key="r")

    assert f"policy.yaml:{line}" in reply_text(reply) and "ack_minutes" in reply_text(reply)
    assert "stays in use" in reply_text(reply)
