"""Drafts on Slack: the Block Kit card with Use it / Regenerate / Discard, and how it reaches the
requester.

The draft goes to the command's ``response_url`` (an ephemeral message only the requester sees;
Slack honours it for 30 minutes); when that is gone or refused, to the thread or channel it came
from as an ephemeral message, and last to a direct message. The Slack adapter routes the three
action ids below to :class:`bot.ai.service.AiWork`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.ai.model import Draft, ReplyTarget, ScheduledPost
from bot.ai.notes import AiNote, AiOutcome
from handlers.common.ai_text import ai_text, draft_headline, outcome_text, when_text
from handlers.common.i18n import _, ngettext
from handlers.slack.blocks import section

log = logging.getLogger(__name__)

Block = dict[str, Any]

DRAFT_USE_ACTION = "should_ai_draft_use"
DRAFT_REGENERATE_ACTION = "should_ai_draft_regenerate"
DRAFT_DISCARD_ACTION = "should_ai_draft_discard"
SCHEDULE_CONFIRM_ACTION = "should_ai_schedule_confirm"
SCHEDULE_CANCEL_ACTION = "should_ai_schedule_cancel"
SCHEDULED_CANCEL_ACTION = "should_ai_scheduled_cancel"

_MAX_LISTED = 20  # two blocks each; Slack allows 50 blocks in a message


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def draft_blocks(draft: Draft) -> tuple[str, list[Block]]:
    """The draft card: headline, the text as a quote, Use it / Regenerate / Discard."""
    use_label = _("Schedule it") if draft.plan is not None else _("Use it")
    quoted = "\n".join(f"> {line}" for line in draft.text.splitlines() or [""])
    blocks = [
        section(f":memo: `{draft.id}` {draft_headline(draft)}"),
        section(quoted),
        {
            "type": "actions",
            "elements": [
                _button(use_label, DRAFT_USE_ACTION, draft.id, "primary"),
                _button(_("Regenerate"), DRAFT_REGENERATE_ACTION, draft.id),
                _button(_("Discard"), DRAFT_DISCARD_ACTION, draft.id, "danger"),
            ],
        },
    ]
    return _("Draft: {text}").format(text=draft.text[:200]), blocks


def note_blocks(message: str) -> list[Block]:
    """A plain answer, no buttons (what replaces a card once its button was used)."""
    return [section(message)]


def outcome_blocks(outcome: AiOutcome) -> tuple[str, list[Block]]:
    """What follows the verdict: a note, a question, or a schedule to Confirm / Cancel."""
    message = outcome_text(outcome)
    blocks = [section(message)]
    if outcome.kind == "confirm" and outcome.pending_id:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(_("Confirm"), SCHEDULE_CONFIRM_ACTION, outcome.pending_id, "primary"),
                    _button(_("Cancel"), SCHEDULE_CANCEL_ACTION, outcome.pending_id),
                ],
            }
        )
    return message, blocks


def scheduled_blocks(posts: list[ScheduledPost]) -> tuple[str, list[Block]]:
    """``/should-ai scheduled``: each post with a Cancel button."""
    if not posts:
        text = _("You have no posts scheduled.")
        return text, [section(text)]
    blocks: list[Block] = []
    for post in posts[:_MAX_LISTED]:
        line = f"*{post.plan.channel}* {when_text(post.plan)}\n> {post.text[:300]}"
        blocks.append(section(line))
        blocks.append(
            {
                "type": "actions",
                "elements": [_button(_("Cancel"), SCHEDULED_CANCEL_ACTION, post.id, "danger")],
            }
        )
    if len(posts) > _MAX_LISTED:
        blocks.append(section(f"…and {len(posts) - _MAX_LISTED} more."))
    count = len(posts)
    head = ngettext("You have {count} scheduled post.", "You have {count} scheduled posts.", count)
    return head.format(count=count), blocks


class SlackDraftDelivery:
    """:class:`bot.ai.model.DraftDelivery` for Slack."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def deliver_draft(self, *, draft: Draft) -> None:
        text, blocks = draft_blocks(draft)
        await self._send(draft.reply_to, text, blocks)

    async def tell(self, *, reply_to: ReplyTarget, note: AiNote) -> None:
        message = ai_text(note)
        await self._send(reply_to, message, [section(f":warning: {message}")])

    async def _send(self, to: ReplyTarget, text: str, blocks: list[Block]) -> None:
        if to.response_url and await self._via_response_url(to.response_url, text, blocks):
            return
        if to.channel and await self._ephemeral(to, text, blocks):
            return
        opened = await self._client.conversations_open(users=to.user_id)
        channel = str((opened.get("channel") or {}).get("id", ""))
        await self._client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    async def _via_response_url(self, url: str, text: str, blocks: list[Block]) -> bool:
        webhook = AsyncWebhookClient(url)
        response = await webhook.send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
        if response.status_code == 200:
            return True
        log.info("response_url refused the draft (%s); trying the channel", response.status_code)
        return False

    async def _ephemeral(self, to: ReplyTarget, text: str, blocks: list[Block]) -> bool:
        try:
            await self._client.chat_postEphemeral(
                channel=to.channel or "",
                user=to.user_id,
                text=text,
                blocks=blocks,
                thread_ts=to.thread_ts,
            )
        except SlackApiError as e:
            log.info("ephemeral draft refused (%s); sending a direct message", e)
            return False
        return True
