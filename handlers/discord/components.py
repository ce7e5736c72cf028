"""Acknowledge / Reassign / Resolve, as components that keep working after a restart.

Each component is a :class:`discord.ui.DynamicItem`: its ``custom_id`` carries the action and
the escalation id (``should-ai:ack:<id>``), and the client registers the classes at start-up,
so a button on a DM sent by a previous process (or another replica) still dispatches here.
Nothing lives in memory per message. The callback hands the press to the client's
:class:`InteractionHandler`; the escalation service decides who may press what.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol, get_args

import discord

from bot.core.outcomes import AiOp
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Escalation
from handlers.common.i18n import _
from handlers.discord.feedback import NotForMeButton

ID = r"(?P<escalation_id>[A-Za-z0-9_.:-]{1,80})"
ACTION_TEMPLATE = re.compile(rf"should-ai:(?P<action>ack|resolve):{ID}")
REASSIGN_TEMPLATE = re.compile(rf"should-ai:reassign:{ID}")
REASSIGN_TO_TEMPLATE = re.compile(rf"should-ai:reassign-to:{ID}")
AI_OPS: dict[str, AiOp] = {op: op for op in get_args(AiOp)}
AI_TEMPLATE = re.compile(
    rf"should-ai:ai:(?P<op>{'|'.join(AI_OPS)}):(?P<ref>[A-Za-z0-9_.:-]{{1,80}})"
)

_SHORT = {"acknowledge": "ack", "resolve": "resolve"}
_LONG: dict[str, Action] = {"ack": "acknowledge", "resolve": "resolve"}


def _label(action: str) -> str:
    return _("Acknowledge") if action == "acknowledge" else _("Resolve")


_STYLE = {"acknowledge": discord.ButtonStyle.primary, "resolve": discord.ButtonStyle.success}


class InteractionHandler(Protocol):
    """What the Discord client calls with each interaction it parsed (see handlers.py)."""

    async def on_request(self, interaction: discord.Interaction[Any], text: str) -> None: ...

    async def on_action(
        self,
        interaction: discord.Interaction[Any],
        *,
        escalation_id: str,
        action: Action,
        target_user_id: str | None = None,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> None: ...

    async def on_ai(self, interaction: discord.Interaction[Any], *, op: AiOp, ref: str) -> None: ...


class HandlerMissing(ShouldAiError):
    """An interaction reached a client that was built without a should-ai handler."""


def handler_of(client: discord.Client) -> InteractionHandler:
    handler: InteractionHandler | None = getattr(client, "should_ai", None)
    if handler is None:
        raise HandlerMissing(f"{type(client).__name__} has no should-ai interaction handler")
    return handler


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=ACTION_TEMPLATE
):
    """Acknowledge or Resolve one escalation."""

    def __init__(self, *, action: Action, escalation_id: str) -> None:
        self.action: Action = action
        self.escalation_id = escalation_id
        super().__init__(
            discord.ui.Button(
                label=_label(action),
                style=_STYLE[action],
                custom_id=f"should-ai:{_SHORT[action]}:{escalation_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        return cls(action=_LONG[match["action"]], escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction.client).on_action(
            interaction, escalation_id=self.escalation_id, action=self.action
        )


class ReassignSelect(
    discord.ui.DynamicItem[discord.ui.UserSelect[discord.ui.View]], template=REASSIGN_TEMPLATE
):
    """Pick the person the escalation should go to instead."""

    def __init__(self, *, escalation_id: str) -> None:
        self.escalation_id = escalation_id
        super().__init__(
            discord.ui.UserSelect(
                placeholder=_("Reassign to…"),
                custom_id=f"should-ai:reassign:{escalation_id}",
                min_values=1,
                max_values=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReassignSelect:
        return cls(escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = self.item.values[0] if self.item.values else None
        await handler_of(interaction.client).on_action(
            interaction,
            escalation_id=self.escalation_id,
            action="reassign",
            target_user_id=str(picked.id) if picked else None,
        )


class AiButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=AI_TEMPLATE):
    """A button on AI work: a draft (use, again, discard), a proposed post (confirm, cancel) or
    a scheduled post (unschedule). ``ref`` is the draft, pending or post id."""

    def __init__(self, *, op: AiOp, ref: str, label: str, style: discord.ButtonStyle) -> None:
        self.op = op
        self.ref = ref
        super().__init__(
            discord.ui.Button(label=label[:80], style=style, custom_id=f"should-ai:ai:{op}:{ref}")
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AiButton:
        label = getattr(item, "label", None) or match["op"]
        op = AI_OPS[match["op"]]
        return cls(op=op, ref=match["ref"], label=label, style=discord.ButtonStyle.grey)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction.client).on_ai(interaction, op=self.op, ref=self.ref)


class ReassignToSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]], template=REASSIGN_TO_TEMPLATE
):
    """Pick the person from people.yaml. Used in DMs, where Discord's user picker has no server
    to list members from; each option's value is the person's Discord user id."""

    def __init__(self, *, escalation_id: str, people: Sequence[tuple[str, str]] = ()) -> None:
        self.escalation_id = escalation_id
        options = [discord.SelectOption(label=name[:100], value=uid) for name, uid in people]
        super().__init__(
            discord.ui.Select(
                placeholder=_("Reassign to…"),
                custom_id=f"should-ai:reassign-to:{escalation_id}",
                options=options[:25],  # Discord's limit per select
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReassignToSelect:
        return cls(escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = self.item.values[0] if self.item.values else None
        await handler_of(interaction.client).on_action(
            interaction, escalation_id=self.escalation_id, action="reassign", target_user_id=picked
        )


DYNAMIC_ITEMS = (ActionButton, ReassignSelect, ReassignToSelect, AiButton)


def draft_view(draft_id: str) -> discord.ui.View:
    """Use it / Regenerate / Discard under a draft."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        AiButton(op="use", ref=draft_id, label=_("Use it"), style=discord.ButtonStyle.success)
    )
    view.add_item(
        AiButton(op="again", ref=draft_id, label=_("Regenerate"), style=discord.ButtonStyle.primary)
    )
    view.add_item(
        AiButton(
            op="discard", ref=draft_id, label=_("Discard"), style=discord.ButtonStyle.secondary
        )
    )
    return view


