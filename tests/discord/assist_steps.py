"""The AI-help steps of tests/scenarios.py (issue 19), played on Discord: picks in the Get AI
help select of the holder's ping, read back from the fake Discord and the fake LLM."""

from __future__ import annotations

from typing import Any

from bot.escalations.model import Escalation
from handlers.common.i18n import _, language
from tests.ai.fake_llm import FakeLlm
from tests.discord.conftest import REQUESTER, STRANGER, DiscordBot
from tests.discord.fake_discord import EPHEMERAL, Message
from tests.scenarios import Scenario
from tests.slack.scenario_steps import fixed

ASSIST = "should-ai:assist:"
FAKE_ANSWER = "1. Pause every paid post about the product. 2. Gather the facts before speaking."


class AssistPlay:
    """The AI-help steps of one scenario; ``ping`` is the holder's DM with the buttons."""

    def __init__(
        self,
        bot: DiscordBot,
        scenario: Scenario,
        llm: FakeLlm | None,
        requester_token: str,
        lang: str = "en",
    ) -> None:
        self.lang = lang  # the language of the run: the words the presser reads
        self.bot = bot
        self.requester_token = requester_token
        self.scenario = scenario
        self.llm = llm
        self.answer: Message | None = None

    async def step(self, step: str, ping: Message) -> None:
        escalation = await self.bot.only_escalation()
        sent_before = len(self.llm.requests) if self.llm is not None else 0
        match step:
            case "no assist before ack":
                assert not [c for c in ping.custom_ids if c.startswith(ASSIST)]
                assert self.llm is None or self.llm.requests == []
            case "assist by requester refused" | "assist by stranger refused":
                who = REQUESTER if "requester" in step else STRANGER
                told = await self._pick(ping, who)
                with language(self.lang):
                    only = _("Only {holder}, who holds {escalation}, can ask AI for help with it.")
                said = only.format(holder=self._name(escalation), escalation=escalation.id)
                assert said in told.text()
                assert self.llm is None or len(self.llm.requests) == sent_before
            case "assist checklist":
                assert self.llm is not None
                self.llm.default_answer = FAKE_ANSWER
                self.answer = await self._pick(ping, self._holder_id(escalation))
                assert fixed("AI help to review: {assist}", self.lang) in self.answer.text()
                assert FAKE_ANSWER in self.answer.text()
                assert any(c.startswith("should-ai:assist-share:") for c in self.answer.custom_ids)
                assert len(self.llm.requests) == 1 and self.scenario.text in self.llm.prompts()[0]
                assert FAKE_ANSWER not in self._requester_saw()
                await self._one_assist_logged(escalation)
            case "share":
                assert self.answer is not None
                interaction = self.bot.press(
                    self.answer, "assist-share", user=self._holder_id(escalation)
                )
                said = await self.bot.answer(interaction)
                assert fixed("Shared with the requester.", self.lang) in said.text()
                await self.bot.fake.wait_until(
                    lambda: FAKE_ANSWER in self._requester_saw(), what="the shared answer"
                )
            case "assist explains no llm":
                told = await self._pick(ping, self._holder_id(escalation))
                assert "SHOULD_AI_LLM_BASE_URL" in told.text()
                after = await self.bot.only_escalation()
                assert (after.state, after.history) == (escalation.state, escalation.history)
            case _:
                raise AssertionError(f"unknown step {step!r}")

    async def _pick(self, ping: Message, user: str) -> Message:
        """``user`` picks Best-practice checklist in the ping's Get AI help select."""
        await self.bot.fake.wait_until(
            lambda: any(c.startswith(ASSIST) for c in ping.custom_ids), what="Get AI help"
        )
        [select] = [c for c in ping.custom_ids if c.startswith(ASSIST)]
        assert "checklist" in [o["value"] for o in ping.options(select)]
        interaction = self.bot.press(ping, "assist", user=user, pick="checklist")
        answer = await self.bot.answer(interaction)
        assert int(answer.payload.get("flags") or 0) & EPHEMERAL  # the presser alone sees it
        return answer

    async def _one_assist_logged(self, escalation: Escalation) -> None:
        entries = await self.bot.services.decision_log.tail(500)
        assists = [e.fields for e in entries if e.kind == "ai" and e.fields["event"] == "assist"]
        assert len(assists) == 1
        logged: dict[str, Any] = assists[0]
        assert (logged["assist"], logged["escalation"]) == ("checklist", escalation.id)
        assert logged["asked_by"] == escalation.assignee

    def _holder_id(self, escalation: Escalation) -> str:
        return self.bot.discord_id(escalation.assignee or "")

    def _name(self, escalation: Escalation) -> str:
        return self.bot.services.holder.policy.people.people[escalation.assignee or ""].name

    def _requester_saw(self) -> str:
        """Everything the requester was shown: DMs, and the answer and status card of their
        /should-ai."""
        seen = [
            *self.bot.fake.dm_to(REQUESTER),
            *self.bot.fake.followups.get(self.requester_token, []),
        ]
        original = self.bot.fake.original(self.requester_token)
        seen += [original] if original is not None else []
        return " ".join(m.text() for m in seen)
