"""Background jobs and timers on a Redis job queue (arq)."""

from arq.worker import Retry

from bot.jobs.queue import JobFunction, Jobs

__all__ = ["JobFunction", "Jobs", "Retry"]
