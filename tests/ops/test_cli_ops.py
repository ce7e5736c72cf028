"""`should-ai log tail` and `should-ai escalations list|show`, run as an admin would."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator

import pytest
import redis as syncredis

from bot.cli.ops import register
from bot.escalations.model import Actor, Escalation, Transition
from bot.observability.decision_log import DecisionLog
from bot.observability.metrics import Metrics
from bot.store.embedded import EmbeddedRedis
from bot.store.escalations import RedisEscalationStore
from tests.ops.conftest import make_decision

pytestmark = pytest.mark.store

SECRET = "apologise to the influencer we upset last week"


@pytest.fixture
def admin_env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI pointed at the test Redis, with an empty database before and after."""
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    client = syncredis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        yield redis_url
    finally:
        client.flushdb()
        client.close()


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="should-ai")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


async def _write_log(url: str, count: int) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, decode_responses=True)
    log = DecisionLog(client, metrics=Metrics())
    for i in range(count):
        await log.record_decision(
            decision=make_decision(decision_id=f"d-{i}"),
            actor=Actor(platform="discord", user_id=f"10{i}"),
            text=SECRET,
        )
    await client.aclose()


def test_log_tail_prints_the_latest_entries_masked(
    admin_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_write_log(admin_env, 5))

    assert run_cli("log", "tail", "-n", "3") == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert ["d-2" in lines[0], "d-3" in lines[1], "d-4" in lines[2]] == [True] * 3
    assert all("route=human" in line and "rev=rev-1" in line for line in lines)
    assert "influencer" not in "\n".join(lines)


def test_log_tail_json_is_one_object_per_line(
    admin_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_write_log(admin_env, 2))

    assert run_cli("log", "tail", "--json") == 0

    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["decision_id"] for r in rows] == ["d-0", "d-1"]
    assert {r["who"] for r in rows} == {"discord:100", "discord:101"}


async def _store_escalation(url: str, escalation: Escalation) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, decode_responses=True)
    await RedisEscalationStore(client).create(escalation)
    await client.aclose()


def _escalation(eid: str, assignee: str) -> Escalation:
    opened = Transition(at=1_700_000_000.0, state="open", level=0, assignee=assignee, by=None)
    return Escalation(
        id=eid,
        decision_id=f"d-{eid}",
        policy_revision="rev-1",
        category="relationships",
        platform="slack",
        requester="slack:U0ALICE",
        text=SECRET,
        state="open",
        level=0,
        assignee=assignee,
        created_at=1_700_000_000.0,
        due_at=1_700_007_200.0,
        history=[opened],
    )


def test_escalations_list_and_show(admin_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_store_escalation(admin_env, _escalation("E-1", "partnerships-lead")))
    asyncio.run(_store_escalation(admin_env, _escalation("E-2", "marketing-lead")))

    assert run_cli("escalations", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["E-1", "E-2"]
    assert "with Sam Okafor" in listed[0]  # names, not people.yaml keys (issue 14)

    assert run_cli("escalations", "list", "--assignee", "marketing-lead", "--json") == 0
    [row] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert row["id"] == "E-2"

    assert run_cli("escalations", "show", "E-1") == 0
    shown = capsys.readouterr().out
    assert "Escalation E-1: open, category relationships" in shown
    assert "decision d-E-1, policy revision rev-1" in shown
    assert "open level 0 assignee partnerships-lead" in shown


def test_escalations_show_unknown_id_fails(
    admin_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("escalations", "show", "E-404") == 1
    assert "No escalation E-404" in capsys.readouterr().err


def test_escalations_list_when_nothing_is_open(
    admin_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("escalations", "list") == 0
    assert capsys.readouterr().out.strip() == "No open escalations."


def test_admin_commands_say_when_redis_is_unreachable(
    own_redis: EmbeddedRedis, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", own_redis.url)
    own_redis.kill()

    assert run_cli("escalations", "list") == 1
    assert run_cli("log", "tail") == 1

    err = capsys.readouterr().err
    assert err.count("Redis is unreachable") == 2 and "SHOULD_AI_REDIS_URL" in err


def test_escalations_list_takes_a_name_and_groups(
    admin_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_store_escalation(admin_env, _escalation("E-1", "partnerships-lead")))
    asyncio.run(_store_escalation(admin_env, _escalation("E-2", "marketing-lead")))

    assert run_cli("escalations", "list", "--assignee", "Morgan Lee") == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("E-2 [Relationships]") and "from slack:U0ALICE" in line

    assert run_cli("escalations", "list", "--by", "person") == 0
    grouped = capsys.readouterr().out
    assert "2 open escalations" in grouped
    assert "Sam Okafor (placeholder - partnerships) (1)" in grouped
    assert "By category: Relationships 2" in grouped

    assert run_cli("escalations", "list", "--assignee", "Nobody Here") == 1
    assert "nobody in people.yaml is called 'Nobody Here'" in capsys.readouterr().err
