"""AI help for an owner, on Discord (issue 19): a "Get AI help" select under an acknowledged
ping, the answer shown to the presser alone (an ephemeral message) and its Share with requester
button, which DMs the requester. Who may ask, and what reaches the LLM, is decided by
:class:`bot.ai.owner_help.OwnerHelp` and its guard; this module renders and routes.

Both components are :class:`discord.ui.DynamicItem`\\ s (their ``custom_id`` carries the
escalation or the answer id), so they keep working after a restart, like the escalation buttons.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import discord

from bot.ai.owner_help import AssistAnswer, AssistResult, OwnerHelp, assists_offered
from bot.escalations.model import Escalation
from bot.escalations.people import platform_user_id
from bot.policy.model import Policy
from handlers.common import assist_text
from handlers.common.i18n import current_language, language
from handlers.discord import render
from handlers.discord.replies import actor_of, claim, or_missing, presser_language, tell

log = logging.getLogger(__name__)

_ID = r"[A-Za-z0-9_.:-]{1,80}"
ASSIST_TEMPLATE = re.compile(rf"should-ai:assist:(?P<escalation_id>{_ID})")
SHARE_TEMPLATE = re.compile(rf"should-ai:assist-share:(?P<answer_id>{_ID})")
WITH_TEMPLATE = re.compile(rf"should-ai:assist-with:(?P<escalation_id>{_ID})")

# The handler of each client built with AI help (the components find it from the interaction).
_HANDLERS: weakref.WeakKeyDictionary[discord.Client, DiscordAssists] = weakref.WeakKeyDictionary()


def _assist_select(
    placeholder: str, custom_id: str, options: Sequence[tuple[str, str]]
) -> discord.ui.Select[discord.ui.View]:
    """A select of a category's assists ((name, label) pairs), within Discord's limits (25
    options, labels of 100); one placeholder option when rebuilt from a custom id alone."""
    choices = [discord.SelectOption(label=label[:100], value=name) for name, label in options]
    return discord.ui.Select(
        placeholder=placeholder,
        custom_id=custom_id,
        options=choices[:25] or [discord.SelectOption(label="-", value="-")],
    )


class AssistSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]], template=ASSIST_TEMPLATE
):
    """Get AI help: one option per assist of the escalation's category."""

    def __init__(self, *, escalation_id: str, options: Sequence[tuple[str, str]] = ()) -> None:
        self.escalation_id = escalation_id
        placeholder = assist_text.get_ai_help()
        super().__init__(_assist_select(placeholder, f"should-ai:assist:{escalation_id}", options))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AssistSelect:
        return cls(escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = self.item.values[0] if self.item.values else ""
        await _handler(interaction).on_assist(
            interaction, escalation_id=self.escalation_id, assist=picked
        )


class MaterialSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]], template=WITH_TEMPLATE
):
    """With my material…: the same assists; the pick opens a form for the owner's material."""

    def __init__(self, *, escalation_id: str, options: Sequence[tuple[str, str]] = ()) -> None:
        self.escalation_id = escalation_id
        placeholder = assist_text.with_material()
        custom_id = f"should-ai:assist-with:{escalation_id}"
        super().__init__(_assist_select(placeholder, custom_id, options))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MaterialSelect:
        return cls(escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = self.item.values[0] if self.item.values else ""
        form = MaterialForm(_handler(interaction), escalation_id=self.escalation_id, assist=picked)
        await claim(interaction, interaction.response.send_modal(form))


class MaterialForm(discord.ui.Modal):
    """The owner's material for one assist (the text to check, notes on the person)."""

    def __init__(self, handler: DiscordAssists, *, escalation_id: str, assist: str) -> None:
        super().__init__(
            title=assist_text.get_ai_help()[:45],
            custom_id=f"should-ai:assist-form:{escalation_id}:{assist}"[:100],
            timeout=900,
        )
        self._handler = handler
        self._escalation_id = escalation_id
        self._assist = assist
        self.material: discord.ui.TextInput[MaterialForm] = discord.ui.TextInput(
            label=assist_text.extra_prompt()[:45],
            style=discord.TextStyle.paragraph,
            placeholder=assist_text.extra_placeholder()[:100],
            required=False,
            max_length=3000,
        )
        self.add_item(self.material)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._handler.on_assist(
            interaction,
            escalation_id=self._escalation_id,
            assist=self._assist,
            extra=self.material.value or "",
        )


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=SHARE_TEMPLATE
):
    """Share with requester, under an answer."""

    def __init__(self, *, answer_id: str) -> None:
        self.answer_id = answer_id
        super().__init__(
            discord.ui.Button(
                label=assist_text.share_button()[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"should-ai:assist-share:{answer_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ShareButton:
        return cls(answer_id=match["answer_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_share(interaction, answer_id=self.answer_id)


ASSIST_ITEMS = (AssistSelect, MaterialSelect, ShareButton)


def with_assists(
    view: discord.ui.View | None, policy: Policy, escalation: Escalation
) -> discord.ui.View | None:
    """``view`` (an escalation's buttons) with the Get AI help select, once someone holds it."""
    offered = assists_offered(policy, escalation)
    if view is None or not offered:
        return view
    options = [(name, assist_text.label(assist)) for name, assist in offered.items()]
    view.add_item(AssistSelect(escalation_id=escalation.id, options=options))
    view.add_item(MaterialSelect(escalation_id=escalation.id, options=options))
    return view


def answer_embed(policy: Policy, answer: AssistAnswer) -> discord.Embed:
    """The answer as its holder sees it: labelled AI help to review."""
    heading = assist_text.answer_heading(
        assist_text.label_of(policy, answer.category, answer.assist)
    )
    embed = render.draft_embed(headline=heading, text=answer.text)
    embed.set_footer(text=assist_text.answer_footer())
    return embed


class DiscordAssists:
    """What the two components call; the answers go to the presser only (ephemeral)."""

    def __init__(self, help_: OwnerHelp, policy: Callable[[], Policy]) -> None:
        self._help = help_
        self._policy = policy

    def attach(self, client: discord.Client) -> None:
        _HANDLERS[client] = self
        client.add_dynamic_items(*ASSIST_ITEMS)

    async def on_assist(
        self,
        interaction: discord.Interaction[Any],
        *,
        escalation_id: str,
        assist: str,
        extra: str = "",
    ) -> None:
        with language(presser_language(interaction)):
            await self._assist(interaction, escalation_id=escalation_id, assist=assist, extra=extra)

    async def _assist(
        self,
        interaction: discord.Interaction[Any],
        *,
        escalation_id: str,
        assist: str,
        extra: str = "",
    ) -> None:
        try:
            if not await claim(
                interaction, interaction.response.defer(ephemeral=True, thinking=True)
            ):
                return
            result = await self._help.ask(
                actor=actor_of(interaction),
                escalation_id=escalation_id,
                assist=assist,
                extra=extra,
                language=current_language(),
            )
            embed, view = self._shown(result)
            await interaction.edit_original_response(embed=embed, view=or_missing(view))
        except Exception:
            log.exception("assist %s on escalation %s failed", assist, escalation_id)
            await tell(interaction, assist_text.went_wrong())

    def _shown(self, result: AssistResult) -> tuple[discord.Embed, discord.ui.View | None]:
        policy = self._policy()
        if result.answer is None:
            text = assist_text.refused(result, policy=policy, mentions=render.MENTIONS)
            return render.notice_embed(text), None
        view = None
        if result.shareable:
            view = discord.ui.View(timeout=None)
            view.add_item(ShareButton(answer_id=result.answer.id))
        return answer_embed(policy, result.answer), view

    async def on_share(self, interaction: discord.Interaction[Any], *, answer_id: str) -> None:
        with language(presser_language(interaction)):
            await self._share(interaction, answer_id=answer_id)

    async def _share(self, interaction: discord.Interaction[Any], *, answer_id: str) -> None:
        try:
            if not await claim(
                interaction, interaction.response.defer(ephemeral=True, thinking=True)
            ):
                return
            result = await self._help.share(actor=actor_of(interaction), answer_id=answer_id)
            embed = render.notice_embed(assist_text.shared(result))
            await interaction.edit_original_response(embed=embed)
        except Exception:
            log.exception("sharing assist answer %s failed", answer_id)
            await tell(interaction, assist_text.went_wrong())


class DiscordAssistShare:
    """:class:`bot.ai.owner_help.AssistShare` on Discord: a DM to the requester."""

    def __init__(self, client: discord.Client, policy: Callable[[], Policy]) -> None:
        self._client = client
        self._policy = policy

    async def share_with_requester(self, *, escalation: Escalation, answer: AssistAnswer) -> None:
        policy = self._policy()
        user_id = platform_user_id(policy, "discord", escalation.requester)
        if not user_id or not user_id.isdigit():
            raise LookupError(f"requester {escalation.requester} has no Discord id")
        head = assist_text.shared_with_requester(answer, policy=policy, mentions=render.MENTIONS)
        embed = render.draft_embed(headline=head, text=answer.text)
        dm = await self._client.create_dm(discord.Object(int(user_id)))
        await dm.send(embed=embed)


async def _claimed(interaction: discord.Interaction[Any]) -> bool:
    """Answer at once with an ephemeral "thinking" message (the LLM may take seconds)."""
    return await claim(interaction, interaction.response.defer(ephemeral=True, thinking=True))


def _handler(interaction: discord.Interaction[Any]) -> DiscordAssists:
    found = _HANDLERS.get(interaction.client)
    if found is None:
        raise LookupError("this client was built without AI help")
    return found
