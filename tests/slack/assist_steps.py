"""The AI-help steps of tests/scenarios.py (issue 19), played on Slack: presses on the assist
buttons of the holder's ping, read back from the fake Slack and the fake LLM."""

from __future__ import annotations

from bot.escalations.model import Escalation
from handlers.slack.assist_blocks import ASSIST_ACTION_PREFIX, SHARE_ACTION
from tests.ai.fake_llm import FakeLlm
from tests.scenarios import Scenario
from tests.slack.conftest import REQUESTER, STRANGER, SlackBot
from tests.slack.slack_fake import Call

CHECKLIST = ASSIST_ACTION_PREFIX + "checklist"
FAKE_ANSWER = "1. Pause every paid post about the product. 2. Gather the facts before speaking."


async def play_assist(bot: SlackBot, step: str, scenario: Scenario, llm: FakeLlm | None) -> None:
    escalation = await _only(bot)
    sent_before = len(llm.requests) if llm is not None else 0
    match step:
        case "no assist before ack":
            ping = _latest_ping(bot, escalation)
            assert not [a for a in ping.action_ids() if a.startswith(ASSIST_ACTION_PREFIX)]
            assert "Get AI help" not in ping.blocks_text()
            assert llm is None or llm.requests == []
        case "assist by requester refused" | "assist by stranger refused":
            who = REQUESTER if "requester" in step else STRANGER
            seen = len(bot.responses(who))
            await bot.press(await _offering(bot, escalation), CHECKLIST, user=who)
            told = (await bot.answers_to(who, count=seen + 1))[-1]
            holder = bot.services.holder.policy.people.people[escalation.assignee or ""].name
            assert f"Only {holder}, who holds {escalation.id}" in told.args["text"]
            assert told.args["response_type"] == "ephemeral"
            assert llm is None or len(llm.requests) == sent_before
        case "assist checklist":
            assert llm is not None
            llm.default_answer = FAKE_ANSWER
            answer = await _holder_presses(bot, escalation)
            assert "AI help to review: Best-practice checklist" in answer.blocks_text()
            assert FAKE_ANSWER in answer.blocks_text() and SHARE_ACTION in answer.action_ids()
            assert answer.args["response_type"] == "ephemeral"
            assert len(llm.requests) == 1
            assert scenario.text in llm.prompts()[0]
            assert FAKE_ANSWER not in _everything_the_requester_saw(bot)
            entries = [e for e in await bot.services.decision_log.tail(500) if e.kind == "ai"]
            assists = [e.fields for e in entries if e.fields.get("event") == "assist"]
            assert len(assists) == 1
            assert assists[0]["assist"] == "checklist"
            assert assists[0]["escalation"] == escalation.id
            assert assists[0]["asked_by"] == escalation.assignee
        case "share":
            holder = bot.slack_id(escalation.assignee or "")
            answer = [r for r in bot.responses(holder) if SHARE_ACTION in r.action_ids()][-1]
            await bot.press(answer, SHARE_ACTION, user=holder)
            await bot.fake.wait_for(lambda _: FAKE_ANSWER in _everything_the_requester_saw(bot))
            [dm] = [c for c in bot.fake.dms_to(REQUESTER) if FAKE_ANSWER in c.blocks_text()]
            assert "shared AI help" in dm.blocks_text()
            await bot.fake.wait_for(
                lambda _: any(
                    "Shared with the requester" in r.blocks_text() for r in bot.responses(holder)
                )
            )
        case "assist explains no llm":
            said = await _holder_presses(bot, escalation)
            assert "SHOULD_AI_LLM_BASE_URL" in said.args["text"]
            after = await _only(bot)
            assert (after.state, after.history) == (escalation.state, escalation.history)
        case _:
            raise AssertionError(f"unknown step {step!r}")


async def _holder_presses(bot: SlackBot, escalation: Escalation) -> Call:
    holder = bot.slack_id(escalation.assignee or "")
    seen = len(bot.responses(holder))
    ping = await _offering(bot, escalation)
    assert "Get AI help" in ping.blocks_text()
    await bot.press(ping, CHECKLIST, user=holder)
    return (await bot.answers_to(holder, count=seen + 1))[-1]


async def _offering(bot: SlackBot, escalation: Escalation) -> Call:
    """The holder's ping once its Acknowledge redraw offers the assists."""
    await bot.fake.wait_for(lambda _: CHECKLIST in _latest_ping(bot, escalation).action_ids())
    return _latest_ping(bot, escalation)


def _latest_ping(bot: SlackBot, escalation: Escalation) -> Call:
    """The holder's ping as it looks now (its last redraw, if a button redrew it)."""
    assert escalation.assignee is not None
    [ping, *_] = bot.fake.dms_to(bot.slack_id(escalation.assignee))
    redraws = [c for c in bot.fake.of("chat.update") if c.args.get("ts") == ping.ts]
    if not redraws:
        return ping
    latest = redraws[-1]
    return Call(
        latest.method, {**latest.args, "channel": ping.args["channel"]}, None, ping.response
    )


def _everything_the_requester_saw(bot: SlackBot) -> str:
    seen = [*bot.responses(REQUESTER), *bot.fake.dms_to(REQUESTER)]
    return " ".join(c.blocks_text() for c in seen)


async def _only(bot: SlackBot) -> Escalation:
    found = list(await bot.services.escalations.list_open())
    assert len(found) == 1
    return found[0]
