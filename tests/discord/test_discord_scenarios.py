"""Every row of tests/scenarios.py, played on Discord: the decisions and escalation steps that
the Slack tests check for the same rows, so one policy behaves the same on both platforms; and
every row again for a French team (French Discord clients, ``language: fr`` in people.yaml), where
no English sentence of the bot may reach anyone."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.policy.model import Policy
from handlers.common.i18n import _, language
from tests.ai.fake_llm import FakeLlm
from tests.common.english_leaks import english_in, everyone_speaks
from tests.discord.assist_steps import AssistPlay
from tests.discord.conftest import DiscordBot, running_bot
from tests.discord.fake_discord import FakeDiscord, Json, Message
from tests.discord.scenario_steps import MORE_STEPS, play_more, set_the_scene
from tests.scenarios import ASSIST_STEPS, SCENARIOS, SETUP_STEPS, Scenario, expected_moves

pytestmark = pytest.mark.store


# What the status card says at each step, in each language of the run.
SAYS = {
    "en": {
        "waiting": "waiting",
        "DMs are closed": "DMs are closed",
        "No acknowledgement": "No acknowledgement",
        "acknowledged": "acknowledged",
        "resolved": "resolved",
    },
    "fr": {
        "waiting": "en attente",
        "DMs are closed": "messages privés Discord sont fermés",
        "No acknowledgement": "Pas de prise en charge",
        "acknowledged": "Prise en charge par",
        "resolved": "Close par",
    },
}


class Play:
    """One scenario in progress: who holds the escalation and where its buttons are."""

    def __init__(
        self, bot: DiscordBot, scenario: Scenario, interaction: Json, lang: str = "en"
    ) -> None:
        self.says = SAYS[lang]
        self.lang = lang
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
                await self._dmed(self.owner, says=self.says["waiting"])
            case "dm refused->backup":
                await self._dmed(self.backup, says=self.says["DMs are closed"])
                assert self.bot.fake.dm_to(self.bot.discord_id(self.owner)) == []
            case "timeout->backup":
                await self._timeout()
                await self._dmed(self.backup, says=self.says["No acknowledgement"])
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
        # Acknowledge, Resolve, Not for me, Reassign, Note…, Snooze
        assert len(self.ping.custom_ids) == 6
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
        card = await self.bot.status_card(self.interaction, says=self.says[done])
        assert self.name(presser) in card.text()


PLAYED = tuple(s for s in SCENARIOS if not s.rollout)  # the rollout rows: test_discord_rollout.py


@pytest.mark.parametrize("scenario", PLAYED, ids=[s.name for s in PLAYED])
async def test_scenario(
    discord_bot: DiscordBot, scenario: Scenario, scenario_llm: FakeLlm | None
) -> None:
    await play_scenario(discord_bot, scenario, "en", scenario_llm)


@pytest.mark.parametrize("scenario", PLAYED, ids=[s.name for s in PLAYED])
async def test_scenario_in_french(
    discord_env: None,
    redis: Redis,
    fake_discord: FakeDiscord,
    policy_dir: Path,
    scenario: Scenario,
    scenario_llm: FakeLlm | None,
) -> None:
    fake_discord.locale = "fr"
    everyone_speaks(policy_dir, "fr")
    async with running_bot(fake_discord) as bot:
        await play_scenario(bot, scenario, "fr", scenario_llm)
        seen = [text for m in fake_discord.messages.values() for text in shown(m)]
        policy = bot.services.holder.policy
        assert english_in(seen, policy=policy, code="fr", quoted=scenario.text) == []


def shown(message: Message) -> list[str]:
    """What a reader saw of ``message``: its text now, every edit before, its buttons' labels."""
    texts = [message.text()]
    for edit in message.edits:
        texts += [e.get("description", "") or "" for e in edit.get("embeds") or []]
        texts += [e.get("title", "") or "" for e in edit.get("embeds") or []]
    return texts + list(_labels(message.payload.get("components") or []))


def _labels(components: list[Json]) -> list[str]:
    found = []
    for c in components:
        found += [c[k] for k in ("label", "placeholder") if c.get(k)]
        found += _labels(c.get("components") or [])
        found += [o.get("label", "") for o in c.get("options") or []]
    return found


async def play_scenario(
    bot: DiscordBot, scenario: Scenario, lang: str, llm: FakeLlm | None = None
) -> None:
    discord_bot = bot
    if "dm refused->backup" in scenario.steps:
        owner = discord_bot.services.holder.policy.categories[scenario.category].owner
        assert owner is not None
        discord_bot.fake.closed_dms.add(discord_bot.discord_id(owner))

    for step in scenario.steps:
        if step in SETUP_STEPS:
            category = discord_bot.services.holder.policy.categories[scenario.category]
            await set_the_scene(discord_bot, step, category.owner or "", lang)

    interaction = discord_bot.ask(scenario.text)
    answer = await discord_bot.answer(interaction)

    category = discord_bot.services.holder.policy.categories[scenario.category]
    with language(lang):
        said = verdict_text(scenario)
        label = category.label.in_language(lang)
    assert said in answer.text()
    assert label in answer.text()
    play = Play(discord_bot, scenario, interaction, lang)
    assists = AssistPlay(discord_bot, scenario, llm, interaction["token"], lang)
    for step in scenario.steps:
        if step in ASSIST_STEPS:
            assert play.ping is not None
            await assists.step(step, play.ping)
            continue
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


def verdict_text(scenario: Scenario) -> str:
    """The verdict in the language in force ("AI can do this" in English)."""
    return _("AI can do this") if scenario.route == "ai" else _("A person must own this")
