"""The Slack Web API client every part of the adapter shares."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

# Slack answers 429 with Retry-After when a workspace sends too fast (a burst of escalations);
# waiting and retrying is what Slack asks for, and a ping must not be lost to it.
RATE_LIMIT_RETRIES = 3


def make_client(*, token: str, base_url: str) -> AsyncWebClient:
    """A client for ``base_url`` (slack.com, GovSlack, or a test fake) that honours Retry-After."""
    client = AsyncWebClient(token=token, base_url=_with_slash(base_url))
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    return client


def _with_slash(url: str) -> str:
    # slack_sdk joins base_url and the method name without adding a slash.
    return url if url.endswith("/") else url + "/"
