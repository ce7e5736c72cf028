"""Background jobs and timers on a Redis job queue (arq).

Owns :class:`Jobs`: registering job functions, queueing jobs (alone, or inside a store's
transaction), and the in-process worker every replica runs. It implements the escalation
domain's :class:`bot.escalations.ports.JobQueue`; a job asks to be run again by raising the
port's :class:`RetryLater` (or arq's own :class:`Retry`).
"""

from arq.worker import Retry

from bot.escalations.ports import JobFunction, RetryLater
from bot.jobs.queue import Jobs

__all__ = ["JobFunction", "Jobs", "Retry", "RetryLater"]
