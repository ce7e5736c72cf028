"""AiWork: what the chat adapters call for a routine request, and for its buttons.

Built once by the composition root. Adapters register how drafts reach people
(:meth:`AiWork.register_delivery`) and how their platform posts later
(:meth:`AiWork.register_scheduler`, or :meth:`AiWork.register_poster` for a timer job).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis

from bot.ai.drafting import Drafting, DraftRefused, UnknownDraft
from bot.ai.guard import AuditLog, GuardedLlm, NoAudit
from bot.ai.handoffs import HandOffs
from bot.ai.honest import plainly
from bot.ai.judge import Judge
from bot.ai.llm import ChatModel, OpenAiChatModel
from bot.ai.model import (
    Draft,
    DraftDelivery,
    PostPlan,
    PostScheduler,
    ReplyTarget,
    ScheduledPost,
)
from bot.ai.notes import AiNote, AiNoteKind, AiOutcome
from bot.ai.post_target import is_meeting, other_network
from bot.ai.scheduling import ScheduleRefused, Scheduling
from bot.ai.second_look import SecondLook, SecondLooker
from bot.ai.store import AiStore
from bot.ai.timer_scheduler import POST_JOB, ChannelPoster, TimerPostScheduler
from bot.escalations.model import Actor, Platform
from bot.handoff.sender import WebhookSender
from bot.jobs import Jobs
from bot.policy.model import AiWorkKind, Decision, Policy
from bot.settings import MAX_REQUEST_CHARS, Settings
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

JUDGE_MAX_WAIT_S = 8.0  # the requester is waiting for the verdict: a slow judge means a person


class AiWork:
    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        jobs: Jobs,
        policy: Callable[[], Policy],
        model: ChatModel | None,
        audit: AuditLog | None = None,
        default_tz: str = "UTC",
        judge_enabled: bool = True,
        judge_timeout_s: float = 10.0,
        draft_max_tries: int = 3,
        draft_retry_delay_s: float = 5.0,
        max_chars: int = MAX_REQUEST_CHARS,
        clock: Callable[[], float] = time.time,
        second_look_enabled: bool = True,
        second_look_timeout_s: float = 8.0,
        webhook_secret: str | None = None,
        webhook_retry_delay_s: float = 5.0,
    ) -> None:
        # Intake decides on the first ``max_chars`` of a request (SHOULD_AI_MAX_REQUEST_CHARS):
        # nothing past them was classified, so nothing past them may reach the LLM.
        self._max_chars = max_chars
        self._audit = audit or NoAudit()
        self._clock = clock
        self._draft_tries = (draft_max_tries, draft_retry_delay_s)
        self._store = AiStore(redis)
        self._jobs = jobs
        self._policy = policy
        self._deliveries: dict[Platform, DraftDelivery] = {}
        self._schedulers: dict[Platform, PostScheduler] = {}
        self._llm = GuardedLlm(model, audit=self._audit) if model is not None else None
        self.drafting = self._drafting(self._llm)
        self.scheduling = Scheduling(
            store=self._store,
            schedulers=self._schedulers,
            audit=self._audit,
            default_tz=default_tz,
            clock=clock,
        )
        self.judge = (
            Judge(llm=self._llm, policy=policy, audit=self._audit, timeout_s=judge_timeout_s)
            if self._llm is not None and judge_enabled
            else None
        )
        self.handoffs = HandOffs(
            policy=policy,
            sender=WebhookSender(
                jobs=jobs,
                secret=webhook_secret,
                audit=self._audit,
                retry_delay_s=webhook_retry_delay_s,
                clock=clock,
            ),
        )
        self.second_looker = (
            SecondLooker(
                llm=self._llm, policy=policy, audit=self._audit, timeout_s=second_look_timeout_s
            )
            if self._llm is not None and second_look_enabled
            else None
        )

    @classmethod
    def from_settings(
        cls,
        *,
        settings: Settings,
        redis: aioredis.Redis,
        jobs: Jobs,
        policy: Callable[[], Policy],
        audit: AuditLog | None = None,
    ) -> AiWork:
        """Construct before ``jobs.run_worker()``: it registers the drafting job."""
        return cls(
            redis=redis,
            jobs=jobs,
            policy=policy,
            model=OpenAiChatModel.from_settings(settings),
            audit=audit,
            default_tz=settings.default_tz,
            judge_enabled=settings.llm_judge,
            judge_timeout_s=min(settings.llm_timeout, JUDGE_MAX_WAIT_S),
            max_chars=settings.max_request_chars,
            second_look_enabled=settings.llm_second_look,
            second_look_timeout_s=settings.llm_second_look_timeout,
            webhook_secret=(
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            ),
            webhook_retry_delay_s=settings.webhook_retry_delay,
        )

    def _drafting(self, llm: GuardedLlm | None) -> Drafting | None:
        if llm is None:
            return None
        return Drafting(
            store=self._store,
            jobs=self._jobs,
            llm=llm,
            guidance=lambda: self._policy().file.guidance,
            deliveries=self._deliveries,
            audit=self._audit,
            max_tries=self._draft_tries[0],
            retry_delay_s=self._draft_tries[1],
            clock=self._clock,
        )

    @property
    def llm_configured(self) -> bool:
        return self._llm is not None

    # --- registration by the adapters --------------------------------------------------------

    def register_delivery(self, platform: Platform, delivery: DraftDelivery) -> None:
        self._deliveries[platform] = delivery

    def register_scheduler(self, platform: Platform, scheduler: PostScheduler) -> None:
        self._schedulers[platform] = scheduler

    def register_poster(
        self, platform: Platform, poster: ChannelPoster, *, named_channels: bool = False
    ) -> None:
        """For a platform without scheduled messages: a timer job calls ``poster`` at the time.
        ``named_channels``: the platform's channels are plain names (the console)."""
        self._schedulers[platform] = TimerPostScheduler(
            jobs=self._jobs,
            store=self._store,
            poster=poster,
            audit=self._audit,
            clock=self._clock,
            job=POST_JOB if platform == "discord" else f"{POST_JOB}_{platform}",
            named_channels=named_channels,
        )

    def decided_part(self, text: str) -> str:
        """The part of ``text`` the policy decided on: all an LLM may read of it."""
        return text.strip()[: self._max_chars]

    # --- the judge -------------------------------------------------------------------------------

    async def judge_unsure(self, *, decision: Decision, text: str) -> Decision:
        """The classifier's last layer, to call after the chat ack and before escalating.

        Unsure decision + LLM configured + judge on: the LLM picks a category (bounded by a
        timeout). Otherwise, or on any failure, ``decision`` comes back unchanged: a person.
        """
        if self.judge is None or not self.judge.applies(decision):
            return decision
        return await self.judge.judge(decision=decision, text=self.decided_part(text))

    # --- the second look (issue 15) -----------------------------------------------------------

    async def second_look(self, *, decision: Decision, text: str) -> SecondLook | None:
        """After the ack, before any AI work: may the LLM's second look send this to a person?
        None when it does not run (no LLM, turned off, not routed to AI, or a category the bot
        only answers plainly, which sends nothing anywhere)."""
        if self.second_looker is None or decision.route != "ai":
            return None
        if self._work_for(decision) == "none":
            return None
        return await self.second_looker.look(decision=decision, text=self.decided_part(text))

    # --- a routine request -------------------------------------------------------------------

    async def handle(
        self, *, actor: Actor, text: str, decision: Decision, reply_to: ReplyTarget
    ) -> AiOutcome:
        """Start the AI work for a decision routed to AI; say what happens next."""
        if decision.route != "ai":
            return AiOutcome(kind="none")
        try:
            return await self._start(actor, self.decided_part(text), decision, reply_to)
        except StoreUnavailable as e:
            log.error("AI work for decision %s not started: %s", decision.decision_id, e)
            return AiOutcome(kind="error", note=AiNote(kind="store_down"))

    async def _start(
        self, actor: Actor, text: str, decision: Decision, reply_to: ReplyTarget
    ) -> AiOutcome:
        work = self._work_for(decision)
        if work == "none":
            return plainly(self._policy(), decision)
        if work == "schedule":
            return await self._handle_schedule(actor, text, decision, reply_to)
        if work == "handoff":
            return await self.handoffs.request(actor=actor, text=text, decision=decision)
        if self.drafting is None:
            return AiOutcome(kind="no_llm", note=AiNote(kind="no_llm"))
        await self.drafting.start(decision=decision, actor=actor, text=text, reply_to=reply_to)
        return AiOutcome(kind="drafting", note=AiNote(kind="drafting"))

    def _work_for(self, decision: Decision) -> AiWorkKind:
        """What the policy says this category gets (its ``ai_work``); a request that matched
        no category (an AI fallback) gets a draft."""
        category = self._policy().categories.get(decision.category or "")
        return category.work if category is not None else "draft"

    async def _handle_schedule(
        self, actor: Actor, text: str, decision: Decision, reply_to: ReplyTarget
    ) -> AiOutcome:
        if is_meeting(text):  # issue 15: say plainly what the bot can schedule
            return AiOutcome(kind="answered", note=AiNote(kind="meeting"))
        if (network := other_network(text)) is not None:
            return await self._for_network(actor, text, decision, network)
        try:
            request = await self.scheduling.understand(actor=actor, text=text)
        except ScheduleRefused as e:
            return AiOutcome(kind="question", note=e.note)
        if request.question is not None:
            return AiOutcome(kind="question", note=request.question)
        if request.channel is None:
            return _question("need_channel")
        plan = Scheduling.plan_of(request)
        if request.text is not None:
            return await self._propose(actor, request.text, decision, reply_to, plan)
        if self.drafting is None:
            return _question("need_text")
        await self.drafting.start(
            decision=decision, actor=actor, text=text, reply_to=reply_to, plan=plan
        )
        return AiOutcome(kind="drafting", note=AiNote(kind="drafting_post", plan=plan))

    async def _for_network(
        self, actor: Actor, text: str, decision: Decision, network: str
    ) -> AiOutcome:
        """A post for a network the bot cannot post on: the hand-off, or a plain answer."""
        if self.handoffs.networks_handoff() is None:
            note = AiNote(kind="network_unsupported", platform=network)
            return AiOutcome(kind="answered", note=note)
        plan = await self.scheduling.plan_for_network(actor=actor, text=text, network=network)
        return await self.handoffs.post(
            actor=actor, text=text, decision=decision, network=network, plan=plan
        )

    async def _propose(
        self, actor: Actor, text: str, decision: Decision, reply_to: ReplyTarget, plan: PostPlan
    ) -> AiOutcome:
        pending = await self.scheduling.propose(
            decision_id=decision.decision_id, actor=actor, reply_to=reply_to, text=text, plan=plan
        )
        note = AiNote(kind="confirm_post", plan=plan, text=text)
        return AiOutcome(kind="confirm", note=note, pending_id=pending.id)

    # --- buttons -----------------------------------------------------------------------------

    async def confirm_schedule(self, *, pending_id: str, actor: Actor) -> AiNote:
        try:
            post = await self.scheduling.confirm(pending_id=pending_id, actor=actor)
        except ScheduleRefused as e:
            return e.note
        return AiNote(kind="scheduled", plan=post.plan)

    async def cancel_pending(self, *, pending_id: str, actor: Actor) -> AiNote:
        try:
            await self.scheduling.drop_pending(pending_id=pending_id, actor=actor)
        except ScheduleRefused as e:
            return e.note
        return AiNote(kind="pending_cancelled")

    async def use_draft(self, *, draft_id: str, actor: Actor) -> tuple[Draft | None, AiNote]:
        """Mark the draft used; a draft for a post gets scheduled. Returns it and what to show.

        The draft is None when nothing happened: not theirs, expired, already used or
        discarded, no LLM, or the platform refused to schedule it (the note says why).
        """
        try:
            drafting = self._need_drafting()
            draft = await drafting.claim(draft_id, actor)
        except DraftRefused as e:
            return None, e.note
        if draft.plan is None:
            return await drafting.mark(draft, "used"), AiNote(kind="text_ready")
        try:
            post = await self.scheduling.schedule(
                decision_id=draft.decision.decision_id,
                requester=actor,
                text=draft.text,
                plan=draft.plan,
            )
        except ScheduleRefused as e:
            await drafting.release(draft)  # fix the cause (invite the bot), then press again
            return None, e.note
        return await drafting.mark(draft, "used"), AiNote(kind="scheduled", plan=post.plan)

    async def regenerate(self, *, draft_id: str, actor: Actor) -> AiNote:
        try:
            await self._need_drafting().regenerate(draft_id=draft_id, actor=actor)
        except DraftRefused as e:
            return e.note
        return AiNote(kind="redrafting")

    async def discard(self, *, draft_id: str, actor: Actor) -> AiNote:
        try:
            drafting = self._need_drafting()
            await drafting.mark(await drafting.claim(draft_id, actor), "discarded")
        except DraftRefused as e:
            return e.note
        return AiNote(kind="discarded")

    def _need_drafting(self) -> Drafting:
        if self.drafting is None:
            raise UnknownDraft(AiNote(kind="no_llm"))
        return self.drafting

    # --- /should-ai scheduled ----------------------------------------------------------------

    async def list_scheduled(self, *, actor: Actor) -> list[ScheduledPost]:
        return await self.scheduling.list_for(actor)

    async def cancel_scheduled(self, *, post_id: str, actor: Actor) -> AiNote:
        try:
            post = await self.scheduling.cancel(post_id=post_id, actor=actor)
        except ScheduleRefused as e:
            return e.note
        return AiNote(kind="unscheduled", plan=post.plan)

    async def aclose(self) -> None:
        if self._llm is not None:
            await self._llm.aclose()


def _question(kind: AiNoteKind) -> AiOutcome:
    return AiOutcome(kind="question", note=AiNote(kind=kind))
