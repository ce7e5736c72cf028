"""The core as an adapter sees it: the calls it makes for what users do, and where it plugs in
the ports it implements. The composition root builds one :class:`Core`; adapters never see the
services behind it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.ai.model import DraftDelivery, PostScheduler
from bot.ai.owner_help import AssistShare, OwnerHelp
from bot.ai.service import AiWork
from bot.ai.timer_scheduler import ChannelPoster
from bot.core.flows import AfterDecision, Presses
from bot.core.whatif import WhatIfLab
from bot.escalations.model import Escalation, Notifier, Platform
from bot.escalations.permissions import Admins
from bot.escalations.service import EscalationService
from bot.feedback import FeedbackService
from bot.feedback.digest import DigestDelivery, DigestJob
from bot.intake.commands import Commands, Reply
from bot.observability.decision_log import DecisionLog, LogEntry
from bot.policy.model import Policy
from bot.reload import AdminNotifier
from bot.store.console_auth import ConsoleAuth

log = logging.getLogger(__name__)


class AdminNotices:
    """Tells the admins on every channel registered to reach them (the console always is)."""

    def __init__(self) -> None:
        self._targets: list[AdminNotifier] = []

    def add(self, target: AdminNotifier) -> None:
        self._targets.append(target)

    async def notify_admins(self, *, message: str) -> None:
        for target in self._targets:
            try:
                await target.notify_admins(message=message)
            except Exception:  # one platform refusing must not hide the notice elsewhere
                log.exception("could not deliver an admin notice via %r", target)


class Core:
    """What every adapter is given by its ``build(settings, core)``.

    - ``commands``: what a user typed after /should-ai, turned into a
      :class:`~bot.intake.commands.Reply`;
    - ``after_decision``: what follows a verdict (an escalation, the AI work);
    - ``presses``: what a press on an escalation's or an AI card's buttons means;
    - ``feedback``: what a "wrong call?" or "not for me" press says (None: not built);
    - ``admins``: who the admins are; ``policy()``: the policy in force (names, labels, ids);
    - ``register_*``: the ports the adapter implements for its platform.
    """

    def __init__(
        self,
        *,
        policy: Callable[[], Policy],
        admins: Admins,
        commands: Commands,
        escalations: EscalationService,
        ai: AiWork,
        after_decision: AfterDecision,
        presses: Presses,
        notices: AdminNotices,
        resolve_slack_ids: Callable[[dict[str, str]], None] | None = None,
        owner_help: OwnerHelp | None = None,
        console_auth: ConsoleAuth | None = None,
        what_if: WhatIfLab | None = None,
        decision_log: DecisionLog | None = None,
        feedback: FeedbackService | None = None,
        digest: DigestJob | None = None,
    ) -> None:
        self.admins = admins
        self.commands = commands
        self.after_decision = after_decision
        self.presses = presses
        self._policy = policy
        self._escalations = escalations
        self._ai = ai
        self._notices = notices
        self._resolve_slack_ids = resolve_slack_ids
        # AI help for the holder of an acknowledged escalation (the category's assists).
        self.owner_help = owner_help
        self.console_auth = console_auth  # the web console's sign-in links and sessions
        self.what_if = what_if  # drafts of the admin policy, tried before they are applied
        self._decision_log = decision_log
        self.feedback = feedback  # "wrong call?" and "not for me" (bot/feedback)
        self._digest = digest

    def policy(self) -> Policy:
        return self._policy()

    async def open_escalations(self) -> list[Escalation]:
        """Every escalation not yet resolved (unanswered ones too), oldest first: what the
        queue views (``bot.escalations.queue_view``) are built from."""
        return await self._escalations.list_open()

    def resolve_slack_ids(self, ids: dict[str, str]) -> None:
        """People given by email in people.yaml get these Slack ids (email -> id)."""
        if self._resolve_slack_ids is not None:
            self._resolve_slack_ids(ids)

    async def explain(self, text: str) -> Reply:
        """What ``/should-ai why <text>`` answers, without a command's rate limit (the web
        console's playground); nothing is logged, nobody is pinged."""
        return await self.commands.why(text)

    async def decision_log(self, count: int) -> list[LogEntry]:
        """The last ``count`` decision-log entries, oldest first (text as the log keeps it:
        masked unless ``SHOULD_AI_LOG_FULL_TEXT``). Raises redis errors: admins want to know."""
        return [] if self._decision_log is None else await self._decision_log.tail(count)

    def register_notifier(self, platform: Platform, notifier: Notifier) -> None:
        """Pings, channel posts and status cards of escalations opened on ``platform``."""
        self._escalations.register_notifier(platform, notifier)

    def register_drafts(self, platform: Platform, delivery: DraftDelivery) -> None:
        """How drafts and late news reach a requester on ``platform``."""
        self._ai.register_delivery(platform, delivery)

    def register_scheduler(self, platform: Platform, scheduler: PostScheduler) -> None:
        """How ``platform`` posts later on its own (Slack's scheduled messages)."""
        self._ai.register_scheduler(platform, scheduler)

    def register_poster(
        self, platform: Platform, poster: ChannelPoster, *, named_channels: bool = False
    ) -> None:
        """For a platform that cannot post later: a timer job posts through ``poster``
        (``named_channels``: its channels are plain names, as on the console)."""
        self._ai.register_poster(platform, poster, named_channels=named_channels)

    def register_admin_notices(self, notices: AdminNotifier) -> None:
        """One more way to reach the admins (a bad policy edit, for instance)."""
        self._notices.add(notices)

    def register_assist_share(self, platform: Platform, share: AssistShare) -> None:
        """How an owner's AI help, once they share it, reaches the requester on ``platform``."""
        if self.owner_help is not None:
            self.owner_help.register_share(platform, share)

    def register_digest(self, delivery: DigestDelivery, *, last: bool = False) -> None:
        """How the weekly digest reaches a person on this platform (``last``: the console)."""
        if self._digest is not None:
            self._digest.register(delivery, last=last)
