"""Every row of tests/scenarios.py, played on Discord: the decisions and escalation steps that
the Slack tests check for the same rows, so one policy behaves the same on both platforms."""

from __future__ import annotations

import pytest

from bot.policy.model import Policy
from tests.discord.conftest import DiscordBot
from tests.discord.fake_discord import Json, Message
from tests.discord.scenario_steps import MORE_STEPS, play_more, set_the_scene
from tests.scenarios import SCENARIOS, SETUP_STEPS, Scenario, expected_moves

pytestmark = pytest.mark.store


class Play:
    """One scenario in progress: who holds the escalation and where its buttons are."""

    def __init__(self, bot: DiscordBot, scenario: Scenario, interaction: Json) -> None:
        self.bot = bot
        self.scenario = scenario
        self.interaction = interaction
        self.policy: Policy = bot.services.holder.policy
        category = self.policy.categories[scenario.category]
        self.owner = category.owner or ""
        self.backup = category.backup or ""
        self.channel = category.channel or ""
        self.holder: str | None = None  # person key of whoever was pinged last
        self.ping: Message | None = None  # the DM (or channel post) carrying the buttons

    def name(self, person: str) -> str:
        return self.policy.people.people[person].name

    async def step(self, step: str) -> None:
        match step:
            case "dm owner":
                await self._dmed(self.owner, says="waiting")
            case "dm refused->backup":
                await self._dmed(self.backup, says="DMs are closed")
                assert self.bot.fake.dm_to(self.bot.discord_id(self.owner)) == []
            case "timeout->backup":
                await self._timeout()
                await self._dmed(self.backup, says="No acknowledgement")
            case "timeout->channel":
                await self._timeout()
                channel_id = self.bot.channel_id(self.channel)
                posts = await self.bot.posts_in(channel_id)
                self.ping, self.holder = posts[-1], None
                assert self.scenario.text in self.ping.text()
                await self.bot.status_card(self.interaction, says=f"<#{channel_id}>")
            case "ack" | "resolve":
                await self._press(step)
            case _ if step in MORE_STEPS:
                await play_more(self, step)
            case _:
                raise AssertionError(f"unknown step {step!r}")

    async def _dmed(self, person: str, *, says: str) -> None:
        dms = await self.bot.dms_to(self.bot.discord_id(person))
        self.ping, self.holder = dms[-1], person
        assert self.scenario.text in self.ping.text()
        assert len(self.ping.custom_ids) >= 3  # Acknowledge, Resolve, Reassign (then Note…, Snooze)
        card = await self.bot.status_card(self.interaction, says=says)
        assert self.name(person) in card.text()

    async def _timeout(self) -> None:
        escalation = await self.bot.only_escalation()
        assert escalation.due_at is not None
        moved = await self.bot.services.escalations.fire_timer(
            escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
        )
        assert moved

    async def _press(self, action: str) -> None:
        assert self.ping is not None, "a step must ping someone before they can press"
        presser = self.holder or self.backup
        self.bot.press(self.ping, action, user=self.bot.discord_id(presser))
        done = "acknowledged" if action == "ack" else "resolved"
        card = await self.bot.status_card(self.interaction, says=done)
        assert self.name(presser) in card.text()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_scenario(discord_bot: DiscordBot, scenario: Scenario) -> None:
    if "dm refused->backup" in scenario.steps:
        owner = discord_bot.services.holder.policy.categories[scenario.category].owner
        assert owner is not None
        discord_bot.fake.closed_dms.add(discord_bot.discord_id(owner))

    for step in scenario.steps:
        if step in SETUP_STEPS:
            category = discord_bot.services.holder.policy.categories[scenario.category]
            await set_the_scene(discord_bot, step, category.owner or "")

    interaction = discord_bot.ask(scenario.text)
    answer = await discord_bot.answer(interaction)

    category = discord_bot.services.holder.policy.categories[scenario.category]
    verdict = "AI can do this" if scenario.route == "ai" else "A person must own this"
    assert verdict in answer.text()
    assert category.label in answer.text()
    play = Play(discord_bot, scenario, interaction)
    for step in scenario.steps:
        await play.step(step)
    if not scenario.escalates:
        assert not discord_bot.fake.dm_channels
        assert await discord_bot.services.escalations.list_open() == []
        return
    assert play.ping is not None
    escalation_id = play.ping.custom_ids[-1].rsplit(":", 1)[1]
    escalation = await discord_bot.services.escalations.get(escalation_id)
    assert escalation is not None
    moves = [(t.state, t.level) for t in escalation.history]
    assert moves == expected_moves(scenario.steps)
