"""Escalations on Slack: buttons, refusals, the climb, DMs that cannot be delivered.

The owner's DM and the requester's status card are read back from the fake Slack Web API; button
presses are signed block_actions payloads built from the very blocks the bot posted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.escalations.model import Escalation
from handlers.common import i18n
from handlers.slack.blocks import ACK_ACTION, REASSIGN_ACTION, RESOLVE_ACTION
from handlers.slack.escalation_views import NOTE_ACTION, SNOOZE_ACTION
from tests.ai.fake_llm import FakeLlm
from tests.scenarios import ASSIST_STEPS, ESCALATING, SETUP_STEPS, Scenario, by_name, expected_moves
from tests.slack.assist_steps import play_assist
from tests.slack.conftest import REQUESTER, STRANGER, SlackBot, set_ack_minutes
from tests.slack.scenario_steps import MORE_STEPS, play_more, set_the_scene
from tests.slack.slack_fake import Call

pytestmark = pytest.mark.store

CRISIS = by_name("crisis-acknowledged").text


async def _crisis(slack_bot: SlackBot) -> tuple[Call, Escalation]:
    """Ask for a crisis statement; the owner's ping and the escalation, once the card says so."""
    await slack_bot.command(CRISIS)
    [ping] = await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    await slack_bot.fake.wait_calls("chat.update")
    return ping, await slack_bot.only_escalation()


def _card_updates(slack_bot: SlackBot, escalation: Escalation) -> list[Call]:
    assert escalation.status_ref is not None
    return [c for c in slack_bot.fake.of("chat.update") if c.args["ts"] == escalation.status_ref.ts]


async def test_owner_acknowledges_and_the_status_card_says_so(slack_bot: SlackBot) -> None:
    ping, escalation = await _crisis(slack_bot)
    owner = slack_bot.slack_id("comms-lead")
    owner_name = slack_bot.services.holder.policy.people.people["comms-lead"].name

    assert await slack_bot.press(ping, ACK_ACTION, user=owner) == 200

    await slack_bot.fake.wait_for(lambda _: len(_card_updates(slack_bot, escalation)) >= 2)
    card = _card_updates(slack_bot, escalation)[-1].blocks_text()
    assert f"Acknowledged by {owner_name}" in card
    assert f"Pinged <@{owner}>" in card and f"Acknowledged by <@{owner}>" in card  # the history
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.state == "acknowledged"
    refreshed = await _update_of(slack_bot, ping)
    assert ACK_ACTION not in refreshed.action_ids()
    assert RESOLVE_ACTION in refreshed.action_ids()


async def _update_of(slack_bot: SlackBot, message: Call) -> Call:
    """The chat.update that redrew ``message`` (the DM whose button was pressed)."""

    def redrawn() -> list[Call]:
        return [c for c in slack_bot.fake.of("chat.update") if c.args["ts"] == message.ts]

    await slack_bot.fake.wait_for(lambda _: bool(redrawn()))
    return redrawn()[-1]


async def test_someone_else_pressing_acknowledge_is_refused_and_nothing_changes(
    slack_bot: SlackBot,
) -> None:
    ping, escalation = await _crisis(slack_bot)
    updates_before = len(slack_bot.fake.of("chat.update"))

    assert await slack_bot.press(ping, ACK_ACTION, user=STRANGER) == 200

    [refusal] = await slack_bot.answers_to(STRANGER)
    assert refusal.args["response_type"] == "ephemeral"
    assert refusal.args["replace_original"] is False
    assert "Only" in refusal.args["text"] and escalation.id in refusal.args["text"]
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.state == "open" and stored.history == escalation.history
    assert len(slack_bot.fake.of("chat.update")) == updates_before


async def test_owner_resolves_and_the_buttons_go_away(slack_bot: SlackBot) -> None:
    ping, escalation = await _crisis(slack_bot)

    await slack_bot.press(ping, RESOLVE_ACTION, user=slack_bot.slack_id("comms-lead"))

    refreshed = await _update_of(slack_bot, ping)
    assert refreshed.action_ids() == []
    await slack_bot.fake.wait_for(lambda _: len(_card_updates(slack_bot, escalation)) >= 2)
    assert "Resolved by" in _card_updates(slack_bot, escalation)[-1].blocks_text()


