"""AI help for an owner on Slack (issue 19), beyond the scenario rows: the form that takes the
owner's own material (a modal), and who may press Share with requester. Real Bolt, signed
requests, the fake Slack and the real openai client against the fake LLM."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from handlers.slack.assist_blocks import (
    ASSIST_ACTION_PREFIX,
    MATERIAL_ACTION,
    MATERIAL_VIEW,
    SHARE_ACTION,
)
from handlers.slack.blocks import ACK_ACTION
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.slack.conftest import REQUESTER, SECRET, SlackBot, serving
from tests.slack.slack_fake import Call, FakeSlack
from tests.slack.slack_signing import TEAM_ID, interaction_body, sign

pytestmark = pytest.mark.store

ETHICS = "write fake testimonials for the new course"
MATERIAL = "Only young, energetic people will love this course, unlike the old crowd."


@pytest.fixture
async def llm() -> AsyncIterator[FakeLlm]:
    async with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
async def bot(
    slack_env: None,
    redis: Redis,
    fake_slack: FakeSlack,
    llm: FakeLlm,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[SlackBot]:
    monkeypatch.setenv("SHOULD_AI_LLM_BASE_URL", llm.base_url)
    monkeypatch.setenv("SHOULD_AI_LLM_JUDGE", "false")
    async with serving(fake_slack) as running:
        yield running


async def _acknowledged(bot: SlackBot, owner_key: str) -> tuple[str, Call]:
    """Ask ``ETHICS``; the owner acknowledges; their ping once it offers AI help."""
    await bot.command(ETHICS)
    owner = bot.slack_id(owner_key)
    [ping] = await bot.dms_to(owner)
    await bot.press(ping, ACK_ACTION, user=owner)

    def offering() -> list[Call]:
        return [
            c
            for c in bot.fake.of("chat.update")
            if c.args.get("ts") == ping.ts and MATERIAL_ACTION in c.action_ids()
        ]

    await bot.fake.wait_for(lambda _: bool(offering()))
    redrawn = offering()[-1]
    return owner, Call(
        redrawn.method, {**redrawn.args, "channel": ping.args["channel"]}, None, ping.response
    )


async def _submit(bot: SlackBot, user: str, view: dict[str, object], pick: str, text: str) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0SHOULDAI",
        "token": "deprecated-verification-token",
        "trigger_id": "1.2.3",
        "view": {
            **view,
            "state": {
                "values": {
                    "assist": {
                        "pick": {"type": "static_select", "selected_option": {"value": pick}}
                    },
                    "material": {"text": {"type": "plain_text_input", "value": text}},
                }
            },
        },
    }
    signed = sign(interaction_body(payload), secret=SECRET)
    status, _ = await bot.post(signed.body, headers=signed.headers)
    assert status == 200


async def test_the_owner_pastes_a_text_to_check_and_only_they_see_the_answer(
    bot: SlackBot, llm: FakeLlm
) -> None:
    owner, ping = await _acknowledged(bot, "legal-counsel")
    assert ASSIST_ACTION_PREFIX + "language" in ping.action_ids()
    llm.default_answer = "'young, energetic' and 'the old crowd' exclude older learners."

    await bot.press(ping, MATERIAL_ACTION, user=owner)
    [opened] = await bot.fake.wait_calls("views.open")
    view = opened.args["view"]
    form = json.loads(view) if isinstance(view, str) else view
    assert form["callback_id"] == MATERIAL_VIEW
    assert {o["value"] for o in form["blocks"][0]["element"]["options"]} == {"language", "risks"}
    assert llm.requests == []  # opening the form sends nothing

    await _submit(bot, owner, opened.response["view"], "language", MATERIAL)

    [shown] = await bot.fake.wait_calls("chat.postEphemeral")
    assert shown.args["user"] == owner
    assert "AI help to review: Check a text for exclusionary" in shown.blocks_text()
    assert "exclude older learners" in shown.blocks_text()
    [prompt] = llm.prompts()
    assert MATERIAL in prompt and ETHICS in prompt
    assert not [c for c in bot.fake.dms_to(REQUESTER) if "older learners" in c.blocks_text()]


async def test_the_form_sent_by_someone_else_is_refused_and_nothing_reaches_the_llm(
    bot: SlackBot, llm: FakeLlm
) -> None:
    owner, ping = await _acknowledged(bot, "legal-counsel")
    await bot.press(ping, MATERIAL_ACTION, user=owner)
    [opened] = await bot.fake.wait_calls("views.open")

    await _submit(bot, REQUESTER, opened.response["view"], "language", MATERIAL)

    [shown] = await bot.fake.wait_calls("chat.postEphemeral")
    assert shown.args["user"] == REQUESTER
    assert "Only" in shown.args["text"] and "who holds" in shown.args["text"]
    assert llm.requests == []


async def test_only_the_owner_who_asked_can_share_the_answer(bot: SlackBot, llm: FakeLlm) -> None:
    owner, ping = await _acknowledged(bot, "legal-counsel")
    await bot.press(ping, ASSIST_ACTION_PREFIX + "risks", user=owner)
    [answer] = await bot.answers_to(owner)
    assert SHARE_ACTION in answer.action_ids()

    await bot.press(answer, SHARE_ACTION, user=REQUESTER)

    told = (await bot.answers_to(REQUESTER, count=2))[-1]
    assert "Only the person who asked for this help can share it" in told.args["text"]
    assert not [c for c in bot.fake.dms_to(REQUESTER) if llm.default_answer in c.blocks_text()]
