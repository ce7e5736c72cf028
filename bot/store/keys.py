"""Every Redis key and key prefix should-ai uses, in one place.

All keys live under ``should-ai:`` so the bot can share a Redis with other software and an
operator can list or delete its keys with one pattern. arq keeps its own per-job keys under
``arq:job:``, ``arq:in-progress:``, ``arq:retry:`` and ``arq:result:`` (see ``arq.constants``);
only the queue name below is ours to choose.
"""

from __future__ import annotations

ROOT = "should-ai:"

# Escalations (bot/store/escalations.py)
ESCALATION_PREFIX = ROOT + "escalation:"  # + id -> JSON of bot.escalations.model.Escalation
ESCALATION_BY_DECISION_PREFIX = ROOT + "escalation-by-decision:"  # + decision_id -> id
ESCALATION_SEQ = ROOT + "escalations:seq"  # INCR counter behind readable ids
ESCALATIONS_ACTIVE = ROOT + "escalations:active"  # zset id -> created_at, not yet closed
ESCALATIONS_DUE = ROOT + "escalations:due"  # zset id -> due_at, the timers that must fire
ESCALATIONS_UNDELIVERED = ROOT + "escalations:undelivered"  # zset move marker -> moved at
REPLICATION_MARK = ROOT + "store:replication-mark"  # INCR before WAIT (wait_replicas > 0)

# Job queue (bot/jobs/): arq's sorted set of job ids.
JOB_QUEUE = ROOT + "jobs"

# Intake ([ops]): bot/intake/dedupe.py, bot/intake/ratelimit.py, bot/observability/decision_log.py
DEDUPE_PREFIX = ROOT + "dedupe:"
RATELIMIT_PREFIX = ROOT + "ratelimit:"
AWAY_PREFIX = ROOT + "away:"  # + person key -> epoch seconds they are back (/should-ai away)
DECISION_LOG_STREAM = ROOT + "decisions"

# AI work ([ai]): bot/ai/
AI_DRAFT_PREFIX = ROOT + "ai:draft:"
AI_PENDING_PREFIX = ROOT + "ai:pending:"
AI_SCHEDULED_PREFIX = ROOT + "ai:scheduled:"
AI_SCHEDULED_BY_USER_PREFIX = ROOT + "ai:scheduled-by:"
AI_ASSIST_PREFIX = ROOT + "ai:assist:"  # + answer id: an owner's AI help (bot/ai/owner_help.py)
AI_DRAFT_ISSUED_PREFIX = ROOT + "ai:draft-issued:"  # short draft ids ever given out (issue 15)
AI_DRAFTS_BY_USER_PREFIX = ROOT + "ai:drafts-by:"  # a requester's draft ids, for prefixes
WEBHOOK_DELIVERY_PREFIX = ROOT + "handoff:delivery:"  # hand-off deliveries (bot/handoff)


def escalation(escalation_id: str) -> str:
    return ESCALATION_PREFIX + escalation_id


def escalation_by_decision(decision_id: str) -> str:
    return ESCALATION_BY_DECISION_PREFIX + decision_id


# Web console (handlers/web/): sign-in links and sessions (bot/store/console_auth.py)
CONSOLE_LINK_PREFIX = ROOT + "console:link:"  # + token -> JSON of the actor, 10 minutes
CONSOLE_SESSION_PREFIX = ROOT + "console:session:"  # + session id -> JSON of the session
# Feedback on verdicts (bot/feedback/): "wrong call?" and "not for me"
FEEDBACK_PREFIX = ROOT + "feedback:"  # + id -> JSON of bot.feedback.model.Feedback
FEEDBACK_INDEX = ROOT + "feedback:index"  # zset id -> submitted at
FEEDBACK_SEQ = ROOT + "feedback:seq"  # INCR counter behind readable ids
FEEDBACK_DECISION_PREFIX = ROOT + "feedback:decision:"  # + decision_id -> what was decided
FEEDBACK_RATE_PREFIX = ROOT + "feedback:rate:"  # + person -> presses in the current window
FEEDBACK_SEEN_PREFIX = ROOT + "feedback:seen:"  # + platform press id (a redelivery is dropped)
