"""The escalation service's voice on Slack: DMs with buttons, channel posts, status cards.

Implements :class:`bot.escalations.model.Notifier`. Anything Slack refuses to deliver to a person
(DMs closed, user gone, unknown id) raises :class:`DeliveryRefused`, so the service climbs to the
next level at once instead of waiting for an acknowledgement that cannot come. A bad moment at
Slack (HTTP 5xx, a 429 outlasting the client's own retries, a timeout, a dropped connection)
raises :class:`DeliveryFailed` instead: the same ping is tried again, and nothing climbs for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.escalations.model import DeliveryFailed, DeliveryRefused, Escalation, StatusNote
from bot.escalations.people import platform_user_id
from bot.escalations.permissions import allowed_keys
from bot.policy.model import Policy
from handlers.common.i18n import N_, _, language
from handlers.common.policy_text import category_texts
from handlers.common.readers import Readers
from handlers.common.status_text import Mentions, status_text
from handlers.slack import blocks
from handlers.slack.assist_blocks import assist_blocks
from handlers.slack.languages import SlackLocales

log = logging.getLogger(__name__)

# Slack's markup for a user or a channel the policy has no name for.
MENTIONS = Mentions(user=lambda user_id: f"<@{user_id}>", channel=lambda cid: f"<#{cid}>")


@dataclass(frozen=True)
class CategoryText:
    label: str
    why: str


def category_text(policy: Policy, category: str | None) -> CategoryText:
    """The label and the *why* an owner and a requester read for ``category``, in the language
    in force."""
    texts = category_texts(policy, category)
    return CategoryText(label=texts.label, why=texts.why)


def slack_id(policy: Policy, who: str | None) -> str | None:
    """The Slack user id of a person key, a ``slack:U…`` assignee/requester, or None."""
    if not who:
        return None
    return platform_user_id(policy, "slack", who)


def _step_verb(state: str) -> str:
    verbs = {
        "open": _("pinged"),
        "acknowledged": _("acknowledged by"),
        "reassigned": _("reassigned to"),
        "resolved": _("resolved by"),
        "unanswered": _("unanswered"),
    }
    return verbs.get(state, state)


def history_steps(policy: Policy, escalation: Escalation) -> list[str]:
    """Each transition as "pinged @owner 10:02", "acknowledged by @owner 10:05", ..."""
    steps = []
    for move in escalation.history:
        verb = _step_verb(move.state)
        if move.state == "unanswered":
            steps.append(blocks.step_line(state=verb.capitalize(), who="", at=move.at))
            continue
        who = move.by if move.state in ("acknowledged", "resolved") else move.assignee
        where = mention_of(policy, who) if who else _("the channel")
        steps.append(blocks.step_line(state=verb.capitalize(), who=where, at=move.at))
    return steps


def mention_of(policy: Policy, who: str | None) -> str:
    user_id = slack_id(policy, who)
    if user_id:
        return blocks.mention(user_id)
    person = policy.people.people.get(who or "")
    return person.name if person else (who or _("nobody"))


def channel_call(policy: Policy, escalation: Escalation) -> str:
    """The line that opens a channel post: who may take it (the service refuses anyone else)."""
    who = ", ".join(mention_of(policy, key) for key in allowed_keys(policy, escalation))
    if not who:
        ask = _(
            "Nobody acknowledged this in time. An admin: please take it, or reassign it to "
            "someone here."
        )
    else:
        ask = _(
            "Nobody acknowledged this in time. {who} or an admin: please take it, or reassign it "
            "to someone here."
        ).format(who=who)
    return f"<!here> {ask}"


class SlackNotifier:
    """Pings people and channels, and keeps the requester's status card current."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        policy: Callable[[], Policy],
        readers: Readers | None = None,
    ) -> None:
        self._client = client
        self._policy = policy
        self.readers = readers or Readers(policy=policy, platform="slack")
        self.locales = SlackLocales(client)

    async def language_of(self, *, person: str | None = None, user_id: str | None = None) -> str:
        """The language a ping or a card for this person (key) or Slack user is written in."""
        if user_id is None and person is not None:
            user_id = slack_id(self._policy(), person)
        locale = await self.locales.of(user_id)
        return self.readers.of_recipient(person=person, user_id=user_id, locale=locale)

    @property
    def client(self) -> AsyncWebClient:
        return self._client

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        policy = self._policy()
        user_id = slack_id(policy, person_key)
        if user_id is None:
            raise DeliveryRefused(N_("no Slack id in people.yaml") + f" ({person_key})")
        with language(await self.language_of(person=person_key, user_id=user_id)):
            text, message = self._escalation_message(policy, escalation)
        async with _classified(f"a DM to {user_id}"):
            channel = await self.open_dm(user_id)
            await self._client.chat_postMessage(channel=channel, text=text, blocks=message)

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        policy = self._policy()
        channel = policy.people.channels.get(channel_key)
        if channel is None or not channel.slack:
            raise DeliveryRefused(N_("no Slack id in people.yaml") + f" (#{channel_key})")
        with language(self.readers.of_channel(channel_key)):
            text, message = self._escalation_message(policy, escalation)
            head = blocks.notice_message(channel_call(policy, escalation))[1]
        async with _classified(f"a post to {channel.slack}"):
            await self._client.chat_postMessage(
                channel=channel.slack, text=text, blocks=head + message
            )

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        policy = self._policy()
        with language(await self.language_of(person=escalation.requester)):
            text, card = blocks.status_message(
                escalation=escalation,
                category_label=category_text(policy, escalation.category).label,
                message=status_text(note, policy=policy, platform="slack", mentions=MENTIONS),
                steps=history_steps(policy, escalation),
            )
        ref = escalation.status_ref
        if ref is not None and ref.channel and ref.ts:
            await self._client.chat_update(channel=ref.channel, ts=ref.ts, text=text, blocks=card)
            return
        requester = slack_id(policy, escalation.requester)
        if requester is None:
            log.warning("escalation %s: no status card and no Slack requester", escalation.id)
            return
        await self._client.chat_postMessage(
            channel=await self.open_dm(requester), text=text, blocks=card
        )

    async def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM channel with ``user_id`` (conversations.open is idempotent)."""
        response = await self._client.conversations_open(users=user_id)
        channel = response.get("channel") or {}
        return str(channel["id"])

    def escalation_message(self, escalation: Escalation) -> blocks.Message:
        """The owner's ping as it should look now (used again after a button is pressed), in the
        language in force (the presser's)."""
        return self._escalation_message(self._policy(), escalation)

    def _escalation_message(self, policy: Policy, escalation: Escalation) -> blocks.Message:
        about = category_text(policy, escalation.category)
        text, shown = blocks.escalation_message(
            escalation=escalation,
            category_label=about.label,
            why=about.why,
            requester_mention=mention_of(policy, escalation.requester),
        )
        return text, shown + assist_blocks(policy, escalation)


def _error(e: SlackApiError) -> str:
    return str(e.response.get("error", "unknown error"))


# Slack's words for "not now": they come with HTTP 5xx or 429, or (rarely) with 200 and ok=false.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def is_transient(e: SlackApiError) -> bool:
    """True if Slack failed for now (5xx, 429) rather than refused for good (cannot_dm_bot, ...)."""
    status = e.response.status_code
    return status == 429 or status >= 500 or _error(e) in _TRANSIENT_ERRORS


@asynccontextmanager
async def _classified(what: str) -> AsyncIterator[None]:
    """Turn Slack's failures of ``what`` into DeliveryFailed (try again) or DeliveryRefused."""
    try:
        yield
    except SlackApiError as e:
        if not is_transient(e):
            log.info("Slack refused %s: %s", what, _error(e))
            raise DeliveryRefused(N_("Slack refused the message") + f" ({_error(e)})") from e
        retry_after = e.response.headers.get("Retry-After") or e.response.headers.get("retry-after")
        wait = float(retry_after) if retry_after and str(retry_after).isdigit() else None
        status = e.response.status_code
        raise DeliveryFailed(
            f"Slack failed {what} ({status}: {_error(e)})", retry_after_s=wait
        ) from e
    except _NETWORK_ERRORS as e:
        raise DeliveryFailed(f"Slack could not be reached for {what}: {e!r}") from e
