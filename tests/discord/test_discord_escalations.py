"""Escalation buttons, restarts, refusals, closed DMs, duplicates and timeouts on Discord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build_adapters, build_services
from bot.settings import Settings
from bot.store.embedded import EmbeddedRedis
from handlers.discord.adapter import DiscordAdapter
from tests.discord.conftest import ADMIN, REQUESTER, STRANGER, DiscordBot, running_bot
from tests.discord.fake_discord import EPHEMERAL, FakeDiscord, Json
from tests.scenarios import by_name

pytestmark = pytest.mark.store

CRISIS = by_name("crisis-acknowledged").text


async def _crisis_dm(bot: DiscordBot) -> tuple[Json, str]:
    interaction = bot.ask(CRISIS)
    owner = bot.discord_id("comms-lead")
    await bot.dms_to(owner)
    await bot.status_card(interaction, says="waiting")
    return interaction, owner


async def test_acknowledge_edits_the_requesters_status_card_and_the_dm(
    discord_bot: DiscordBot,
) -> None:
    interaction, owner = await _crisis_dm(discord_bot)
    [dm] = discord_bot.fake.dm_to(owner)

    press = discord_bot.press(dm, "ack", user=owner)

    card = await discord_bot.status_card(interaction, says="acknowledged")
    name = discord_bot.services.holder.policy.people.people["comms-lead"].name
    assert name in card.text()
    assert discord_bot.fake.callbacks[press["id"]][0]["type"] == 6  # deferred update, in time
    await discord_bot.fake.wait_until(
        lambda: "acknowledged" in dm.text(), what="the DM showing the acknowledgement"
    )
    escalation = await discord_bot.only_escalation()
    assert escalation.state == "acknowledged"
    assert escalation.assignee == "comms-lead"
    assert f"should-ai:ack:{escalation.id}" not in dm.custom_ids  # nothing left to acknowledge
    assert f"should-ai:resolve:{escalation.id}" in dm.custom_ids


async def test_buttons_still_work_after_the_bot_restarts(
    discord_env: None, redis: object, fake_discord: FakeDiscord
) -> None:
    async with running_bot(fake_discord) as first:
        interaction, owner = await _crisis_dm(first)
    [dm] = fake_discord.dm_to(owner)

    async with running_bot(fake_discord) as second:  # a new process: nothing in memory
        second.press(dm, "resolve", user=owner)
        card = await second.status_card(interaction, says="resolved")
        await fake_discord.wait_until(lambda: not dm.custom_ids, what="the DM without buttons")
        assert await second.services.escalations.list_open() == []
    assert "resolved" in card.text().lower()


async def test_someone_else_pressing_the_button_is_refused(discord_bot: DiscordBot) -> None:
    _, owner = await _crisis_dm(discord_bot)
    [dm] = discord_bot.fake.dm_to(owner)

    press = discord_bot.press(dm, "ack", user=STRANGER)

    token = press["token"]
    await discord_bot.fake.wait_until(
        lambda: bool(discord_bot.fake.followups.get(token)), what="a refusal to the stranger"
    )
    [refusal] = discord_bot.fake.followups[token]
    assert refusal.payload["flags"] & EPHEMERAL
    name = discord_bot.services.holder.policy.people.people["comms-lead"].name
    assert f"Only {name}" in refusal.text()
    escalation = await discord_bot.only_escalation()
    assert escalation.state == "open"  # nothing moved
    assert not dm.edits


async def test_an_admin_may_press_the_buttons(discord_bot: DiscordBot) -> None:
    interaction, owner = await _crisis_dm(discord_bot)
    [dm] = discord_bot.fake.dm_to(owner)

    discord_bot.press(dm, "resolve", user=ADMIN)

    await discord_bot.status_card(interaction, says="resolved")


async def test_reassign_dms_the_person_picked(discord_bot: DiscordBot) -> None:
    interaction, owner = await _crisis_dm(discord_bot)
    [dm] = discord_bot.fake.dm_to(owner)
    picked = discord_bot.discord_id("ops-lead")

    [picker] = [c for c in dm.custom_ids if c.startswith("should-ai:reassign-to:")]
    names = {o["label"]: o["value"] for o in dm.options(picker)}
    assert names[discord_bot.services.holder.policy.people.people["ops-lead"].name] == picked
    assert owner not in names.values()  # nobody is offered their own escalation

    discord_bot.press(dm, "reassign-to", user=owner, pick=picked)

    [new_dm] = await discord_bot.dms_to(picked)
    assert CRISIS in new_dm.text()
    card = await discord_bot.status_card(interaction, says="reassigned")
    name = discord_bot.services.holder.policy.people.people["ops-lead"].name
    assert name in card.text()
    escalation = await discord_bot.only_escalation()
    assert (escalation.state, escalation.assignee) == ("reassigned", "ops-lead")


async def test_closed_dms_climb_to_the_backup_and_tell_the_requester(
    discord_bot: DiscordBot,
) -> None:
    owner = discord_bot.discord_id("comms-lead")
    discord_bot.fake.closed_dms.add(owner)

    interaction = discord_bot.ask(CRISIS)

    [dm] = await discord_bot.dms_to(discord_bot.discord_id("marketing-lead"))
    assert CRISIS in dm.text()
    card = await discord_bot.status_card(interaction, says="DMs are closed")
    backup = discord_bot.services.holder.policy.people.people["marketing-lead"].name
    assert backup in card.text()
    assert discord_bot.fake.dm_to(owner) == []
    escalation = await discord_bot.only_escalation()
    assert (escalation.level, escalation.assignee) == (1, "marketing-lead")


async def test_the_same_interaction_delivered_twice_is_handled_once(
    discord_bot: DiscordBot,
) -> None:
    interaction = discord_bot.fake.slash(
        [{"name": "request", "type": 3, "value": CRISIS}], user_id=REQUESTER
    )
    discord_bot.deliver(interaction)
    discord_bot.deliver(interaction)  # a second shard / replica hands over the same interaction

    owner = discord_bot.discord_id("comms-lead")
    await discord_bot.dms_to(owner)
    await discord_bot.status_card(interaction, says="waiting")
    await discord_bot.fake.wait_until(
        lambda: interaction["id"] in discord_bot.fake.refused_callbacks,
        what="Discord refusing the second answer",
    )
    assert len(discord_bot.fake.dm_to(owner)) == 1
    assert len(discord_bot.fake.followups[interaction["token"]]) == 1
    assert len(await discord_bot.services.escalations.list_open()) == 1


async def test_a_redelivered_interaction_past_discord_is_stopped_by_redis_dedupe(
    discord_bot: DiscordBot,
) -> None:
    interaction = discord_bot.ask(CRISIS)
    owner = discord_bot.discord_id("comms-lead")
    await discord_bot.status_card(interaction, says="waiting")
    discord_bot.fake.callbacks.pop(interaction["id"])  # Discord would take a second answer

    discord_bot.deliver(interaction)

    await discord_bot.fake.wait_until(
        lambda: interaction["id"] in discord_bot.fake.callbacks, what="the second defer"
    )
    original = discord_bot.fake.original(interaction["token"])
    assert original is not None
    await discord_bot.fake.wait_until(
        lambda: "already being answered" in original.text(), what="the duplicate notice"
    )
    assert len(discord_bot.fake.dm_to(owner)) == 1
    assert len(await discord_bot.services.escalations.list_open()) == 1


async def test_nobody_acknowledges_climbs_to_backup_then_channel(discord_bot: DiscordBot) -> None:
    interaction, _ = await _crisis_dm(discord_bot)
    service = discord_bot.services.escalations

    first = await discord_bot.only_escalation()
    assert first.due_at is not None
    assert await service.fire_timer(escalation_id=first.id, level=first.level, due_at=first.due_at)
    backup = discord_bot.discord_id("marketing-lead")
    [dm] = await discord_bot.dms_to(backup)
    assert CRISIS in dm.text()
    await discord_bot.status_card(interaction, says="No acknowledgement")

    second = await discord_bot.only_escalation()
    assert second.due_at is not None
    assert await service.fire_timer(
        escalation_id=second.id, level=second.level, due_at=second.due_at
    )
    [post] = await discord_bot.posts_in(discord_bot.channel_id("crisis-room"))
    assert CRISIS in post.text()
    assert f"should-ai:ack:{second.id}" in post.custom_ids
    assert f"should-ai:reassign:{second.id}" in post.custom_ids  # the server's member picker

    discord_bot.press(post, "ack", user=backup)  # anyone allowed can take it from the channel
    await discord_bot.status_card(interaction, says="acknowledged")


async def test_expired_status_card_is_sent_to_the_requester_by_dm(
    discord_bot: DiscordBot,
) -> None:
    interaction, owner = await _crisis_dm(discord_bot)
    discord_bot.fake.expired_tokens.add(interaction["token"])  # 15 minutes have passed
    [dm] = discord_bot.fake.dm_to(owner)

    discord_bot.press(dm, "ack", user=owner)

    [update] = await discord_bot.dms_to(REQUESTER)
    assert "acknowledged" in update.text().lower()
    assert CRISIS in update.text()


async def test_rate_limited_dm_is_retried_as_discord_asks(discord_bot: DiscordBot) -> None:
    discord_bot.fake.rate_limit_once.add("POST /channels/")

    interaction = discord_bot.ask(CRISIS)

    [dm] = await discord_bot.dms_to(discord_bot.discord_id("comms-lead"))
    assert CRISIS in dm.text()
    assert any(r.startswith("POST /channels/") for r in discord_bot.fake.rate_limited)
    await discord_bot.status_card(interaction, says="waiting")


async def test_a_failure_mid_answer_sends_the_requester_to_a_person(
    discord_bot: DiscordBot,
) -> None:
    discord_bot.fake.reject_once.add("PATCH /webhooks/")  # the answer itself is refused

    interaction = discord_bot.ask(by_name("routine-drafting").text)

    token = interaction["token"]
    await discord_bot.fake.wait_until(
        lambda: bool(discord_bot.fake.followups.get(token)), what="a note after the failure"
    )
    [note] = discord_bot.fake.followups[token]
    fallback = discord_bot.services.holder.policy.file.fallback.owner
    name = discord_bot.services.holder.policy.people.people[fallback].name
    assert f"ask {name} directly" in note.text()
    assert note.payload["flags"] & EPHEMERAL


async def test_with_redis_down_a_crisis_goes_to_its_owner_directly_never_to_ai(
    discord_env: None,
    fake_discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", server.url)
    try:
        async with running_bot(fake_discord) as bot:
            server.kill()  # Redis dies under the running bot
            interaction = bot.ask(CRISIS)

            answer = await bot.answer(interaction)
            card = await bot.status_card(interaction, says="directly")
    finally:
        server.stop()
    name = bot.services.holder.policy.people.people["comms-lead"].name
    assert "A person must own this" in answer.text()
    assert f"contact {name} directly" in card.text()
    assert "AI can do this" not in answer.text()


async def test_a_channel_the_bot_cannot_post_in_ends_with_the_requester_told_whom_to_reach(
    discord_bot: DiscordBot,
) -> None:
    interaction, _ = await _crisis_dm(discord_bot)
    discord_bot.fake.closed_channels.add(discord_bot.channel_id("crisis-room"))
    service = discord_bot.services.escalations
    for _ in range(2):  # owner -> backup -> channel (refused at every repeat)
        current = await discord_bot.only_escalation()
        assert current.due_at is not None
        await service.fire_timer(
            escalation_id=current.id, level=current.level, due_at=current.due_at
        )

    card = await discord_bot.status_card(interaction, says="nobody is left to ask")
    owner = discord_bot.services.holder.policy.people.people["comms-lead"].name
    assert owner in card.text()
    assert discord_bot.fake.channel_posts(discord_bot.channel_id("crisis-room")) == []
    # unanswered, and still in the queue for the fallback owner and the admins
    assert [e.state for e in await service.list_open()] == ["unanswered"]


async def test_a_ping_due_while_the_bot_is_still_logging_in_goes_out_after_login(
    discord_env: None, redis: object, fake_discord: FakeDiscord
) -> None:
    async with running_bot(fake_discord) as first:
        await _crisis_dm(first)
        escalation = await first.only_escalation()

    async with build_services(Settings()) as services:  # a restart: the timer fires at once
        [adapter] = [a for a in build_adapters(services) if a.platform == "discord"]
        assert isinstance(adapter, DiscordAdapter)
        assert escalation.due_at is not None
        timer = asyncio.create_task(
            services.escalations.fire_timer(
                escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
            )
        )
        await asyncio.sleep(0.05)  # the timer reaches the ping and waits for the login
        await adapter.login()
        assert await timer
        [dm] = await first.dms_to(first.discord_id("marketing-lead"))
        assert CRISIS in dm.text()
        await adapter.stop()
        await services.intake.aclose()


async def test_reassign_from_the_channel_post_uses_the_member_picker(
    discord_bot: DiscordBot,
) -> None:
    interaction, _ = await _crisis_dm(discord_bot)
    service = discord_bot.services.escalations
    for _ in range(2):  # owner -> backup -> channel
        current = await discord_bot.only_escalation()
        assert current.due_at is not None
        await service.fire_timer(
            escalation_id=current.id, level=current.level, due_at=current.due_at
        )
    [post] = await discord_bot.posts_in(discord_bot.channel_id("crisis-room"))
    picked = discord_bot.discord_id("ops-lead")

    discord_bot.press(post, "reassign", user=discord_bot.discord_id("marketing-lead"), pick=picked)

    [dm] = await discord_bot.dms_to(picked)
    assert CRISIS in dm.text()
    await discord_bot.status_card(interaction, says="reassigned")
