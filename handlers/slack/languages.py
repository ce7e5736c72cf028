"""Slack users' own language: the ``locale`` of ``users.info`` (asked once an hour per user)."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

_TTL_S = 3600.0


class SlackLocales:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._known: dict[str, tuple[float, str | None]] = {}

    async def of(self, user_id: str | None) -> str | None:
        """``user_id``'s Slack locale ("fr-FR"), None if unknown or Slack does not answer."""
        if not user_id:
            return None
        known = self._known.get(user_id)
        if known is not None and time.monotonic() - known[0] < _TTL_S:
            return known[1]
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as e:
            log.info("users.info for %s failed (%s); no locale", user_id, e.response.get("error"))
            return None
        user = response.get("user") or {}
        locale = user.get("locale") if isinstance(user, dict) else None
        found = locale if isinstance(locale, str) and locale else None
        self._known[user_id] = (time.monotonic(), found)
        return found
