"""`should-ai escalations list` (reached through bot.app, the one module of bot/ that may
import an edge): the queue read model (bot/escalations/queue_view.py) printed
for an admin: names, not keys; unanswered first; age and time to the next climb; ``--assignee``
takes a person's name (or key); ``--by person|category`` groups it."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from handlers.common.queue_text import item_line, nobody_called, plain_name, queue_text

EXIT_OK, EXIT_FAILED = 0, 1

if TYPE_CHECKING:
    from bot.escalations.model import Escalation
    from bot.settings import Settings


def print_queue(
    found: list[Escalation],
    settings: Settings,
    *,
    assignee: str | None,
    by: str | None,
    as_json: bool,
) -> int:
    from bot.escalations.queue_view import find_person, queue_view
    from bot.policy.loader import load_policy

    policy = load_policy(settings.policy_dir)
    if assignee:
        key = find_person(policy, assignee) or assignee
        if key not in policy.people.people and not any(e.assignee == key for e in found):
            print(nobody_called(assignee), file=sys.stderr)
            return EXIT_FAILED
        found = [e for e in found if e.assignee == key]
    if as_json:
        for e in found:
            print(e.model_dump_json())
        return EXIT_OK
    view = queue_view(found, policy, now=time.time())
    if not view.items:
        print("No open escalations.")
    elif by == "person":
        print(queue_text(view))
    elif by == "category":
        for group in view.by_category:
            print(f"{group.title} ({len(group.items)})")
            for item in group.items:
                print(f"  {item_line(item, plain_name)}")
    else:
        for item in view.items:
            print(item_line(item, plain_name))
    return EXIT_OK
