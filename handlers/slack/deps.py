"""What the Slack listeners are given: the core calls they make, and the notifier they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.flows import AfterDecision, Presses
from bot.intake.commands import Commands
from bot.policy.model import Policy
from handlers.slack.home import AppHome
from handlers.slack.notifier import SlackNotifier


@dataclass(frozen=True)
class SlackDeps:
    commands: Commands
    after_decision: AfterDecision
    presses: Presses
    policy: Callable[[], Policy]
    notifier: SlackNotifier
    home: AppHome | None = None  # republished after a press made from the Home tab
