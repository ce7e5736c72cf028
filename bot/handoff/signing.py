"""How a hand-off is signed, and how its receiver checks it.

Each POST carries::

    X-Should-AI-Timestamp: 1765000000          (Unix seconds when it was sent)
    X-Should-AI-Signature: v1=<hex>            (HMAC-SHA256 of "<timestamp>.<raw body>")
    X-Should-AI-Delivery: h-...                (the same on every retry: deduplicate on it)

keyed with ``SHOULD_AI_WEBHOOK_SECRET``. A receiver recomputes the HMAC over the timestamp, a dot
and the raw body bytes, compares in constant time, and refuses a timestamp more than five
minutes old (a replay). :func:`verify` does exactly that.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Should-AI-Timestamp"
SIGNATURE_HEADER = "X-Should-AI-Signature"
DELIVERY_HEADER = "X-Should-AI-Delivery"
VERSION = "v1"
TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def headers(secret: str, timestamp: int, body: bytes, delivery_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id,
    }


def verify(secret: str, received: dict[str, str], body: bytes, *, now: float) -> bool:
    """True when ``received`` headers sign ``body`` with ``secret`` and are recent enough."""
    try:
        timestamp = int(received[TIMESTAMP_HEADER])
        given = received[SIGNATURE_HEADER]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))