def confirm_view(pending_id: str) -> discord.ui.View:
    """Confirm / Cancel under a post proposed for scheduling."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        AiButton(
            op="confirm", ref=pending_id, label=_("Confirm"), style=discord.ButtonStyle.success
        )
    )
    view.add_item(
        AiButton(
            op="cancel", ref=pending_id, label=_("Cancel"), style=discord.ButtonStyle.secondary
        )
    )
    return view


def scheduled_view(post_ids: list[tuple[str, str]]) -> discord.ui.View | None:
    """One Cancel button per scheduled post (label, id); Discord shows at most 25 buttons."""
    if not post_ids:
        return None
    view = discord.ui.View(timeout=None)
    for label, post_id in post_ids[:25]:
        view.add_item(
            AiButton(
                op="unschedule",
                ref=post_id,
                label=_("Cancel {post}").format(post=label),
                style=discord.ButtonStyle.danger,
            )
        )
    return view


def escalation_view(
    escalation: Escalation, *, people: Sequence[tuple[str, str]] | None = None
) -> discord.ui.View | None:
    """The buttons an escalation shows in its current state; None once it is resolved.

    ``people`` (name, Discord id) turns the Reassign picker into a list of those people, for a
    DM; without it, Discord's user picker lists the server's members (a channel post).
    """
    if escalation.state == "resolved":
        return None
    view = discord.ui.View(timeout=None)  # nothing held in memory: the items are dynamic
    if escalation.state in ("open", "reassigned"):
        view.add_item(ActionButton(action="acknowledge", escalation_id=escalation.id))
    view.add_item(ActionButton(action="resolve", escalation_id=escalation.id))
    view.add_item(NotForMeButton(decision_id=escalation.decision_id, escalation_id=escalation.id))
    if people is None:
        view.add_item(ReassignSelect(escalation_id=escalation.id))
    elif people:
        view.add_item(ReassignToSelect(escalation_id=escalation.id, people=people))
    from handlers.discord.escalation_modals import more_items  # it imports this module

    for item in more_items(escalation):
        view.add_item(item)
    return view
