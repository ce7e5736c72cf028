"""Note…, Snooze and Withdraw on Discord (issue 14), as components that survive a restart.

The buttons are :class:`discord.ui.DynamicItem` (``should-ai:note:<id>``, ``should-ai:snooze:<id>``,
``should-ai:withdraw:<id>``), like Acknowledge and Resolve. Note… and Snooze open a modal; its
submission is handed to the client's interaction handler with the note, the outcome (a filled-in
outcome resolves, an empty one acknowledges) or the minutes. Withdraw, on the requester's status
card, goes straight to the handler. The modal itself lives in the process that opened it (Discord
sends its submission back to the same interaction flow within seconds)."""

from __future__ import annotations

import re
from typing import Any, Literal

import discord

from bot.escalations.model import Escalation
from handlers.common import escalation_text as words
from handlers.common.i18n import language
from handlers.discord.components import ID, handler_of
from handlers.discord.replies import presser_language

MoreOp = Literal["note", "snooze", "withdraw"]
MORE_TEMPLATE = re.compile(rf"should-ai:(?P<op>note|snooze|withdraw):{ID}")
SNOOZE_DEFAULT_MINUTES = "30"
_MORE_ROW = 2  # under Acknowledge / Resolve (row 0) and the Reassign picker (row 1)


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=MORE_TEMPLATE
):
    """Note… or Snooze on a ping; Withdraw on a status card."""

    def __init__(self, *, op: MoreOp, escalation_id: str) -> None:
        self.op: MoreOp = op
        self.escalation_id = escalation_id
        label = {
            "note": words.note_button,
            "snooze": words.snooze_button,
            "withdraw": words.withdraw_button,
        }[op]()
        style = discord.ButtonStyle.danger if op == "withdraw" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=f"should-ai:{op}:{escalation_id}",
                row=None if op == "withdraw" else _MORE_ROW,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MoreButton:
        op: MoreOp = match["op"]  # type: ignore[assignment]
        return cls(op=op, escalation_id=match["escalation_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.op == "withdraw":
            await handler_of(interaction.client).on_action(
                interaction, escalation_id=self.escalation_id, action="withdraw"
            )
            return
        with language(presser_language(interaction)):
            modal = (
                NoteModal(self.escalation_id)
                if self.op == "note"
                else SnoozeModal(self.escalation_id)
            )
        await interaction.response.send_modal(modal)


class NoteModal(discord.ui.Modal):
    """A note, and an outcome: filled in, the escalation is resolved; empty, acknowledged."""

    def __init__(self, escalation_id: str) -> None:
        super().__init__(
            title=words.note_title(), custom_id=f"should-ai:note-modal:{escalation_id}"
        )
        self.escalation_id = escalation_id
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            label=words.note_label(),
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=1000,
            custom_id="note",
        )
        self.outcome: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            label=words.outcome_label(), required=False, max_length=200, custom_id="outcome"
        )
        self.add_item(self.note)
        self.add_item(self.outcome)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        outcome = self.outcome.value.strip()
        await handler_of(interaction.client).on_action(
            interaction,
            escalation_id=self.escalation_id,
            action="resolve" if outcome else "acknowledge",
            comment=self.note.value,
            outcome=outcome,
        )


class SnoozeModal(discord.ui.Modal):
    """How many minutes to snooze (the core bounds it by the category's deadline)."""

    def __init__(self, escalation_id: str) -> None:
        super().__init__(
            title=words.snooze_title(), custom_id=f"should-ai:snooze-modal:{escalation_id}"
        )
        self.escalation_id = escalation_id
        self.minutes: discord.ui.TextInput[SnoozeModal] = discord.ui.TextInput(
            label=words.snooze_minutes_label(),
            default=SNOOZE_DEFAULT_MINUTES,
            max_length=4,
            custom_id="minutes",
        )
        self.add_item(self.minutes)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        try:
            minutes: float | None = float(self.minutes.value)
        except ValueError:
            minutes = None  # the core's default
        await handler_of(interaction.client).on_action(
            interaction, escalation_id=self.escalation_id, action="snooze", minutes=minutes
        )


def more_items(escalation: Escalation) -> list[MoreButton]:
    """Note… and Snooze, added to a ping's buttons."""
    items = [MoreButton(op="note", escalation_id=escalation.id)]
    if escalation.state in ("open", "reassigned", "acknowledged", "snoozed"):
        items.append(MoreButton(op="snooze", escalation_id=escalation.id))
    return items


def card_view(escalation: Escalation) -> discord.ui.View | None:
    """The requester's status card's Withdraw button, until the escalation is resolved."""
    if escalation.state == "resolved":
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(MoreButton(op="withdraw", escalation_id=escalation.id))
    return view


MAX_QUEUE_ROWS = 5  # Discord's rows per message


def queue_components(escalations: list[Escalation]) -> discord.ui.View | None:
    """Under ``/should-ai queue`` or ``mine``: one row per escalation that still needs an
    answer (at most five, most urgent first as the text lists them), with Acknowledge, Resolve,
    Note… and Snooze, each labelled with the escalation's id."""
    from handlers.discord.components import ActionButton  # components imports this module

    waiting = [e for e in escalations if e.state != "acknowledged"][:MAX_QUEUE_ROWS]
    if not waiting:
        return None
    view = discord.ui.View(timeout=None)
    for row, escalation in enumerate(waiting):
        for action in ("acknowledge", "resolve"):
            acting = ActionButton(action=action, escalation_id=escalation.id)
            acting.item.label = f"{acting.item.label} {escalation.id}"[:80]
            acting.row = row
            view.add_item(acting)
        for more in more_items(escalation):
            more.row = row
            view.add_item(more)
    return view
