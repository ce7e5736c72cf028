"""What the bot does with each interaction discord.py parsed: translate, call bot/, render.

``/should-ai <text>`` goes to :class:`bot.intake.commands.Commands` (requests and sub-commands
alike); what follows the verdict (an escalation, the AI work) is decided by
:class:`bot.core.flows.AfterDecision`, and what a button press means by
:class:`bot.core.flows.Presses`. Every interaction is answered (deferred) before anything slow,
within Discord's 3 seconds; a second answer to the same interaction id (another replica or shard
got it too) is refused by Discord with 40060 and ends the duplicate there, and Redis dedupe on
the interaction id stops any duplicate that gets further.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.flows import AfterDecision, Presses
from bot.core.outcomes import AiOp, FollowUp
from bot.escalations.model import Action, Actor, Escalation, StatusRef
from bot.escalations.queue_view import queue_view
from bot.intake.commands import Commands, Reply
from bot.policy.model import Decision, Policy
from handlers.common.ai_text import when_text
from handlers.common.ai_work_text import second_look_text
from handlers.common.i18n import _, language
from handlers.common.policy_text import decision_texts
from handlers.common.readers import Readers
from handlers.common.replies import (
    press_refused,
    reply_for_store_down,
    reply_text,
    truncated_note,
)
from handlers.common.status_text import person_text
from handlers.discord import render
from handlers.discord.ai_interactions import AiInteractions, reply_target
from handlers.discord.assists import with_assists
from handlers.discord.components import escalation_view, scheduled_view
from handlers.discord.escalation_modals import queue_components
from handlers.discord.feedback import shadow_field, verdict_view
from handlers.discord.notifier import ping_embed, reassign_choices
from handlers.discord.replies import InFlight, actor_of, claim, or_missing, tell

log = logging.getLogger(__name__)


class DiscordInteractions:
    """Implements :class:`handlers.discord.components.InteractionHandler`."""

    def __init__(
        self,
        *,
        commands: Commands,
        after_decision: AfterDecision,
        presses: Presses,
        policy: Callable[[], Policy],
        readers: Readers | None = None,
    ) -> None:
        self.readers = readers or Readers(policy=policy, platform="discord")
        self._commands = commands
        self._after_decision = after_decision
        self._presses = presses
        self._policy = policy
        self._ai = AiInteractions(presses=presses)
        self._inflight = InFlight()

    async def drain(self, *, timeout_s: float) -> None:
        """Wait (at most ``timeout_s``) for interactions being handled to finish."""
        await self._inflight.drain(timeout_s=timeout_s)

    # ---- /should-ai <text> --------------------------------------------------------------------

    async def on_request(self, interaction: discord.Interaction[Any], text: str) -> None:
        with self._inflight.tracked():
            user_id = str(interaction.user.id)
            locale = str(interaction.locale.value) if interaction.locale else None
            with language(self.readers.of_requester(user_id, locale=locale, text=text)):
                try:
                    await self._request(interaction, text)
                except Exception:  # never leave the requester "thinking", never fall to AI
                    log.exception("/should-ai interaction %s failed", interaction.id)
                    await tell(interaction, self._broken_request())

    def _broken_request(self) -> str:
        fallback = self._policy().file.fallback.owner
        name = person_text(self._policy(), fallback, render.MENTIONS)
        return _(
            "Something went wrong on my side, so I could not answer this. Treat it as work for "
            "a person: ask {name} directly, and try /should-ai again later."
        ).format(name=name)

    async def _request(self, interaction: discord.Interaction[Any], text: str) -> None:
        if not await claim(interaction, interaction.response.defer(ephemeral=True, thinking=True)):
            return
        actor = actor_of(interaction)
        reply = await self._commands.handle(actor=actor, text=text, dedupe_key=str(interaction.id))
        if reply.kind == "duplicate":
            await interaction.edit_original_response(
                embed=render.notice_embed(_("This request is already being answered."))
            )
            return

        async def answer() -> None:
            await interaction.edit_original_response(
                embed=self._reply_embed(reply), view=or_missing(self._reply_view(reply))
            )

        await self._follow_up(interaction, actor, reply, text.strip(), answer)

    def _reply_view(self, reply: Reply) -> discord.ui.View | None:
        if reply.kind == "queue" and reply.policy is not None:  # buttons on what waits
            items = queue_view(reply.escalations, reply.policy, now=time.time()).items
            by_id = {e.id: e for e in reply.escalations}
            return queue_components([by_id[i.id] for i in items])
        if reply.kind == "decision":
            return verdict_view(reply)
        if reply.kind != "scheduled" or not reply.scheduled:
            return None
        return scheduled_view([(when_text(p.plan), p.id) for p in reply.scheduled])

    def _reply_embed(self, reply: Reply) -> discord.Embed:
        if reply.kind == "decision" and reply.decision is not None:
            embed = self.decision_embed(reply.decision)
            if (cut := truncated_note(reply)) is not None:
                embed.add_field(name=_("Cut"), value=cut, inline=False)
            if (shadow := shadow_field(reply, self._policy())) is not None:
                embed.add_field(name=_("Shadow mode"), value=shadow, inline=False)
            return embed
        title = {
            "why": _("Why"),
            "queue": _("Your queue"),
            "policy": _("Policy"),
            "help": "should-ai",
            "reload": _("Reload"),
            "scheduled": _("Scheduled posts"),
        }.get(reply.kind)
        return render.notice_embed(reply_text(reply, self._policy()), title=title)

    def decision_embed(self, decision: Decision) -> discord.Embed:
        policy = self._policy()
        texts = decision_texts(decision, policy)
        owner = _("AI (no person needed)") if decision.route == "ai" else _("a person")
        if decision.owner is not None:
            owner = decision.owner.name
        return render.decision_embed(
            decision=decision,
            category_label=texts.label,
            owner=owner,
            why=texts.why,
            ai_may=texts.ai_may,
        )

    async def _follow_up(
        self,
        interaction: discord.Interaction[Any],
        actor: Actor,
        reply: Reply,
        text: str,
        answer: Callable[[], Awaitable[None]],
    ) -> None:
        """Answer, then escalate or start the AI work; the status card is an ephemeral
        follow-up. The core calls ``answer`` once a request for a person is safe on disk."""
        cards: list[discord.WebhookMessage] = []

        async def status_card() -> StatusRef:
            card = await interaction.followup.send(
                embed=render.notice_embed(_("Finding the person who owns this…")),
                ephemeral=True,
                wait=True,
            )
            cards.append(card)
            return StatusRef(
                channel=str(interaction.channel_id or ""),
                message_id=str(card.id),
                token=interaction.token,
                application_id=str(interaction.application_id),
            )

        try:
            follow_up = await self._after_decision.follow_up(
                reply=reply,
                actor=actor,
                text=text,
                reply_to=reply_target(interaction, actor),
                answer=answer,
                status_card=status_card,
            )
        except Exception:
            if not cards or reply.decision is None:
                raise  # nothing shown yet: on_request tells the requester
            log.exception("escalation of decision %s failed", reply.decision.decision_id)
            await cards[0].edit(embed=render.notice_embed(_contact_directly(reply.decision)))
            return
        await self._present_follow_up(interaction, follow_up, cards)

    async def _present_follow_up(
        self,
        interaction: discord.Interaction[Any],
        follow_up: FollowUp,
        cards: list[discord.WebhookMessage],
    ) -> None:
        if follow_up.second_look is not None:  # the verdict said AI; a person has it now
            embed = render.notice_embed(second_look_text(follow_up.second_look))
            await interaction.followup.send(embed=embed, ephemeral=True)
        if follow_up.kind == "store_down" and follow_up.decision is not None and cards:
            # Redis down: never to AI; the requester goes to the owner.
            await cards[0].edit(embed=render.notice_embed(reply_for_store_down(follow_up.decision)))
        elif follow_up.kind == "ai_work" and follow_up.ai is not None:
            await self._ai.show_outcome(interaction, follow_up.ai)
        # Escalated: the escalation service has already updated the card (who was pinged).

    # ---- Acknowledge / Reassign / Resolve -----------------------------------------------------

    async def on_action(
        self,
        interaction: discord.Interaction[Any],
        *,
        escalation_id: str,
        action: Action,
        target_user_id: str | None = None,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> None:
        with self._inflight.tracked(), language(self._presser_language(interaction)):
            try:
                await self._action(
                    interaction,
                    escalation_id,
                    action,
                    target_user_id,
                    comment=comment,
                    outcome=outcome,
                    minutes=minutes,
                )
            except Exception:
                log.exception("button %s on escalation %s failed", action, escalation_id)
                await tell(interaction, _("Something went wrong; please press the button again."))

    def _presser_language(self, interaction: discord.Interaction[Any]) -> str:
        locale = str(interaction.locale.value) if interaction.locale else None
        return self.readers.of_recipient(user_id=str(interaction.user.id), locale=locale)

    async def _action(
        self,
        interaction: discord.Interaction[Any],
        escalation_id: str,
        action: Action,
        target_user_id: str | None,
        *,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> None:
        if not await claim(interaction, interaction.response.defer()):
            return
        pressed = await self._presses.escalation(
            actor=actor_of(interaction),
            escalation_id=escalation_id,
            action=action,
            target_user_id=target_user_id,
            dedupe_key=str(interaction.id),
            comment=comment,
            outcome=outcome,
            minutes=minutes,
        )
        if pressed.kind == "duplicate":
            return
        if pressed.kind != "moved" or pressed.escalation is None:  # say why, change nothing
            why = press_refused(pressed, policy=self._policy(), mentions=render.MENTIONS)
            embed = render.notice_embed(why)
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        escalation = pressed.escalation
        if action == "withdraw":  # pressed on the status card: the core already redrew it
            return
        people = None  # on a channel post, Discord's user picker lists the server's members
        if interaction.guild_id is None:  # in a DM it has no server: offer people.yaml instead
            people = reassign_choices(self._policy(), escalation.assignee)
        view = with_assists(escalation_view(escalation, people=people), self._policy(), escalation)
        await interaction.edit_original_response(embed=self.ping_embed(escalation), view=view)

    # ---- buttons on AI work: drafts, proposed posts, scheduled posts -------------------------

    async def on_ai(self, interaction: discord.Interaction[Any], *, op: AiOp, ref: str) -> None:
        with self._inflight.tracked(), language(self._presser_language(interaction)):
            try:
                await self._ai.press(interaction, op, ref)
            except Exception:
                log.exception("AI button %s on %s failed", op, ref)
                await tell(interaction, _("Something went wrong; please press the button again."))

    def ping_embed(self, escalation: Escalation) -> discord.Embed:
        policy = self._policy()
        assignee = escalation.assignee
        who = person_text(policy, assignee, render.MENTIONS) if assignee else _("the channel")
        return ping_embed(policy, escalation, who)


def _contact_directly(decision: Decision) -> str:
    owner = decision.owner.name if decision.owner else _("the owner of this kind of work")
    return _(
        "I could not notify {owner} just now, so please contact them directly about this. "
        "Do not hand it to AI in the meantime."
    ).format(owner=owner)
