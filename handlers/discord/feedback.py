""" "Wrong call?" on Discord: a button under every verdict opens an ephemeral select of the
policy's categories; the pick goes to the core's feedback service and the select is replaced by
what became of it. Both are dynamic items (the decision id is in the ``custom_id``), so they
work after a restart; the feedback service is put on the client by :func:`register_feedback`."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core import Core
from bot.feedback import FeedbackService
from bot.feedback.digest import Digest
from bot.feedback.model import FeedbackKind, FeedbackOutcome
from bot.intake.commands import Reply
from bot.policy.model import Policy
from handlers.common import feedback_text as words
from handlers.common.digest_text import digest_text
from handlers.discord.replies import actor_of, tell

log = logging.getLogger(__name__)

_ID = r"(?P<decision_id>[A-Za-z0-9_.-]{1,80})"
_KIND = r"(?P<kind>wrong|nfm)"
BUTTON_TEMPLATE = re.compile(rf"should-ai:fb:{_KIND}:{_ID}")
PICK_TEMPLATE = re.compile(rf"should-ai:fbpick:{_KIND}:{_ID}")
# The escalation id last, like every escalation button's (tests and tools read it from there).
KEEP_TEMPLATE = re.compile(r"should-ai:fbkeep:(?P<feedback_id>F\d{1,12})")
NOT_FOR_ME_TEMPLATE = re.compile(rf"should-ai:nfm:{_ID}:(?P<escalation_id>[A-Za-z0-9_.-]{{1,40}})")
_KINDS: dict[str, FeedbackKind] = {"wrong": "wrong_call", "nfm": "not_for_me"}


class _Feedback:
    """What the items reach through the client: the service and the policy in force."""

    def __init__(self, core: Core, service: FeedbackService) -> None:
        self.service = service
        self.policy = core.policy


def register_feedback(client: discord.Client, core: Core) -> None:
    """Make the feedback items dispatch on ``client`` (nothing when feedback is off)."""
    if core.feedback is None:
        return
    client.should_ai_feedback = _Feedback(core, core.feedback)  # type: ignore[attr-defined]
    client.add_dynamic_items(WrongCallButton, FeedbackSelect, NotForMeButton, KeepWordsButton)


def _feedback_of(client: discord.Client) -> _Feedback:
    found: _Feedback = client.should_ai_feedback  # type: ignore[attr-defined]
    return found


def verdict_view(reply: Reply) -> discord.ui.View | None:
    """The "Wrong call?" button under a verdict."""
    if reply.kind != "decision" or reply.decision is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(WrongCallButton(kind="wrong", decision_id=reply.decision.decision_id))
    return view


def shadow_field(reply: Reply, policy: Policy) -> str | None:
    """The shadow-mode note of a verdict shadow mode answered."""
    if reply.intake is None or reply.intake.would_have is None:
        return None
    return words.shadow_note(reply.intake.would_have, policy)


class WrongCallButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=BUTTON_TEMPLATE
):
    def __init__(self, *, kind: str, decision_id: str) -> None:
        self.kind = kind
        self.decision_id = decision_id
        label = words.wrong_call_label() if kind == "wrong" else words.not_for_me_label()
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"should-ai:fb:{kind}:{decision_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> WrongCallButton:
        return cls(kind=match["kind"], decision_id=match["decision_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _open_select(interaction, kind=self.kind, decision_id=self.decision_id)


class NotForMeButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=NOT_FOR_ME_TEMPLATE
):
    """On an owner's ping: "not for me" opens the same select as "Wrong call?"."""

    def __init__(self, *, decision_id: str, escalation_id: str) -> None:
        self.decision_id = decision_id
        super().__init__(
            discord.ui.Button(
                label=words.not_for_me_label()[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"should-ai:nfm:{decision_id}:{escalation_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NotForMeButton:
        return cls(decision_id=match["decision_id"], escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _open_select(interaction, kind="nfm", decision_id=self.decision_id)


async def _open_select(
    interaction: discord.Interaction[Any], *, kind: str, decision_id: str
) -> None:
    policy = _feedback_of(interaction.client).policy()
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackSelect(kind=kind, decision_id=decision_id, policy=policy))
    await interaction.response.send_message(content=words.form_title(), view=view, ephemeral=True)


class FeedbackSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]], template=PICK_TEMPLATE
):
    def __init__(self, *, kind: str, decision_id: str, policy: Policy | None = None) -> None:
        self.kind = kind
        self.decision_id = decision_id
        options = (
            [
                discord.SelectOption(label=words.choice_label(policy, name)[:100], value=name)
                for name in policy.categories
            ]
            if policy is not None
            else []  # rebuilt from a press: Discord sends the picked value, not the options
        )
        super().__init__(
            discord.ui.Select(
                placeholder=words.category_field()[:150],
                custom_id=f"should-ai:fbpick:{kind}:{decision_id}",
                options=options[:25],  # Discord's limit per select
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FeedbackSelect:
        return cls(kind=match["kind"], decision_id=match["decision_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = self.item.values[0] if self.item.values else ""
        found = _feedback_of(interaction.client)
        try:
            outcome = await found.service.submit(
                actor=actor_of(interaction),
                decision_id=self.decision_id,
                category=picked,
                kind=_KINDS[self.kind],
                dedupe_key=str(interaction.id),  # another replica or shard may get it too
            )
        except Exception:
            log.exception("feedback on decision %s failed", self.decision_id)
            await tell(interaction, "Something went wrong; please try again.")
            return
        if outcome.kind == "duplicate":
            return
        said = words.outcome_text(outcome, found.policy())
        await interaction.response.edit_message(content=said, view=_keep_view(outcome))


def _keep_view(outcome: FeedbackOutcome) -> Any:
    """The requester's consent, asked after the pick (a select cannot carry a checkbox)."""
    stored = outcome.feedback
    if stored is None or stored.role != "requester" or stored.text_kept:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(KeepWordsButton(feedback_id=stored.id))
    return view


class KeepWordsButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=KEEP_TEMPLATE
):
    def __init__(self, *, feedback_id: str) -> None:
        self.feedback_id = feedback_id
        super().__init__(
            discord.ui.Button(
                label=words.keep_words_label()[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"should-ai:fbkeep:{feedback_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> KeepWordsButton:
        return cls(feedback_id=match["feedback_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        found = _feedback_of(interaction.client)
        outcome = await found.service.keep_words(
            actor=actor_of(interaction), feedback_id=self.feedback_id
        )
        if outcome.kind == "stored" and outcome.feedback is not None:
            said = words.words_kept(outcome.feedback)
        else:
            said = words.outcome_text(outcome, found.policy())
        await interaction.response.edit_message(content=said, view=None)


class DiscordDigestDelivery:
    """The weekly digest as a DM to the reader's Discord id from people.yaml."""

    def __init__(
        self,
        *,
        client: discord.Client,
        ready: Callable[[], Awaitable[Any]],
        policy: Callable[[], Policy],
    ) -> None:
        self._client = client
        self._ready = ready
        self._policy = policy

    async def send_digest(self, *, person: str, digest: Digest) -> bool:
        policy = self._policy()
        found = policy.people.people.get(person)
        if found is None or not found.discord or not found.discord.isdigit():
            return False
        await self._ready()
        dm = await self._client.create_dm(discord.Object(int(found.discord)))
        await dm.send(content=f"```{digest_text(digest, policy)[:1980]}```")
        return True
