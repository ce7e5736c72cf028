"""Scheduling on Slack: chat.scheduleMessage, within Slack's own limits, and the channel
mentions (``<#C123|name>``) Slack puts in a request.

Slack keeps the post and sends it at ``post_at`` even if the bot is down then. It accepts posts
up to 120 days ahead and at most 30 per channel within any 5 minutes; its refusals come back as
error codes, which become sentences the requester can act on. The requester's time zone comes
from users.info.
"""

from __future__ import annotations

import logging
import re

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ai.model import ChannelMention, ScheduledPost
from bot.ai.notes import AiNote
from bot.ai.scheduling import ScheduleRefused
from handlers.common.i18n import N_

log = logging.getLogger(__name__)

SLACK_MAX_AHEAD_S = 120 * 86400
# How Slack hands over a channel the user picked while typing: <#C123|marketing> (or <#C123>).
_CHANNEL_MENTION = re.compile(r"<#(?P<id>[A-Z0-9]+)(?:\|[^>]*)?>", re.IGNORECASE)

_REFUSALS = {
    "time_in_past": N_("That time has already passed."),
    "time_too_far": N_("Slack only schedules posts up to 120 days ahead."),
    "restricted_too_many": N_(
        "Slack allows at most 30 scheduled posts per channel within 5 minutes; "
        "pick a time a few minutes earlier or later."
    ),
    "channel_not_found": N_("I can't find that channel. Name it like #marketing."),
    "not_in_channel": N_(
        "I'm not in that channel: invite me with /invite @should-ai, then try again."
    ),
    "is_archived": N_("That channel is archived."),
    "msg_too_long": N_("That post is too long for Slack."),
}


class SlackPostScheduler:
    max_ahead_s = SLACK_MAX_AHEAD_S

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    def channel_mention(self, text: str) -> ChannelMention | None:
        return channel_mention(text)

    async def user_tz(self, *, user_id: str) -> str | None:
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as e:
            log.warning("users.info for %s failed (%s); using the default zone", user_id, e)
            return None
        user = response.get("user") or {}
        tz = user.get("tz") if isinstance(user, dict) else None
        return tz if isinstance(tz, str) and tz else None

    async def schedule(self, *, post: ScheduledPost) -> ScheduledPost:
        try:
            response = await self._client.chat_scheduleMessage(
                channel=post.plan.channel, text=post.text, post_at=post.plan.post_at
            )
        except SlackApiError as e:
            raise _refusal(e) from e
        return post.model_copy(
            update={
                "channel_id": str(response.get("channel") or post.plan.channel),
                "platform_ref": str(response["scheduled_message_id"]),
            }
        )

    async def cancel(self, *, post: ScheduledPost) -> None:
        try:
            await self._client.chat_deleteScheduledMessage(
                channel=post.channel_id or post.plan.channel,
                scheduled_message_id=post.platform_ref or "",
            )
        except SlackApiError as e:
            if e.response.get("error") != "invalid_scheduled_message_id":  # already sent or gone
                raise _refusal(e) from e


def _refusal(error: SlackApiError) -> ScheduleRefused:
    code = str(error.response.get("error") or "unknown_error")
    detail = _REFUSALS.get(code) or N_("Slack refused the post") + f" ({code})"
    return ScheduleRefused(AiNote(kind="platform_refused", detail=detail))


def channel_mention(text: str) -> ChannelMention | None:
    """The last ``<#C123|name>`` in ``text``, as channel ``C123``."""
    return ChannelMention.last(_CHANNEL_MENTION, text)
