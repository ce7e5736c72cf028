"""What the Slack listeners are given: the core services they call, and the AI work seam."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncRespond

from bot.commands import Commands
from bot.escalations.model import Actor, EscalationActions
from bot.intake import Intake
from bot.policy.model import Decision, Policy
from handlers.slack.notifier import SlackNotifier


@dataclass(frozen=True)
class Routine:
    """A request the policy gave to AI, handed on to the AI work (drafting, scheduling)."""

    actor: Actor
    text: str
    decision: Decision
    channel_id: str
    respond: AsyncRespond


RoutineWork = Callable[[Routine], Awaitable[None]]


@dataclass(frozen=True)
class SlackDeps:
    commands: Commands
    intake: Intake
    escalations: EscalationActions
    policy: Callable[[], Policy]
    notifier: SlackNotifier
    routine: RoutineWork | None = None  # the AI work seam (bot/ai); None: verdict only
