"""Block Kit for AI help on Slack (issue 19): the "Get AI help" buttons under an acknowledged
ping, and the answer its holder alone sees. Pure functions, no I/O."""

from __future__ import annotations

from bot.ai.owner_help import AssistAnswer, assists_offered
from bot.escalations.model import Escalation
from bot.policy.model import Policy
from handlers.common import assist_text
from handlers.slack import blocks

ASSIST_ACTION_PREFIX = "should_ai_assist:"  # + the assist's name; the value is the escalation id
SHARE_ACTION = "should_ai_assist_share"  # the value is the answer id
MATERIAL_ACTION = "should_ai_assist_material"  # opens the form; the value is the escalation id
MATERIAL_VIEW = "should_ai_assist_form"  # the form's callback id
PICK_BLOCK, PICK_ACTION = "assist", "pick"
MATERIAL_BLOCK, MATERIAL_INPUT = "material", "text"
ASSIST_BLOCK_PREFIX = "should_ai_assists:"


def assist_blocks(policy: Policy, escalation: Escalation) -> list[blocks.Block]:
    """Under an acknowledged ping: "Get AI help" and one button per assist of its category."""
    offered = assists_offered(policy, escalation)
    if not offered:
        return []
    category = policy.categories.get(escalation.category)
    label = category.label if category is not None else escalation.category
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": assist_text.label(assist)[:75]},
            "action_id": ASSIST_ACTION_PREFIX + name,
            "value": escalation.id,
        }
        for name, assist in offered.items()
    ]
    buttons.append(
        {
            "type": "button",
            "text": {"type": "plain_text", "text": assist_text.with_material()[:75]},
            "action_id": MATERIAL_ACTION,
            "value": escalation.id,
        }
    )
    return [
        blocks.section(f":sparkles: *{assist_text.get_ai_help()}*\n{assist_text.offer(label)}"),
        {
            "type": "actions",
            "block_id": f"{ASSIST_BLOCK_PREFIX}{escalation.id}",
            "elements": buttons,
        },
    ]


def answer_blocks(policy: Policy, answer: AssistAnswer, *, shareable: bool) -> list[blocks.Block]:
    """The answer as its holder sees it: labelled AI help to review, with Share with requester."""
    about = assist_text.label_of(policy, answer.category, answer.assist)
    heading = assist_text.answer_heading(about)
    shown = [
        blocks.section(f":robot_face: *{blocks.escape(heading)}*"),
        blocks.section(blocks.quiet(answer.text)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": assist_text.answer_footer()}]},
    ]
    if shareable:
        share = {
            "type": "button",
            "text": {"type": "plain_text", "text": assist_text.share_button()},
            "action_id": SHARE_ACTION,
            "value": answer.id,
        }
        shown.append({"type": "actions", "elements": [share]})
    return shown


def material_form(
    policy: Policy, escalation: Escalation, *, private_metadata: str
) -> dict[str, object]:
    """The modal where the holder picks an assist and pastes material for it (the text to
    check, notes on the person); ``private_metadata`` says where to answer."""
    options = [
        {
            "text": {"type": "plain_text", "text": assist_text.label(assist)[:75]},
            "value": name,
        }
        for name, assist in assists_offered(policy, escalation).items()
    ]
    return {
        "type": "modal",
        "callback_id": MATERIAL_VIEW,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": assist_text.get_ai_help()[:24]},
        "submit": {"type": "plain_text", "text": assist_text.ask_button()[:24]},
        "blocks": [
            {
                "type": "input",
                "block_id": PICK_BLOCK,
                "label": {"type": "plain_text", "text": assist_text.get_ai_help()},
                "element": {"type": "static_select", "action_id": PICK_ACTION, "options": options},
            },
            {
                "type": "input",
                "block_id": MATERIAL_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": assist_text.extra_prompt()},
                "element": {
                    "type": "plain_text_input",
                    "action_id": MATERIAL_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                    "placeholder": {"type": "plain_text", "text": assist_text.extra_placeholder()},
                },
            },
        ],
    }
