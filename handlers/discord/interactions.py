"""What the bot does with each interaction discord.py parsed: translate, call bot/, render.

``/should-ai <text>`` goes to :class:`bot.commands.Commands` (requests and sub-commands alike);
a human-route decision is escalated through :class:`bot.intake.Intake`. A button press goes to
the escalation service. Every interaction is answered (deferred) before anything slow, within
Discord's 3 seconds; a second answer to the same interaction id (another replica or shard got
it too) is refused by Discord with 40060 and ends the duplicate there, and Redis dedupe on the
interaction id stops any duplicate that gets further.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import discord

from bot.ai.model import ReplyTarget
from bot.ai.service import AiWork
from bot.commands import Commands, Reply, reply_for_store_down
from bot.dedupe import Deduper
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor, Escalation, StatusRef
from bot.escalations.people import display_name
from bot.intake import Intake
from bot.policy.model import Decision, Policy
from handlers.discord import render
from handlers.discord.components import confirm_view, escalation_view, scheduled_view
from handlers.discord.notifier import ping_embed

log = logging.getLogger(__name__)

ALREADY_ACKNOWLEDGED = 40060  # "Interaction has already been acknowledged."


class EscalationActions(Protocol):
    async def act(
        self,
        *,
        escalation_id: str,
        actor: Actor,
        action: Action,
        target_user_id: str | None = None,
    ) -> Escalation: ...


class DiscordInteractions:
    """Implements :class:`handlers.discord.components.InteractionHandler`."""

    def __init__(
        self,
        *,
        commands: Commands,
        intake: Intake,
        escalations: EscalationActions,
        deduper: Deduper,
        policy: Callable[[], Policy],
        ai: AiWork | None = None,
    ) -> None:
        self._commands = commands
        self._intake = intake
        self._escalations = escalations
        self._deduper = deduper
        self._policy = policy
        self._ai = ai
        self._inflight: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """Count the running handler as in flight, so a shutdown lets it finish."""
        task = asyncio.current_task()
        if task is None:
            yield
            return
        self._inflight.add(task)
        try:
            yield
        finally:
            self._inflight.discard(task)

    async def drain(self, *, timeout_s: float) -> None:
        """Wait (at most ``timeout_s``) for interactions being handled to finish."""
        pending = [t for t in self._inflight if t is not asyncio.current_task()]
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=timeout_s)
        if late:
            log.warning("stopping with %d Discord interaction(s) still being handled", len(late))

    # ---- /should-ai <text> --------------------------------------------------------------------

    async def on_request(self, interaction: discord.Interaction[Any], text: str) -> None:
        with self._tracked():
            try:
                await self._request(interaction, text)
            except Exception:  # never leave the requester "thinking", never fall through to AI
                log.exception("/should-ai interaction %s failed", interaction.id)
                await _tell(interaction, self._broken_request())

    def _broken_request(self) -> str:
        fallback = self._policy().file.fallback.owner
        name = display_name(self._policy(), fallback)
        return (
            "Something went wrong on my side, so I could not answer this. Treat it as work for "
            f"a person: ask {name} directly, and try /should-ai again later."
        )

    async def _request(self, interaction: discord.Interaction[Any], text: str) -> None:
        if not await _claim(interaction, interaction.response.defer(ephemeral=True, thinking=True)):
            return
        actor = _actor(interaction)
        reply = await self._commands.handle(actor=actor, text=text, dedupe_key=str(interaction.id))
        if reply.kind == "duplicate":
            await interaction.edit_original_response(
                embed=render.notice_embed("This request is already being answered.")
            )
            return
        await interaction.edit_original_response(
            embed=self._reply_embed(reply), view=_or_missing(self._reply_view(reply))
        )
        if reply.needs_escalation and reply.decision is not None:
            await self._escalate(interaction, actor, reply, reply.decision, text.strip())
        elif reply.kind == "decision" and reply.decision is not None:
            await self._routine(interaction, actor, reply.decision, text.strip())

    def _reply_view(self, reply: Reply) -> discord.ui.View | None:
        if reply.kind != "scheduled":
            return None
        return scheduled_view([(p.plan.understood, p.id) for p in reply.scheduled])

    async def _routine(
        self, interaction: discord.Interaction[Any], actor: Actor, decision: Decision, text: str
    ) -> None:
        """Start the AI work for an AI-routed request and say what happens next."""
        if self._ai is None or decision.route != "ai":
            return
        reply_to = ReplyTarget(
            platform="discord",
            user_id=actor.user_id,
            channel=str(interaction.channel_id) if interaction.channel_id else None,
            ephemeral=True,
            interaction_token=interaction.token,
            application_id=str(interaction.application_id),
        )
        outcome = await self._ai.handle(
            actor=actor, text=text, decision=decision, reply_to=reply_to
        )
        if outcome.kind == "none" or not outcome.message:
            return
        view = confirm_view(outcome.pending_id) if outcome.pending_id else None
        await interaction.followup.send(
            embed=render.notice_embed(outcome.message), view=_or_missing(view), ephemeral=True
        )

    def _reply_embed(self, reply: Reply) -> discord.Embed:
        if reply.kind == "decision" and reply.decision is not None:
            return self.decision_embed(reply.decision)
        title = {
            "why": "Why",
            "queue": "Your queue",
            "policy": "Policy",
            "help": "should-ai",
            "reload": "Reload",
            "scheduled": "Scheduled posts",
        }.get(reply.kind)
        return render.notice_embed(reply.text, title=title)

    def decision_embed(self, decision: Decision) -> discord.Embed:
        policy = self._policy()
        category = policy.categories.get(decision.category or "")
        label = category.label if category else "Not recognised"
        owner = "AI (no person needed)" if decision.route == "ai" else "a person"
        if decision.owner is not None:
            owner = decision.owner.name
        return render.decision_embed(decision=decision, category_label=label, owner=owner)

    async def _escalate(
        self,
        interaction: discord.Interaction[Any],
        actor: Actor,
        reply: Reply,
        decision: Decision,
        text: str,
    ) -> None:
        card = await interaction.followup.send(
            embed=render.notice_embed("Finding the person who owns this…"),
            ephemeral=True,
            wait=True,
        )
        ref = StatusRef(
            channel=str(interaction.channel_id or ""),
            message_id=str(card.id),
            token=interaction.token,
            application_id=str(interaction.application_id),
        )
        if reply.intake is None:  # a decision reply always carries its intake result
            raise ShouldAiError("decision reply without its intake result")
        try:
            escalation = await self._intake.escalate(
                result=reply.intake, actor=actor, text=text, status_ref=ref
            )
        except Exception:
            log.exception("escalation of decision %s failed", decision.decision_id)
            await card.edit(embed=render.notice_embed(_contact_directly(decision)))
            return
        if escalation is None:  # Redis down: never to AI; the requester goes to the owner
            await card.edit(embed=render.notice_embed(reply_for_store_down(decision)))
        # Otherwise the escalation service has already updated the card (who was pinged).

    # ---- Acknowledge / Reassign / Resolve -----------------------------------------------------

    async def on_action(
        self,
        interaction: discord.Interaction[Any],
        *,
        escalation_id: str,
        action: Action,
        target_user_id: str | None = None,
    ) -> None:
        with self._tracked():
            try:
                await self._action(interaction, escalation_id, action, target_user_id)
            except Exception:
                log.exception("button %s on escalation %s failed", action, escalation_id)
                await _tell(interaction, "Something went wrong; please press the button again.")

    async def _action(
        self,
        interaction: discord.Interaction[Any],
        escalation_id: str,
        action: Action,
        target_user_id: str | None,
    ) -> None:
        if not await _claim(interaction, interaction.response.defer()):
            return
        if not await self._deduper.first_time(f"discord:{interaction.id}"):
            return
        try:
            escalation = await self._escalations.act(
                escalation_id=escalation_id,
                actor=_actor(interaction),
                action=action,
                target_user_id=target_user_id,
            )
        except ShouldAiError as e:  # NotAllowed, EscalationClosed, InvalidAction: say why
            await interaction.followup.send(embed=render.notice_embed(str(e)), ephemeral=True)
            return
        await interaction.edit_original_response(
            embed=self.ping_embed(escalation), view=escalation_view(escalation)
        )

    # ---- buttons on AI work: drafts, proposed posts, scheduled posts -------------------------

    async def on_ai(self, interaction: discord.Interaction[Any], *, op: str, ref: str) -> None:
        with self._tracked():
            try:
                await self._ai_button(interaction, op, ref)
            except Exception:
                log.exception("AI button %s on %s failed", op, ref)
                await _tell(interaction, "Something went wrong; please press the button again.")

    async def _ai_button(self, interaction: discord.Interaction[Any], op: str, ref: str) -> None:
        if not await _claim(interaction, interaction.response.defer()):
            return
        if not await self._deduper.first_time(f"discord:{interaction.id}"):
            return
        if self._ai is None:
            await interaction.followup.send(
                embed=render.notice_embed("AI work is not set up on this bot."), ephemeral=True
            )
            return
        done, message = await _run_ai_op(self._ai, op, ref, _actor(interaction))
        # Refused (not theirs, expired): the card stays. A cancelled post leaves the list as is.
        if not done or op == "unschedule":
            await interaction.followup.send(embed=render.notice_embed(message), ephemeral=True)
        else:
            await interaction.edit_original_response(embed=render.notice_embed(message), view=None)

    def ping_embed(self, escalation: Escalation) -> discord.Embed:
        policy = self._policy()
        who = display_name(policy, escalation.assignee) if escalation.assignee else "the channel"
        return ping_embed(policy, escalation, who)


async def _run_ai_op(ai: AiWork, op: str, ref: str, actor: Actor) -> tuple[bool, str]:
    """Do what the button says; (done, what to show)."""
    match op:
        case "use":
            draft, message = await ai.use_draft(draft_id=ref, actor=actor)
            if draft is None:
                return False, message
            if draft.plan is None and draft.state == "used":
                message = f"{message}\n\n{draft.text}"
            return True, message
        case "again":
            return True, await ai.regenerate(draft_id=ref, actor=actor)
        case "discard":
            return True, await ai.discard(draft_id=ref, actor=actor)
        case "confirm":
            return True, await ai.confirm_schedule(pending_id=ref, actor=actor)
        case "cancel":
            return True, await ai.cancel_pending(pending_id=ref, actor=actor)
        case _:
            return True, await ai.cancel_scheduled(post_id=ref, actor=actor)


def _contact_directly(decision: Decision) -> str:
    owner = decision.owner.name if decision.owner else "the owner of this kind of work"
    return (
        f"I could not notify {owner} just now, so please contact them directly about this. "
        "Do not hand it to AI in the meantime."
    )


async def _tell(interaction: discord.Interaction[Any], message: str) -> None:
    """An ephemeral note to whoever triggered ``interaction``, answered or not; best effort."""
    embed = render.notice_embed(message)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException as e:
        log.warning("could not tell the user about the failure of %s: %s", interaction.id, e)


def _or_missing(view: discord.ui.View | None) -> Any:
    return view if view is not None else discord.utils.MISSING


def _actor(interaction: discord.Interaction[Any]) -> Actor:
    return Actor(platform="discord", user_id=str(interaction.user.id))


async def _claim(interaction: discord.Interaction[Any], answer: Any) -> bool:
    """Send the first answer to ``interaction``; False if it was already answered elsewhere."""
    try:
        await answer
    except discord.HTTPException as e:
        if e.code == ALREADY_ACKNOWLEDGED:
            log.info("interaction %s already answered elsewhere; skipping", interaction.id)
            return False
        raise
    return True
