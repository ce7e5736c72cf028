from __future__ import annotations

import pytest

from bot.store.errors import StoreUnavailable
from bot.store.retry import retry_with_backoff


async def test_retries_until_the_store_answers() -> None:
    calls: list[int] = []

    async def op() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise StoreUnavailable("down")
        return "stored"

    assert await retry_with_backoff(op, what="store", first_delay=0.001) == "stored"
    assert len(calls) == 3


async def test_gives_up_after_the_attempts_allowed_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def op() -> None:
        raise StoreUnavailable("Redis is unreachable")

    with pytest.raises(StoreUnavailable):
        await retry_with_backoff(op, what="open escalation", first_delay=0.001, attempts=2)
    assert "open escalation failed (attempt 1)" in caplog.text
    assert "open escalation failed after 2 attempts" in caplog.text


async def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    async def op() -> None:
        calls.append(1)
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError):
        await retry_with_backoff(op, what="x", first_delay=0.001)
    assert len(calls) == 1
