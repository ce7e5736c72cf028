"""The Block Kit of feedback on Slack: the "Wrong call?" button under a verdict, "Not for me"
on a ping, the shadow-mode note, and the form a press opens."""

from __future__ import annotations

import json
from typing import Any

from bot.escalations.model import Escalation
from bot.intake.commands import Reply
from bot.policy.model import Policy
from handlers.common import feedback_text as words

Block = dict[str, Any]

WRONG_CALL_ACTION = "should_ai_wrong_call"
NOT_FOR_ME_ACTION = "should_ai_not_for_me"
FEEDBACK_VIEW = "should_ai_feedback"
CATEGORY_BLOCK, NOTE_BLOCK, CONSENT_BLOCK = "feedback_category", "feedback_note", "feedback_consent"
PICK, NOTE, CONSENT = "pick", "note", "consent"


def verdict_extras(reply: Reply, policy: Policy) -> list[Block]:
    """Under a verdict: the shadow-mode note (if it answered) and the "Wrong call?" button."""
    decision = reply.decision
    if reply.kind != "decision" or decision is None:
        return []
    extras: list[Block] = []
    if reply.intake is not None and reply.intake.would_have is not None:
        note = words.shadow_note(reply.intake.would_have, policy)
        extras.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    button = _button(words.wrong_call_label(), WRONG_CALL_ACTION, decision.decision_id)
    extras.append({"type": "actions", "block_id": "should_ai_feedback", "elements": [button]})
    return extras


def not_for_me_block(escalation: Escalation) -> Block:
    """On an owner's ping: "not for me" says the call was wrong, in the same form. A section's
    accessory, so the escalation's own actions block stays the ping's last block."""
    button = _button(words.not_for_me_label(), NOT_FOR_ME_ACTION, escalation.decision_id)
    text = {"type": "mrkdwn", "text": words.not_for_me_hint()}
    return {
        "type": "section",
        "block_id": f"should_ai_nfm:{escalation.id}",
        "text": text,
        "accessory": button,
    }


def _button(label: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def feedback_view(policy: Policy, *, decision_id: str, kind: str, requester: bool) -> Block:
    """The modal: the right category (its route follows), a note, and the requester's consent."""
    options = [
        {
            "text": {"type": "plain_text", "text": words.choice_label(policy, name)[:75]},
            "value": name,
        }
        for name in policy.categories
    ]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": CATEGORY_BLOCK,
            "label": {"type": "plain_text", "text": words.category_field()},
            "element": {"type": "static_select", "action_id": PICK, "options": options},
        },
        {
            "type": "input",
            "block_id": NOTE_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": words.note_field()},
            "element": {"type": "plain_text_input", "action_id": NOTE, "multiline": True},
        },
    ]
    if requester:
        consent = {"text": {"type": "plain_text", "text": words.consent_label()}, "value": "yes"}
        blocks.append(
            {
                "type": "input",
                "block_id": CONSENT_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": " "},
                "element": {"type": "checkboxes", "action_id": CONSENT, "options": [consent]},
            }
        )
    return {
        "type": "modal",
        "callback_id": FEEDBACK_VIEW,
        "private_metadata": json.dumps({"decision_id": decision_id, "kind": kind}),
        "title": {"type": "plain_text", "text": words.wrong_call_label()[:24]},
        "submit": {"type": "plain_text", "text": "OK"},
        "blocks": blocks,
    }


def submitted(view: dict[str, Any]) -> tuple[str, str, str, str, bool]:
    """(decision id, kind, category, note, consent) from a submitted feedback view."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    pick = (values.get(CATEGORY_BLOCK) or {}).get(PICK) or {}
    category = str((pick.get("selected_option") or {}).get("value", ""))
    note = str(((values.get(NOTE_BLOCK) or {}).get(NOTE) or {}).get("value") or "")
    ticked = ((values.get(CONSENT_BLOCK) or {}).get(CONSENT) or {}).get("selected_options") or []
    return str(meta.get("decision_id", "")), str(meta.get("kind", "")), category, note, bool(ticked)
