"""Delivering hand-offs: a durable job per delivery, retried with backoff, each attempt logged.

The payload is stored in the job's arguments (Redis, through arq), so a restart between the
request and the delivery loses nothing. A 2xx answer is a delivery; anything else (a 500, a
timeout, a refused connection) is tried again, up to ``max_tries``, doubling the wait from
``retry_delay_s``; then it is logged as given up.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

import aiohttp

from bot.errors import ShouldAiError
from bot.handoff import signing
from bot.jobs import Jobs, Retry
from bot.policy.model import Handoff

log = logging.getLogger(__name__)

DELIVER_JOB = "handoff_deliver"
SEND_TIMEOUT_S = 10.0


class HandoffError(ShouldAiError):
    """A hand-off cannot be sent at all (no signing secret)."""


class DeliveryLog(Protocol):
    """The slice of the decision log deliveries are written to ([ops]'s ``DecisionLog``)."""

    async def record_event(
        self, *, kind: str, decision_id: str, fields: dict[str, str]
    ) -> str | None: ...


def payload(
    *, delivery_id: str, name: str, event: str, sent_at: float, data: dict[str, Any]
) -> dict[str, Any]:
    """The JSON a receiver gets: who, what and for which hand-off (documented in the README)."""
    return {
        "delivery_id": delivery_id,
        "event": event,
        "handoff": name,
        "created_at": int(sent_at),
        **data,
    }


async def post_signed(
    session: aiohttp.ClientSession, *, url: str, secret: str, body: bytes, delivery_id: str
) -> int:
    """POST ``body`` signed now; the receiver's status (raises on a network failure)."""
    headers = signing.headers(secret, int(time.time()), body, delivery_id)
    timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
    async with session.post(url, data=body, headers=headers, timeout=timeout) as response:
        return response.status


class WebhookSender:
    def __init__(
        self,
        *,
        jobs: Jobs,
        secret: str | None,
        audit: DeliveryLog,
        max_tries: int = 8,
        retry_delay_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._jobs = jobs
        self._secret = secret
        self._audit = audit
        self._max_tries = max_tries
        self._retry_delay_s = retry_delay_s
        self._clock = clock
        jobs.register(DELIVER_JOB, self.run_job, max_tries=max_tries)

    async def send(
        self, *, name: str, handoff: Handoff, decision_id: str, event: str, data: dict[str, Any]
    ) -> str:
        """Queue a delivery of ``data`` to ``handoff``; returns the delivery id."""
        if not self._secret:
            raise HandoffError("SHOULD_AI_WEBHOOK_SECRET is not set: hand-offs are not signed")
        delivery_id = "h-" + secrets.token_hex(8)
        body = payload(
            delivery_id=delivery_id, name=name, event=event, sent_at=self._clock(), data=data
        )
        await self._jobs.enqueue(
            DELIVER_JOB,
            job_id=f"handoff-{delivery_id}",
            url=handoff.url,
            name=name,
            decision_id=decision_id,
            body=json.dumps(body, ensure_ascii=False),
        )
        await self._event(decision_id, "handoff_queued", name, delivery_id)
        return delivery_id

    async def run_job(
        self, ctx: dict[str, Any], *, url: str, name: str, decision_id: str, body: str
    ) -> None:
        attempt = int(ctx.get("job_try", 1))
        delivery_id = json.loads(body)["delivery_id"]
        try:
            async with aiohttp.ClientSession() as session:
                status = await post_signed(
                    session,
                    url=url,
                    secret=self._secret or "",
                    body=body.encode(),
                    delivery_id=delivery_id,
                )
        except (aiohttp.ClientError, TimeoutError) as e:
            status, error = 0, type(e).__name__
        else:
            error = "" if 200 <= status < 300 else f"HTTP {status}"
        if not error:
            await self._event(decision_id, "handoff_delivered", name, delivery_id, attempt, status)
            return
        await self._event(decision_id, "handoff_attempt_failed", name, delivery_id, attempt, status)
        if attempt >= self._max_tries:
            log.error(
                "hand-off %s to %s gave up after %d tries: %s", delivery_id, name, attempt, error
            )
            await self._event(decision_id, "handoff_gave_up", name, delivery_id, attempt, status)
            return
        raise Retry(defer=self._retry_delay_s * 2 ** (attempt - 1))

    async def _event(
        self,
        decision_id: str,
        event: str,
        name: str,
        delivery_id: str,
        attempt: int = 0,
        status: int = 0,
    ) -> None:
        fields = {"event": event, "handoff": name, "delivery_id": delivery_id}
        if attempt:
            fields |= {"attempt": str(attempt), "status": str(status)}
        await self._audit.record_event(kind="handoff", decision_id=decision_id, fields=fields)
