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
from bot.observability.metrics import Metrics
from bot.policy.loader import load_policy
from bot.policy.model import Policy
from bot.reader.build import build_engine
from bot.reload import DecisionEngine, PolicyHolder, PolicyWatcher
from bot.settings import Settings
from handlers.common.replies import reply_text
from handlers.console.notifier import ConsoleNotifier
from tests.ops.conftest import add_keyword, copy_policies, sample
from tests.policy.test_loader_limits import billion_laughs

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


# --- a bad edit of any kind: the watcher survives, the last good policy keeps deciding --------

CRISIS_REQUEST = "a journalist is asking about the product recall"


def append(path: Path, text: str) -> int:
    """Append ``text`` to ``path``; return the line its first line lands on."""
    before = path.read_text()
    path.write_text(before + text)
    return before.count("\n") + 1


def set_crisis(policy_dir: Path, key: str, value: str) -> int:
    path = policy_dir / "policy.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index("  crisis:\n")
    n = next(i for i in range(start, len(lines)) if lines[i].startswith(f"    {key}:"))
    lines[n] = f"    {key}: {value}\n"
    path.write_text("".join(lines))
    return n + 1


def set_tone(policy_dir: Path, tone: str) -> None:
    path = policy_dir / "policy.yaml"
    text = path.read_text()
    start = text.index("  tone: ")
    end = text.index("\n", start)
    path.write_text(f"{text[:start]}  tone: {tone!r}{text[end:]}")


def deep_list(policy_dir: Path) -> list[str]:
    line = append(policy_dir / "policy.yaml", "extra: " + "[" * 20_000 + "]" * 20_000 + "\n")
    return [f"policy.yaml, line {line}", "key extra.0.0", "nested deeper than 20 levels"]


def alias_bomb(policy_dir: Path) -> list[str]:
    line = append(policy_dir / "policy.yaml", billion_laughs(levels=6))
    return [f"policy.yaml, line {line + 5}", "key lol6.", "more than 100,000 values"]


def ack_infinite(policy_dir: Path) -> list[str]:
    line = set_crisis(policy_dir, "ack_minutes", ".inf")
    return [f"policy.yaml, line {line}", "key categories.crisis.ack_minutes", "finite"]


def ack_1e300(policy_dir: Path) -> list[str]:
    line = set_crisis(policy_dir, "ack_minutes", "1e300")
    return [f"policy.yaml, line {line}", "key categories.crisis.ack_minutes", "10080"]


def file_over_2_mb(policy_dir: Path) -> list[str]:
    (policy_dir / "cases" / "huge.yaml").write_text("cases: []\n" + "# padding\n" * 250_000)
    return ["cases/huge.yaml, line 209716", "larger than 2 MB"]


# The engine (trained reader, numpy) failing while built from a policy that loaded.
ENGINE_FAILURES: dict[str, Exception] = {
    "boom-value": ValueError("array must not contain infs or NaNs"),
    "boom-recursion": RecursionError("maximum recursion depth exceeded"),
    "boom-memory": MemoryError(),
}


def engine_failure(tone: str) -> Callable[[Path], list[str]]:
    def edit(policy_dir: Path) -> list[str]:
        set_tone(policy_dir, tone)
        return [f"({policy_dir})", "could not use it", repr(ENGINE_FAILURES[tone])[:-1]]

    return edit


BAD_EDITS: dict[str, Callable[[Path], list[str]]] = {
    "deep_list": deep_list,
    "alias_bomb": alias_bomb,
    "ack_infinite": ack_infinite,
    "ack_1e300": ack_1e300,
    "file_over_2_mb": file_over_2_mb,
    **{tone: engine_failure(tone) for tone in ENGINE_FAILURES},
}


def engine_or_failure(policy: Policy) -> DecisionEngine:
    failure = ENGINE_FAILURES.get(policy.file.guidance.tone)
    if failure is not None:
        raise failure
    return build_engine(policy)


class RecordedAdmins:
    """The admin port, recording what the admins would be told."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def notify_admins(self, *, message: str) -> None:
        self.messages.append(message)


async def until(seen: Callable[[], object], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not seen():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("bad_edit", BAD_EDITS.values(), ids=BAD_EDITS.keys())
async def test_a_bad_edit_of_any_kind_never_stops_the_watcher(
    tmp_path: Path, bad_edit: Callable[[Path], list[str]]
) -> None:
    policy_dir = copy_policies(tmp_path)
    pristine = (policy_dir / "policy.yaml").read_text()
    holder = PolicyHolder(
        policy_dir, load=load_policy, make_engine=engine_or_failure, metrics=Metrics()
    )
    admins = RecordedAdmins()
    stop = asyncio.Event()
    watching = asyncio.create_task(PolicyWatcher(holder, admins=admins).run(stop))
    good = holder.current().revision
    expected: list[str] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while not admins.messages:  # the first edit may land before the watcher watches
            assert loop.time() < deadline and not watching.done(), "no notice to the admins"
            (policy_dir / "policy.yaml").write_text(pristine)
            expected = bad_edit(policy_dir)
            await asyncio.sleep(1.0)
        told = admins.messages[-1]
        decision = holder.engine.decide(CRISIS_REQUEST)

        (policy_dir / "cases" / "huge.yaml").unlink(missing_ok=True)
        (policy_dir / "policy.yaml").write_text(pristine + "# fixed\n")
        await until(lambda: holder.current().revision != good, "the good edit was not used")
        fixed = holder.engine.decide(CRISIS_REQUEST)
    finally:
        stop.set()
        await asyncio.wait_for(watching, WAIT_S)

    for part in expected:
        assert part in told, told
    assert f"revision {good}) is still running" in told
    assert (decision.policy_revision, decision.route) == (good, "human")
    assert fixed.policy_revision == holder.current().revision != good


async def test_serve_keeps_deciding_through_a_deeply_nested_edit(watching: Services) -> None:
    """Defect 6 as found: a list nested 20,000 deep killed the watcher and serve exited 1."""
    services = watching
    good = services.holder.current().revision
    policy_dir = services.holder.directory
    pristine = (policy_dir / "policy.yaml").read_text()
    expected: list[str] = []

    def edit() -> None:
        nonlocal expected
        (policy_dir / "policy.yaml").write_text(pristine)
        expected = deep_list(policy_dir)

    def fix() -> None:
        (policy_dir / "policy.yaml").write_text(pristine)
        add_keyword(policy_dir, "crisis", NEW_WORD)

    await edit_until_seen(services, edit, lambda: "ADMINS:" in console_text(services))
    during = await services.intake.submit(actor=ALICE, text=CRISIS_REQUEST, dedupe_key="1")
    await edit_until_seen(services, fix, lambda: services.holder.current().revision != good)
    after = await services.intake.submit(actor=ALICE, text=f"{NEW_WORD} now", dedupe_key="2")

    told = console_text(services)
    assert all(part in told for part in expected), told
    assert during.decision is not None and after.decision is not None
    assert (during.decision.policy_revision, during.decision.route) == (good, "human")
    assert after.decision.policy_revision == services.holder.current().revision != good
    assert any(NEW_WORD in r.detail for r in after.decision.reasons)
