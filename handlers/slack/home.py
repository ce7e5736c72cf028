"""The Slack App Home (issue 14), published with views.publish when a user opens the Home tab
(``app_home_opened``) and again after they act from it.

- *My escalations*: what the user holds now, each with its buttons (the ping's own
  Acknowledge / Reassign / Resolve / Note… / Snooze, handled by the same listeners);
- *My requests*: what they asked for, where each stands;
- *Team queue* (admins, and anyone who owns or backs up a category): grouped by person, then a
  line per category, unanswered first;
- a box to try a request: the verdict and why, nobody pinged.

A view holds at most 100 blocks and a section 3000 characters: every list is capped and says how
many more there are, so 200 open escalations publish as well as 5.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from bot.escalations.model import Actor, Escalation
from bot.escalations.people import actor_key, person_for
from bot.escalations.queue_view import Holder, QueueItem, QueueView, queue_view
from bot.policy.model import Policy
from handlers.common import home_text as words
from handlers.common.i18n import DEFAULT_LANGUAGE, language
from handlers.common.queue_text import item_line, summary_line
from handlers.common.replies import reply_text
from handlers.slack import blocks
from handlers.slack.blocks import Block

log = logging.getLogger(__name__)

TRY_ACTION = "should_ai_home_try"
MAX_MINE = 10  # escalations with their buttons: 2 blocks each
MAX_ASKED = 10  # lines in the one "My requests" section
MAX_GROUPS = 15  # people (or channels) in the team queue, one section each
PER_GROUP = 3  # lines per person in the team queue


def home_view(
    *,
    view: QueueView,
    escalations: Sequence[Escalation],
    me: str | None,
    asker: str,
    team: bool,
    tried: str = "",
) -> dict[str, Any]:
    """The Home tab of the user whose person key is ``me`` (None if not in people.yaml) and
    whose requester key is ``asker``; ``team``: they see the team queue."""
    by_id = {e.id: e for e in escalations}
    out: list[Block] = [_header(words.home_title()), blocks.section(summary_line(view))]
    out += _mine(view.held_by(me) if me else (), by_id)
    out += _asked(view.asked_by(asker))
    if team:
        out += _team(view)
    out += _try_box(tried)
    return {"type": "home", "blocks": out}


def _mine(items: Sequence[QueueItem], by_id: dict[str, Escalation]) -> list[Block]:
    out = [_header(words.my_escalations())]
    if not items:
        return [*out, blocks.section(words.nothing_held())]
    for item in items[:MAX_MINE]:
        out.append(blocks.section(_line(item, holder=False)))
        if (escalation := by_id.get(item.id)) is not None:
            out.append(blocks.escalation_actions(escalation))
    if len(items) > MAX_MINE:
        out.append(_context(words.more_items(len(items) - MAX_MINE)))
    return out


def _asked(items: Sequence[QueueItem]) -> list[Block]:
    out = [_header(words.my_requests())]
    if not items:
        return [*out, blocks.section(words.nothing_asked())]
    lines = [f"• {_line(i)}" for i in items[:MAX_ASKED]]
    if len(items) > MAX_ASKED:
        lines.append(words.more_items(len(items) - MAX_ASKED))
    return [*out, blocks.section("\n".join(lines))]


def _team(view: QueueView) -> list[Block]:
    out = [_header(words.team_queue())]
    if not view.items:
        return [*out, blocks.section(words.nothing_open())]
    for group in view.by_person[:MAX_GROUPS]:
        head = words.group_head(_name(group.items[0].holder), len(group.items), group.unanswered)
        lines = [f"• {_line(i, holder=False)}" for i in group.items[:PER_GROUP]]
        if len(group.items) > PER_GROUP:
            lines.append(words.more_items(len(group.items) - PER_GROUP))
        out.append(blocks.section("\n".join([head, *lines])))
    if len(view.by_person) > MAX_GROUPS:
        out.append(_context(words.more_people(len(view.by_person) - MAX_GROUPS)))
    cats = " · ".join(
        words.group_head(g.title, len(g.items), g.unanswered) for g in view.by_category
    )
    out.append(blocks.section(f"*{words.by_category()}*\n{cats}"))
    return out


def _try_box(tried: str) -> list[Block]:
    out: list[Block] = [
        {"type": "divider"},
        {
            "type": "input",
            "block_id": TRY_ACTION,
            "dispatch_action": True,
            "label": {"type": "plain_text", "text": words.try_label()},
            "element": {
                "type": "plain_text_input",
                "action_id": TRY_ACTION,
                "placeholder": {"type": "plain_text", "text": words.try_placeholder()},
                "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
            },
        },
        _context(words.try_hint()),
    ]
    if tried:
        out.append(blocks.section(tried))
    return out


def _line(item: QueueItem, *, holder: bool = True) -> str:
    """One escalation in mrkdwn: the request and the names escaped, Slack users mentioned."""
    icon = ":warning: " if item.unanswered else ""
    safe = replace(item, text=blocks.escape(item.text))
    return icon + item_line(safe, _name, holder=holder)


def _name(who: Holder) -> str:
    if who.kind == "channel":
        return f"#{blocks.escape(who.key)}"
    if who.name:
        return blocks.escape(who.name)
    if who.key.startswith("slack:") and who.user_id:
        return blocks.mention(who.user_id)  # Slack shows their name
    return blocks.escape(who.key)


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


class AppHome:
    """Publishes each user's Home tab from the core's open escalations."""

    def __init__(
        self, core: Core, *, language_of: Callable[[str], Awaitable[str]] | None = None
    ) -> None:
        self._core = core
        self._language_of = language_of  # a Slack user id -> the language their Home is in

    async def _language(self, user_id: str) -> str:
        return DEFAULT_LANGUAGE if self._language_of is None else await self._language_of(user_id)

    def sees_team(self, policy: Policy, actor: Actor) -> bool:
        """Admins, and the people who own or back up a category (the leads)."""
        if self._core.admins.includes(actor):
            return True
        me = person_for(policy, actor)
        return me is not None and any(me in (c.owner, c.backup) for c in policy.categories.values())

    async def publish(self, client: AsyncWebClient, user_id: str, *, tried: str = "") -> None:
        policy = self._core.policy()
        actor = Actor(platform="slack", user_id=user_id)
        escalations = await self._core.open_escalations()
        with language(await self._language(user_id)):
            view = home_view(
                view=queue_view(escalations, policy, now=time.time()),
                escalations=escalations,
                me=person_for(policy, actor),
                asker=actor_key(policy, actor),
                team=self.sees_team(policy, actor),
                tried=tried,
            )
        await client.views_publish(user_id=user_id, view=view)

    async def on_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            await self.publish(client, str(event["user"]))

    async def on_try(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        text = str(action.get("value") or "").strip()
        answer = ""
        if text:
            reply = await self._core.commands.handle(
                actor=Actor(platform="slack", user_id=user),
                text=f"why {text}",
                dedupe_key=f"home-try:{user}:{action.get('action_ts', time.time())}",
            )
            with language(await self._language(user)):
                said = reply_text(reply, self._core.policy())
                answer = f"{words.tried(blocks.escape(text))}\n{blocks.escape(said)}"
        await self.publish(client, user, tried=answer)


def register_home(app: AsyncApp, home: AppHome, *, ack: Any) -> None:
    app.event("app_home_opened")(ack=ack, lazy=[home.on_opened])
    app.action(TRY_ACTION)(ack=ack, lazy=[home.on_try])
