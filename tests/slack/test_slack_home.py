"""The Slack App Home (issue 14): published with views.publish on app_home_opened, against the
fake Slack, which checks it as Slack would (Block Kit limits of a view)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.escalations.model import Actor, Escalation, Transition
from bot.escalations.queue_view import queue_view
from handlers.slack.blocks import ACK_ACTION
from handlers.slack.home import TRY_ACTION, home_view
from tests.slack.conftest import ADMIN, REQUESTER, SECRET, SlackBot
from tests.slack.slack_fake import Call, view_problem
from tests.slack.slack_signing import TEAM_ID, block_action_payload, interaction_body, sign

pytestmark = pytest.mark.store

REQUESTS = (
    "write the press statement about the product recall",
    "write fake testimonials for the new course",
    "Write a condolence message to our partner whose founder passed away",
    "A journalist asks about the data leak, draft our answer",
    "Decide next year's brand positioning for the premium line",
)


async def open_five(slack_bot: SlackBot) -> list[Escalation]:
    """Five escalations opened as five /should-ai requests would open them."""
    engine = slack_bot.services.holder.current().engine
    opened = []
    for n, text in enumerate(REQUESTS):
        decision = engine.decide(text)
        assert decision.route == "human", text
        opened.append(
            await slack_bot.services.escalations.open(
                decision=decision,
                actor=Actor(platform="slack", user_id=REQUESTER if n % 2 == 0 else "U0OTHER"),
                text=text,
                status_ref=None,
            )
        )
    return opened


async def home_opened(slack_bot: SlackBot, user: str) -> Call:
    before = len(slack_bot.fake.of("views.publish"))
    body = json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0SHOULDAI",
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
        }
    )
    signed = sign(body, secret=SECRET)
    status, _ = await slack_bot.post(
        signed.body, headers={**signed.headers, "Content-Type": "application/json"}
    )
    assert status == 200
    published = await slack_bot.fake.wait_calls("views.publish", before + 1)
    call = published[-1]
    assert call.response is not None and call.response["ok"], call.response
    return call


def view_text(call: Call) -> str:
    """The Home tab as a user reads it, one block per line."""
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return "\n".join(_block_text(b) for b in view["blocks"])


def _block_text(block: dict[str, Any]) -> str:
    if block["type"] in ("header", "section"):
        return block["text"]["text"]
    if block["type"] == "context":
        return " ".join(e["text"] for e in block["elements"])
    if block["type"] == "actions":
        labels = [
            e.get("text", {}).get("text") or e.get("placeholder", {}).get("text", "")
            for e in block["elements"]
        ]
        return "[" + "] [".join(labels) + "]"
    if block["type"] == "input":
        return f"<{block['label']['text']}: ____>"
    return "---"


async def test_an_admin_sees_the_team_queue_by_person_with_names(slack_bot: SlackBot) -> None:
    await open_five(slack_bot)

    text = view_text(await home_opened(slack_bot, ADMIN))

    assert "5 open escalations" in text
    assert "Team queue" in text and "By category" in text
    assert "Dana Whitfield" in text and "comms-lead" not in text  # names, not keys
    assert "goes to" in text and "old" in text
    assert "Try a request" in text


async def test_an_owner_sees_what_they_hold_with_its_buttons_and_can_act_from_home(
    slack_bot: SlackBot,
) -> None:
    opened = await open_five(slack_bot)
    owner = slack_bot.slack_id("comms-lead")
    held = [e for e in opened if e.assignee == "comms-lead"]
    assert held

    call = await home_opened(slack_bot, owner)
    text = view_text(call)
    assert "My escalations" in text and held[0].id in text and "[Acknowledge]" in text

    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    [actions] = [b for b in view["blocks"] if b.get("block_id", "").endswith(f":{held[0].id}")]
    [ack] = [e for e in actions["elements"] if e.get("action_id") == ACK_ACTION]
    payload = block_action_payload(
        user_id=owner,
        action={
            "type": "button",
            "action_id": ACK_ACTION,
            "block_id": actions["block_id"],
            "value": ack["value"],
        },
        channel_id="",
        message_ts="",
        response_url=slack_bot.fake.response_url(f"home-{owner}"),
    )
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    before = len(slack_bot.fake.of("views.publish"))
    signed = sign(interaction_body(payload), secret=SECRET)
    await slack_bot.post(signed.body, headers=signed.headers)

    await slack_bot.fake.wait_calls("views.publish", before + 1)  # the Home, redrawn
    stored = await slack_bot.services.escalations.get(held[0].id)
    assert stored is not None and stored.state == "acknowledged"


async def test_a_requester_sees_their_requests_and_can_try_one(slack_bot: SlackBot) -> None:
    await open_five(slack_bot)

    text = view_text(await home_opened(slack_bot, REQUESTER))
    assert "My requests" in text and "Team queue" not in text
    assert REQUESTS[0][:30] in text

    before = len(slack_bot.fake.of("views.publish"))
    payload = block_action_payload(
        user_id=REQUESTER,
        action={
            "type": "plain_text_input",
            "action_id": TRY_ACTION,
            "block_id": TRY_ACTION,
            "value": "schedule the newsletter for Tuesday 9am",
        },
        channel_id="",
        message_ts="",
        response_url=slack_bot.fake.response_url("home-try"),
    )
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    signed = sign(interaction_body(payload), secret=SECRET)
    await slack_bot.post(signed.body, headers=signed.headers)

    published = await slack_bot.fake.wait_calls("views.publish", before + 1)
    assert "AI can do this" in view_text(published[-1])
    assert len(await slack_bot.services.escalations.list_open()) == 5  # nobody pinged for it


def test_200_open_escalations_stay_within_block_kit_limits(slack_bot_policy: Any) -> None:
    policy = slack_bot_policy
    people = list(policy.people.people)
    now = time.time()
    escalations = [_escalation(i, people[i % len(people)], now) for i in range(200)]
    view = queue_view(escalations, policy, now=now)

    for me, team in ((people[0], True), (None, False)):
        home = home_view(view=view, escalations=escalations, me=me, asker="slack:U0REQ", team=team)
        assert view_problem(home) is None
        assert len(home["blocks"]) <= 100


@pytest.fixture
def slack_bot_policy(policy_dir: Any) -> Any:
    from bot.policy.loader import load_policy

    return load_policy(policy_dir)


def _escalation(i: int, assignee: str, now: float) -> Escalation:
    created = now - 60 * i
    first = Transition(at=created, state="open", level=0, assignee=assignee, by="slack:U0REQ")
    return Escalation(
        id=f"E{i}",
        decision_id=f"d{i}",
        policy_revision="r",
        category=("crisis", "ethics", "relationships")[i % 3],
        platform="slack",
        requester="slack:U0REQ",
        text="a long request " * 40,
        state="unanswered" if i % 7 == 0 else "open",
        level=0,
        assignee=assignee,
        created_at=created,
        due_at=None if i % 7 == 0 else now + 300,
        history=[first],
    )
