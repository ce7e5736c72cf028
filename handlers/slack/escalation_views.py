"""Block Kit for acting on an escalation beyond its three buttons (issue 14): the Note… and
Snooze… buttons on an owner's ping, the modals they open (views.open), and the Withdraw button
on the requester's status card. Pure functions, no I/O; the words are
``handlers/common/escalation_text.py``'s."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.escalations.model import Escalation
from handlers.common import escalation_text as words

Block = dict[str, Any]

NOTE_ACTION = "should_ai_note"  # opens the note modal (acknowledge or resolve, with a note)
SNOOZE_ACTION = "should_ai_snooze"  # opens the snooze modal
WITHDRAW_ACTION = "should_ai_withdraw"  # on the status card: the requester takes it back
NOTE_VIEW = "should_ai_note_view"
SNOOZE_VIEW = "should_ai_snooze_view"
SNOOZE_CHOICES = (15, 30, 60, 120, 240)  # minutes
_NOTE_MAX, _OUTCOME_MAX = 1000, 200


def more_buttons(escalation: Escalation) -> list[Block]:
    """Note… and Snooze…, appended to the ping's Acknowledge / Reassign / Resolve."""
    buttons = [_button(words.note_button(), NOTE_ACTION, escalation.id)]
    if escalation.state in ("open", "reassigned", "acknowledged", "snoozed"):
        buttons.append(_button(words.snooze_button(), SNOOZE_ACTION, escalation.id))
    return buttons


def withdraw_block(escalation: Escalation) -> Block:
    """The status card's Withdraw button (with a confirmation), for the requester."""
    button = _button(words.withdraw_button(), WITHDRAW_ACTION, escalation.id)
    button["confirm"] = {
        "title": _plain(words.withdraw_confirm_title()),
        "text": _plain(words.withdraw_confirm_text()),
        "confirm": _plain(words.withdraw_button()),
        "deny": _plain(words.cancel()),
    }
    return {"type": "actions", "block_id": f"should_ai_card:{escalation.id}", "elements": [button]}


@dataclass(frozen=True)
class Pressed:
    """What a modal remembers of the press that opened it: the escalation, and the message
    whose button was pressed (to redraw once the modal is submitted)."""

    escalation_id: str
    channel: str = ""
    ts: str = ""

    def dumps(self) -> str:
        return json.dumps({"e": self.escalation_id, "c": self.channel, "t": self.ts})

    @classmethod
    def loads(cls, raw: str) -> Pressed:
        data = json.loads(raw or "{}")
        return cls(
            escalation_id=str(data.get("e", "")), channel=data.get("c", ""), ts=data.get("t", "")
        )


def note_modal(escalation: Escalation, pressed: Pressed) -> Block:
    """Acknowledge or resolve, with a note and (resolving) an outcome."""
    resolve_first = escalation.state in ("acknowledged",)
    options = [
        _option(words.acknowledge_choice(), "acknowledge"),
        _option(words.resolve_choice(), "resolve"),
    ]
    return {
        "type": "modal",
        "callback_id": NOTE_VIEW,
        "title": _plain(words.note_title()),
        "submit": _plain(words.save()),
        "close": _plain(words.cancel()),
        "private_metadata": pressed.dumps(),
        "blocks": [
            _input(
                "action",
                words.action_label(),
                {
                    "type": "static_select",
                    "action_id": "action",
                    "options": options,
                    "initial_option": options[1 if resolve_first else 0],
                },
            ),
            _input(
                "note",
                words.note_label(),
                {
                    "type": "plain_text_input",
                    "action_id": "note",
                    "multiline": True,
                    "max_length": _NOTE_MAX,
                },
                optional=True,
            ),
            _input(
                "outcome",
                words.outcome_label(),
                {
                    "type": "plain_text_input",
                    "action_id": "outcome",
                    "max_length": _OUTCOME_MAX,
                },
                optional=True,
            ),
        ],
    }


def snooze_modal(pressed: Pressed) -> Block:
    """How long to snooze (bounded by the category's deadline in the core), and a note."""
    options = [_option(words.minutes_choice(m), str(m)) for m in SNOOZE_CHOICES]
    return {
        "type": "modal",
        "callback_id": SNOOZE_VIEW,
        "title": _plain(words.snooze_title()),
        "submit": _plain(words.snooze_button()),
        "close": _plain(words.cancel()),
        "private_metadata": pressed.dumps(),
        "blocks": [
            _input(
                "minutes",
                words.snooze_label(),
                {
                    "type": "static_select",
                    "action_id": "minutes",
                    "options": options,
                    "initial_option": options[1],
                },
            ),
            _input(
                "note",
                words.note_label(),
                {
                    "type": "plain_text_input",
                    "action_id": "note",
                    "max_length": _NOTE_MAX,
                },
                optional=True,
            ),
        ],
    }


def submitted(view: dict[str, Any], block_id: str) -> str:
    """The value a modal's input ``block_id`` was submitted with ("" if left empty)."""
    values = (view.get("state") or {}).get("values") or {}
    field = values.get(block_id, {}).get(block_id) or {}
    if field.get("type") == "static_select":
        return str((field.get("selected_option") or {}).get("value", ""))
    return str(field.get("value") or "")


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }


def _option(text: str, value: str) -> Block:
    return {"text": _plain(text), "value": value}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def _button(label: str, action_id: str, value: str) -> Block:
    return {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