async def test_owner_reassigns_with_the_user_picker_and_that_person_is_pinged(
    slack_bot: SlackBot,
) -> None:
    ping, escalation = await _crisis(slack_bot)
    colleague = "U0COLLEAGUE"

    await slack_bot.press(
        ping, REASSIGN_ACTION, user=slack_bot.slack_id("comms-lead"), selected_user=colleague
    )

    [handed] = await slack_bot.dms_to(colleague)
    assert handed.action_ids() == [
        ACK_ACTION,
        REASSIGN_ACTION,
        RESOLVE_ACTION,
        NOTE_ACTION,
        SNOOZE_ACTION,
    ]
    await slack_bot.fake.wait_for(lambda _: len(_card_updates(slack_bot, escalation)) >= 2)
    assert f"<@{colleague}>" in _card_updates(slack_bot, escalation)[-1].blocks_text()
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.assignee == f"slack:{colleague}"


async def test_owner_who_cannot_be_dmed_is_skipped_for_the_backup_and_the_requester_is_told(
    slack_bot: SlackBot,
) -> None:
    owner, backup = slack_bot.slack_id("comms-lead"), slack_bot.slack_id("marketing-lead")
    slack_bot.fake.dm_refused[owner] = "user_disabled"

    await slack_bot.command(CRISIS)

    [ping] = await slack_bot.dms_to(backup)
    assert ping.action_ids() == [
        ACK_ACTION,
        REASSIGN_ACTION,
        RESOLVE_ACTION,
        NOTE_ACTION,
        SNOOZE_ACTION,
    ]
    assert slack_bot.fake.dms_to(owner) == []
    escalation = await slack_bot.only_escalation()
    assert escalation.level == 1
    await slack_bot.fake.wait_for(lambda _: bool(_card_updates(slack_bot, escalation)))
    told = " ".join(c.blocks_text() for c in _card_updates(slack_bot, escalation))
    assert "Could not reach" in told and "user_disabled" in told


async def test_nobody_acknowledges_so_the_backup_then_the_channel_are_pinged(
    slack_bot_short_ack: SlackBot,
) -> None:
    """The real job worker fires the escalation timers (crisis ack time shortened to 0.3 s)."""
    bot = slack_bot_short_ack
    worker = asyncio.create_task(bot.services.jobs.run_worker())
    try:
        await bot.command(CRISIS)
        await bot.dms_to(bot.slack_id("comms-lead"))
        [backup_ping] = await bot.dms_to(bot.slack_id("marketing-lead"))
        channel = bot.channel_id("crisis-room")
        await bot.fake.wait_for(
            lambda calls: any(
                c.method == "chat.postMessage" and c.args.get("channel") == channel for c in calls
            )
        )
    finally:
        await bot.services.jobs.stop()
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert backup_ping.action_ids() == [
        ACK_ACTION,
        REASSIGN_ACTION,
        RESOLVE_ACTION,
        NOTE_ACTION,
        SNOOZE_ACTION,
    ]
    [post, *_] = [c for c in bot.fake.of("chat.postMessage") if c.args["channel"] == channel]
    assert "<!here>" in post.blocks_text()
    for who in ("comms-lead", "marketing-lead"):  # the post says who may take it
        assert f"<@{bot.slack_id(who)}>" in post.blocks_text()
    assert ACK_ACTION in post.action_ids()


@pytest.fixture
def short_ack(policy_dir: Path) -> None:
    set_ack_minutes(policy_dir, "crisis", 0.005)


@pytest.fixture
def slack_bot_short_ack(short_ack: None, slack_bot: SlackBot) -> SlackBot:
    return slack_bot


# --- the shared scenario table: the same rows tests/discord drives ----------------------------


@pytest.mark.parametrize("scenario", ESCALATING, ids=lambda s: s.name)
async def test_scenario_unfolds_on_slack(
    slack_bot: SlackBot, scenario: Scenario, scenario_llm: FakeLlm | None
) -> None:
    policy = slack_bot.services.holder.policy
    category = policy.categories[scenario.category]
    assert category.owner is not None
    owner = slack_bot.slack_id(category.owner)
    if scenario.steps[0] == "dm refused->backup":
        slack_bot.fake.dm_refused[owner] = "user_disabled"
    for step in scenario.steps:
        if step in SETUP_STEPS:
            await set_the_scene(slack_bot, step, category.owner)

    await slack_bot.command(scenario.text)
    [answer, *_] = await slack_bot.answers_to(REQUESTER)
    assert "A person must own this" in answer.blocks_text()
    assert category.label in answer.blocks_text()
    escalation_id = (await _current(slack_bot)).id
    for step in scenario.steps:
        if step in ASSIST_STEPS:
            await play_assist(slack_bot, step, scenario, scenario_llm)
            continue
        await _play(slack_bot, step, scenario)
    final = await slack_bot.services.escalations.get(escalation_id)
    assert final is not None
    assert [(t.state, t.level) for t in final.history] == expected_moves(scenario.steps)


