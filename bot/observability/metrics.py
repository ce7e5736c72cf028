"""Prometheus metrics for one running bot, in a registry owned by its :class:`Services`.

No module-level collectors: two bots in one process (tests do this) never share counters.
"""

from __future__ import annotations

import logging
import time
from collections import Counter as Counter_
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

# Minutes to hours: acknowledgement windows in policy.yaml run from 15 minutes to a few hours.
log = logging.getLogger("bot.observability.failopen")

# The gauge's states: all but resolved. "unanswered" climbed past its last level and still
# waits for a person (it was "expired" before issue 12, and never counted).
ESCALATION_STATES = ("open", "acknowledged", "reassigned", "unanswered", "snoozed")

_ACK_BUCKETS = (10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 86400.0)


class OutageLog:
    """Logs a store failure once per component per interval, with the count since the last line.

    During an outage every request fails three Redis calls; one line per call would bury the
    rest of the log. The metric still counts every failure.
    """

    def __init__(self, *, interval_s: float = 30.0) -> None:
        self._interval_s = interval_s
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def failed(self, component: str, error: BaseException) -> None:
        now = time.monotonic()
        if now - self._last.get(component, -self._interval_s) < self._interval_s:
            self._suppressed[component] = self._suppressed.get(component, 0) + 1
            return
        more = self._suppressed.pop(component, 0)
        self._last[component] = now
        also = f" ({more} more failures since the last report)" if more else ""
        log.warning("redis unavailable for %s, going on without it: %r%s", component, error, also)


class Metrics:
    """Every metric should-ai exports; one instance per composition root."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.decisions = Counter(
            "should_ai_decisions",
            "Decisions returned, by route and category",
            ["route", "category"],
            registry=r,
        )
        self.refused = Counter(
            "should_ai_requests_refused",
            "Requests not decided, by reason",
            ["reason"],
            registry=r,
        )
        self.store_errors = Counter(
            "should_ai_store_errors",
            "Redis calls that failed; the decision went on without them",
            ["component"],
            registry=r,
        )
        self.transitions = Counter(
            "should_ai_escalation_transitions",
            "Escalation transitions, by new state",
            ["state"],
            registry=r,
        )
        self.escalations = Gauge(
            "should_ai_escalations",
            "Escalations not yet resolved, by state (read at scrape)",
            ["state"],
            registry=r,
        )
        self.jobs_queued = Gauge(
            "should_ai_jobs_queued",
            "Jobs waiting in the queue, due or deferred (read at scrape)",
            registry=r,
        )
        self.decision_log_backlog = Gauge(
            "should_ai_decision_log_backlog",
            "Decision log entries waiting to be written to Redis (read at scrape)",
            registry=r,
        )
        self.time_to_ack = Histogram(
            "should_ai_time_to_acknowledge_seconds",
            "From escalation opened to acknowledged",
            buckets=_ACK_BUCKETS,
            registry=r,
        )
        self.escalations_deferred = Counter(
            "should_ai_escalations_deferred",
            "Escalations that could not be stored at once and were retried in the background",
            registry=r,
        )
        self.reloads = Counter(
            "should_ai_policy_reloads",
            "Policy reloads, by result",
            ["result"],
            registry=r,
        )
        self.policy_info = Gauge(
            "should_ai_policy_info",
            "The policy revision in use (value 1)",
            ["revision"],
            registry=r,
        )

        # Issue 14: the open queue by category and by who holds it, and its oldest age.
        self.open_by_category = Gauge(
            "should_ai_open_escalations_by_category",
            "Escalations not yet resolved, by category (read at scrape)",
            ["category"],
            registry=r,
        )
        self.open_by_assignee = Gauge(
            "should_ai_open_escalations_by_assignee",
            "Escalations not yet resolved, by who holds them: a person key, or channel:<category> "
            "(read at scrape)",
            ["assignee"],
            registry=r,
        )
        self.oldest_open = Gauge(
            "should_ai_oldest_open_escalation_seconds",
            "Age of the oldest escalation not yet resolved, 0 if none (read at scrape)",
            registry=r,
        )

        # The log lines that go with store_errors, throttled per component (see .failopen).
        self.outage_log = OutageLog()

    def count_escalations(self, states: Iterable[str]) -> None:
        """Set the escalation gauge from the states of every escalation not yet resolved."""
        counts = Counter_(states)
        self.escalations.clear()
        for state in ESCALATION_STATES:
            self.escalations.labels(state=state).set(counts.get(state, 0))

    def count_open(
        self, *, by_category: dict[str, int], by_assignee: dict[str, int], oldest_s: float
    ) -> None:
        """Set the open-queue gauges (issue 14) from counts the scrape computed."""
        self.open_by_category.clear()
        for category, n in by_category.items():
            self.open_by_category.labels(category=category).set(n)
        self.open_by_assignee.clear()
        for assignee, n in by_assignee.items():
            self.open_by_assignee.labels(assignee=assignee).set(n)
        self.oldest_open.set(oldest_s)

    def set_policy_revision(self, revision: str) -> None:
        self.policy_info.clear()
        self.policy_info.labels(revision=revision).set(1)

    def render(self) -> bytes:
        """The Prometheus text exposition of this registry."""
        return generate_latest(self.registry)
