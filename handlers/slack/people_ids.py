"""People given by email in people.yaml get their Slack id at start-up (users.lookupByEmail),
so admins need not copy member ids by hand (issue 14). An email Slack does not know is logged
as a warning naming the file and key; that person is then skipped by the climb on Slack, as a
person without a Slack id always was."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.policy.model import Policy

log = logging.getLogger(__name__)


async def slack_ids_by_email(client: AsyncWebClient, policy: Policy) -> dict[str, str]:
    """email -> Slack user id, for every person given by email and no Slack id."""
    found: dict[str, str] = {}
    for key, person in policy.people.people.items():
        if person.slack or not person.email:
            continue
        try:
            response = await client.users_lookupByEmail(email=person.email)
        except SlackApiError as e:
            log.warning(
                "people.yaml: people.%s.email: Slack has no user %s (%s); they cannot be "
                "pinged on Slack",
                key,
                person.email,
                e.response.get("error"),
            )
            continue
        user = response.get("user") or {}
        if user.get("id"):
            found[person.email.lower()] = str(user["id"])
    if found:
        log.info("resolved %d Slack id(s) from people.yaml emails", len(found))
    return found