async def _play(slack_bot: SlackBot, step: str, scenario: Scenario, lang: str = "en") -> None:
    escalation = await _current(slack_bot)
    policy = slack_bot.services.holder.policy
    category = policy.categories[scenario.category]
    if step == "dm owner":
        assert category.owner is not None
        await slack_bot.dms_to(slack_bot.slack_id(category.owner))
    elif step == "dm refused->backup":
        assert category.backup is not None
        await slack_bot.dms_to(slack_bot.slack_id(category.backup))
    elif step in ("ack", "resolve"):
        await _press_as_assignee(slack_bot, escalation, step, lang)
    elif step == "timeout->backup":
        await _time_out(slack_bot, escalation)
        assert category.backup is not None
        await slack_bot.dms_to(slack_bot.slack_id(category.backup))
    elif step == "timeout->channel":
        await _time_out(slack_bot, escalation)
        assert category.channel is not None
        channel = slack_bot.channel_id(category.channel)
        await slack_bot.fake.wait_for(
            lambda calls: any(c.args.get("channel") == channel for c in calls)
        )
    elif step in MORE_STEPS:
        await play_more(slack_bot, step, escalation, lang)
    else:
        raise AssertionError(f"unknown step {step!r}")


async def _current(slack_bot: SlackBot) -> Escalation:
    await slack_bot.fake.wait_for(lambda _: bool(slack_bot.fake.of("chat.update")))
    found = list(await slack_bot.services.escalations.list_open())
    assert len(found) == 1
    return found[0]


async def _press_as_assignee(
    slack_bot: SlackBot, escalation: Escalation, step: str, lang: str = "en"
) -> None:
    assert escalation.assignee is not None
    user = slack_bot.slack_id(escalation.assignee)
    ping = slack_bot.fake.dms_to(user)[0]
    action = ACK_ACTION if step == "ack" else RESOLVE_ACTION
    await slack_bot.press(ping, action, user=user)
    with i18n.language(lang):  # the card's words up to the name: "Acknowledged by", "Close par"
        done = i18n._("Acknowledged by {person}." if step == "ack" else "Resolved by {person}.")
    said = done.split("{")[0].strip()
    await slack_bot.fake.wait_for(
        lambda _: any(said in c.blocks_text() for c in _card_updates(slack_bot, escalation))
    )


async def _time_out(slack_bot: SlackBot, escalation: Escalation) -> None:
    """What the job worker does when the ack time passes: fire the level's timer."""
    assert escalation.due_at is not None
    moved = await slack_bot.services.escalations.fire_timer(
        escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
    )
    assert moved


async def test_slack_failing_while_redrawing_tells_the_presser_and_keeps_the_ack(
    slack_bot: SlackBot,
) -> None:
    ping, escalation = await _crisis(slack_bot)
    owner = slack_bot.slack_id("comms-lead")
    slack_bot.fake.fail("chat.update", times=4)  # the card and the DM, each tried twice

    await slack_bot.press(ping, ACK_ACTION, user=owner)

    [told] = await slack_bot.answers_to(owner)
    assert "Something went wrong" in told.args["text"] and "rather than to AI" in told.args["text"]
    assert f"<@{slack_bot.slack_id('marketing-lead')}>" in told.args["text"]  # the fallback owner
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.state == "acknowledged"


async def test_pressing_an_old_ping_after_it_was_resolved_says_so_and_drops_its_buttons(
    slack_bot: SlackBot,
) -> None:
    owner_ping, escalation = await _crisis(slack_bot)
    await _time_out(slack_bot, escalation)  # nobody acked: the backup is pinged
    backup = slack_bot.slack_id("marketing-lead")
    [backup_ping] = await slack_bot.dms_to(backup)
    await slack_bot.press(backup_ping, RESOLVE_ACTION, user=backup)
    await _update_of(slack_bot, backup_ping)

    owner = slack_bot.slack_id("comms-lead")
    await slack_bot.press(owner_ping, ACK_ACTION, user=owner)  # late, on the first ping

    [told] = await slack_bot.answers_to(owner)
    assert "already resolved" in told.args["text"]
    redrawn = await _update_of(slack_bot, owner_ping)
    assert redrawn.action_ids() == []
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.state == "resolved"
