"""The Slack calls the adapter makes, through Bolt's real ``respond`` to the fake Slack."""

from __future__ import annotations

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.ai import slack_delivery as ui
from bot.ai.slack_ui import handle_action, present_routine
from tests.ai.conftest import AiRig, decision

pytestmark = pytest.mark.store


def respond_for(rig: AiRig, name: str) -> AsyncRespond:
    return AsyncRespond(response_url=rig.slack.response_url(name))


async def test_a_draft_flows_from_the_command_to_use_it(rig: AiRig) -> None:
    rig.llm.default_answer = "Spring is here: 20% off everything green."
    await present_routine(
        rig.ai, actor=rig.actor, text="Write a promo line for our spring sale",
        decision=decision(), channel_id="C0GENERAL", respond=respond_for(rig, "command"),
    )
    await rig.slack.wait_calls("response_url", 2)
    # The note and the draft race (the job may finish first): tell them apart by their buttons.
    [note] = [c for c in rig.slack.of("response_url") if not c.action_ids()]
    [card] = [c for c in rig.slack.of("response_url") if c.action_ids()]
    assert "Drafting it now" in note.blocks_text() and note.args["response_type"] == "ephemeral"
    assert card.args["name"] == "command"  # the job answered through the command's response_url
    assert "20% off everything green" in card.blocks_text()

    draft_id = card.blocks()[-1]["elements"][0]["value"]
    await handle_action(
        rig.ai, action_id=ui.DRAFT_USE_ACTION, value=draft_id, actor=rig.actor,
        respond=respond_for(rig, "click"),
    )
    final = rig.slack.of("response_url")[-1]
    assert final.args["name"] == "click" and final.args["replace_original"] is True
    assert "20% off everything green" in final.blocks_text() and final.action_ids() == []


async def test_a_schedule_is_confirmed_with_its_button(rig_without_llm: AiRig) -> None:
    rig = rig_without_llm
    rig.slack.user_tz[rig.actor.user_id] = "Europe/Paris"
    await present_routine(
        rig.ai, actor=rig.actor, text='Programme "Soldes !" demain 10h dans <#C0MKT|marketing>',
        decision=decision(category="scheduling"), channel_id="C0GENERAL",
        respond=respond_for(rig, "command"),
    )
    [card] = await rig.slack.wait_calls("response_url")
    assert card.action_ids() == [ui.SCHEDULE_CONFIRM_ACTION, ui.SCHEDULE_CANCEL_ACTION]
    assert "10:00 (Europe/Paris)" in card.blocks_text()
    pending_id = card.blocks()[-1]["elements"][0]["value"]
    await handle_action(
        rig.ai, action_id=ui.SCHEDULE_CONFIRM_ACTION, value=pending_id, actor=rig.actor,
        respond=respond_for(rig, "click"),
    )
    [scheduled] = rig.slack.of("chat.scheduleMessage")
    assert scheduled.args["channel"] == "C0MKT" and scheduled.args["text"] == "Soldes !"
    assert "Scheduled for C0MKT" in rig.slack.of("response_url")[-1].blocks_text()


async def test_a_request_for_a_person_shows_nothing_more(rig: AiRig) -> None:
    await present_routine(
        rig.ai, actor=rig.actor, text="respond to the journalist about the recall",
        decision=decision(route="human", category="crisis", layer="keyword"),
        channel_id="C0GENERAL", respond=respond_for(rig, "command"),
    )
    assert rig.slack.calls == [] and rig.llm.requests == []
