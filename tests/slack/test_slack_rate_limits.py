"""Rate limits never decide whether a request for a person is heard (issue 14).

The per-user limit refuses AI work past its count; a request a person must own is escalated
whatever the count. Past the paging limit (one requester pinging the same owner again and
again) it is still escalated, into the owner's queue, climbing on its timer, without a new ping.
"""

from __future__ import annotations

import pytest

from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SlackBot

pytestmark = pytest.mark.store

CRISIS = by_name("crisis-acknowledged").text
ROUTINE = by_name("routine-drafting").text


async def test_the_21st_request_in_a_minute_still_escalates_when_a_person_must_own_it(
    slack_bot: SlackBot,
) -> None:
    for n in range(20):  # the default limit: 20 requests per user per minute
        assert await slack_bot.command(f"{ROUTINE} ({n})") == 200
    await slack_bot.answers_to(REQUESTER, 20)

    assert await slack_bot.command("A key client threatens to go public about us: reply") == 200

    [ping] = await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    assert "key client threatens" in ping.blocks_text()
    escalation = await slack_bot.only_escalation()
    assert escalation.category == "crisis"
    answers = await slack_bot.answers_to(REQUESTER, 21)
    assert any("A person must own this" in a.blocks_text() for a in answers)
    assert not any("more than 20 requests" in a.blocks_text() for a in answers)


async def test_ai_work_past_the_limit_is_refused_with_a_wait(slack_bot: SlackBot) -> None:
    for n in range(21):
        await slack_bot.command(f"{ROUTINE} ({n})")

    def refused() -> list[str]:
        texts = [a.blocks_text() for a in slack_bot.responses(REQUESTER)]
        return [t for t in texts if "more than 20 requests" in t]

    await slack_bot.fake.wait_for(lambda _: bool(refused()))
    assert len(refused()) == 1
    assert await slack_bot.services.escalations.list_open() == []


@pytest.fixture
def page_limit_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOULD_AI_PAGE_LIMIT_PER_OWNER", "2")


async def test_paging_the_same_owner_too_often_queues_without_a_ping(
    page_limit_two: None, slack_bot: SlackBot
) -> None:
    owner = slack_bot.slack_id("comms-lead")
    for n in range(3):
        await slack_bot.command(f"{CRISIS} ({n})")
        await slack_bot.fake.wait_for(lambda _, n=n: len(slack_bot.fake.of("chat.update")) >= n + 1)

    opened = await slack_bot.services.escalations.list_open()
    assert len(opened) == 3  # every one is heard, in the owner's queue, with its timer
    assert all(e.assignee == "comms-lead" and e.due_at is not None for e in opened)
    assert len(slack_bot.fake.dms_to(owner)) == 2  # the third did not ping them again
    third = [
        c for c in slack_bot.fake.of("chat.update") if "waits in their queue" in c.blocks_text()
    ]
    assert len(third) == 1
