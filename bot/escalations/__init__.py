"""The escalation domain: a request a person must own, pinged up its chain until someone does.

Owns the records and the values adapters receive (``model``: escalations, actors, status notes;
``errors``: refusals),
the moves (``lifecycle``, ``climb``, ``permissions``), who is who (``people``), the service the
adapters and the app call (``service``, with ``moves``, ``delivery``, ``recovery``), and the
ports it needs of the world (``ports``: a store, a job queue, a transition log). ``bot.store``,
``bot.jobs`` and ``bot.observability.decision_log`` implement the ports and depend on this
package, never the reverse; nothing here imports Redis, arq or a chat platform.
"""

from bot.escalations.errors import (
    EscalationClosed,
    EscalationError,
    InvalidAction,
    NoNotifier,
    NotAllowed,
    Refusal,
    UnknownEscalation,
)
from bot.escalations.model import (
    Action,
    Actor,
    DeliveryFailed,
    DeliveryRefused,
    Escalation,
    EscalationActions,
    NextStep,
    Notifier,
    Platform,
    State,
    StatusNote,
    StatusRef,
    Transition,
    Who,
)
from bot.escalations.ports import (
    EscalationNotFound,
    EscalationStore,
    JobQueue,
    LogRecord,
    MoveWrites,
    RetryLater,
    Timer,
    TransitionSink,
)
from bot.escalations.service import EscalationService

__all__ = [
    "Action",
    "Actor",
    "DeliveryFailed",
    "DeliveryRefused",
    "Escalation",
    "EscalationActions",
    "EscalationClosed",
    "EscalationError",
    "EscalationNotFound",
    "EscalationService",
    "EscalationStore",
    "InvalidAction",
    "JobQueue",
    "LogRecord",
    "MoveWrites",
    "NextStep",
    "NoNotifier",
    "NotAllowed",
    "Notifier",
    "Platform",
    "Refusal",
    "RetryLater",
    "State",
    "StatusNote",
    "StatusRef",
    "Timer",
    "Transition",
    "TransitionSink",
    "UnknownEscalation",
    "Who",
]
