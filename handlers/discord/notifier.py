"""The escalation service's Discord side: DMs with buttons, channel posts, the status card.

Only HTTP calls through discord.py's client (its rate-limit handling, 429 retries included,
applies to each). A DM Discord refuses (the user's DMs are closed: error 50007, or an unknown
user) raises :class:`DeliveryRefused`, so the escalation climbs to its next level at once; its
message is what the requester reads ("Could not reach Dana (their Discord DMs are closed)").
A bad moment at Discord (5xx, a 429 past discord.py's retries, a timeout, a dropped connection)
raises :class:`DeliveryFailed`: the same ping is tried again, and nothing climbs for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord

from bot.escalations.model import DeliveryFailed, DeliveryRefused, Escalation, StatusNote
from bot.escalations.people import channel_id, platform_user_id
from bot.escalations.permissions import Admins
from bot.policy.model import Policy
from handlers.common.i18n import N_, _, language
from handlers.common.policy_text import category_texts
from handlers.common.readers import Readers
from handlers.common.status_text import person_text, status_text
from handlers.discord import render
from handlers.discord.components import escalation_view
from handlers.discord.escalation_modals import card_view
from handlers.discord.replies import LoginGate, or_missing

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # "Cannot send messages to this user"
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013


class DiscordNotifier:
    """Implements :class:`bot.escalations.model.Notifier` for Discord."""

    def __init__(
        self,
        *,
        client: discord.Client,
        policy: Callable[[], Policy],
        gate: LoginGate,
        readers: Readers | None = None,
    ) -> None:
        self._client = client
        self._policy = policy
        self._gate = gate
        self.readers = readers or Readers(policy=policy, platform="discord")

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        await self._gate.wait()
        policy = self._policy()
        user_id = platform_user_id(policy, "discord", person_key)
        if not user_id or not user_id.isdigit():
            raise DeliveryRefused(N_("they have no Discord user id in people.yaml"))
        with language(self.readers.of_recipient(person=person_key)):
            who = person_text(policy, person_key, render.MENTIONS)
            embed = ping_embed(policy, escalation, who)
            view = escalation_view(escalation, people=reassign_choices(policy, person_key))
        async with _classified():
            await self._dm(int(user_id), embed=embed, view=view)

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        await self._gate.wait()
        policy = self._policy()
        cid = channel_id(policy, "discord", channel_key)
        if not cid or not cid.isdigit():
            raise DeliveryRefused(N_("no Discord id in people.yaml") + f" (#{channel_key})")
        channel = self._client.get_partial_messageable(int(cid))
        with language(self.readers.of_channel(channel_key)):
            embed = ping_embed(policy, escalation, _("anyone in this channel"))
            view = escalation_view(escalation)
        async with _classified():
            await channel.send(embed=embed, view=or_missing(view))

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        """Edit the requester's ephemeral status card; past its 15 minutes, DM them instead."""
        await self._gate.wait()
        policy = self._policy()
        with language(self.readers.of_recipient(person=escalation.requester)):
            embed = render.status_embed(
                escalation=escalation,
                category_label=category_label(policy, escalation.category),
                message=status_text(
                    note, policy=policy, platform="discord", mentions=render.MENTIONS
                ),
            )
            view = card_view(escalation)  # its Withdraw button, in the requester's words too
        if await self._edit_card(escalation, embed, view):
            return
        user_id = platform_user_id(policy, "discord", escalation.requester)
        if not user_id or not user_id.isdigit():
            log.warning("requester %s of %s has no Discord id", escalation.requester, escalation.id)
            return
        try:
            await self._dm(int(user_id), embed=embed, view=None)
        except (discord.Forbidden, discord.NotFound) as e:
            log.warning("could not tell requester %s about %s: %s", user_id, escalation.id, e)

    async def notify_admins(self, *, admins: Admins, message: str) -> None:
        """DM each admin that is a Discord user id (a bad policy edit, for instance)."""
        await self._gate.wait()
        embed = render.notice_embed(message, title=_("should-ai needs an admin"))
        for admin in admins.candidates("discord"):
            if not admin.isdigit():
                continue  # a Slack id in the same list
            try:
                await self._dm(int(admin), embed=embed, view=None)
            except discord.HTTPException as e:
                log.warning("could not DM admin %s: %s", admin, e)

    async def _edit_card(
        self, escalation: Escalation, embed: discord.Embed, view: discord.ui.View | None
    ) -> bool:
        """Edit the status card through the interaction's webhook; False if that can't be done."""
        ref = escalation.status_ref
        if ref is None or not (ref.token and ref.application_id and ref.message_id):
            return False
        hook = interaction_webhook(self._client, ref.application_id, ref.token)
        try:
            await hook.edit_message(int(ref.message_id), embed=embed, view=view)
        except discord.HTTPException as e:
            if e.status not in (401, 403, 404):  # 401: the 15-minute interaction token expired
                raise
            log.info("status card of %s not editable (%s); DMing the requester", escalation.id, e)
            return False
        return True

    async def _dm(
        self, user_id: int, *, embed: discord.Embed, view: discord.ui.View | None
    ) -> None:
        dm = await self._client.create_dm(discord.Object(user_id))
        await dm.send(embed=embed, view=or_missing(view))


def interaction_webhook(client: discord.Client, application_id: str, token: str) -> discord.Webhook:
    """The follow-up webhook of an interaction (ephemeral messages, their edits), as
    :attr:`discord.Interaction.followup` builds it, from the application id and token alone."""
    data: Any = {"id": int(application_id), "type": 3, "token": token}
    return discord.Webhook.from_state(data=data, state=client._connection)


def ping_embed(policy: Policy, escalation: Escalation, assignee: str) -> discord.Embed:
    """The DM (or channel post) for an escalation, as it stands now."""
    texts = category_texts(policy, escalation.category)
    return render.escalation_embed(
        escalation=escalation,
        category_label=texts.label,
        why=texts.why,
        requester=render.requester_mention(policy, escalation),
        assignee=assignee,
    )


def reassign_choices(policy: Policy, holder: str | None) -> list[tuple[str, str]]:
    """(name, Discord id) of everyone in people.yaml with a Discord id, but ``holder``."""
    return [
        (person.name, person.discord)
        for key, person in policy.people.people.items()
        if person.discord and person.discord.isdigit() and key != holder
    ]


def category_label(policy: Policy, category: str) -> str:
    return category_texts(policy, category).label


_NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


@asynccontextmanager
async def _classified() -> AsyncIterator[None]:
    """Forbidden and NotFound (50007, 10013, 10003, 50001...) refuse for good; 5xx, 429 and the
    network fail for now (DeliveryFailed: try the same ping again)."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as e:
        raise DeliveryRefused(_why_refused(e)) from e
    except discord.HTTPException as e:
        if e.status == 429 or e.status >= 500:
            raise DeliveryFailed(f"Discord failed ({e.status}, code {e.code})") from e
        raise DeliveryRefused(_why_refused(e)) from e
    except _NETWORK_ERRORS as e:
        raise DeliveryFailed(f"Discord could not be reached: {e!r}") from e


def _why_refused(e: discord.HTTPException) -> str:
    if e.code == CANNOT_DM:
        return N_("their Discord DMs are closed to the bot")
    if e.code == UNKNOWN_USER:
        return N_("Discord does not know their user id")
    if e.code in (UNKNOWN_CHANNEL, MISSING_ACCESS, MISSING_PERMISSIONS):
        return N_(
            "the bot cannot post in that Discord channel (invite it, or let it send messages)"
        )
    return N_("Discord refused the message") + f" ({e.status}, code {e.code})"
