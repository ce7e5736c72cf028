"""What ``policy validate`` and start-up warn about in people.yaml (issue 14): ids left as the
shipped placeholders, ids that cannot be a Slack or Discord id, people nobody can reach.

Warnings, not errors: a team may try the bot on the console before it has real ids. Each names
the file and the key, as the loader's errors do. Pure: no Slack call (start-up resolves emails
and says which it could not find: ``handlers/slack/people_ids.py``).
"""

from __future__ import annotations

import re

from bot.policy.model import Person, Policy

_SLACK_ID = re.compile(r"[UW][A-Z0-9]{6,}")
_DISCORD_ID = re.compile(r"\d{15,21}")
_PLACEHOLDER = re.compile(r"placeholder|example|changeme|xxx|todo", re.IGNORECASE)
# The shipped people.yaml's Discord ids: 1000...0001 to 1000...0006 are nobody's.
_FAKE_DISCORD = re.compile(r"[12]0{10,}\d{1,3}")


def people_warnings(policy: Policy) -> list[str]:
    """Every warning about people.yaml's people and channels, in file order."""
    found: list[str] = []
    for key, person in policy.people.people.items():
        found += _person_warnings(key, person)
    for key, channel in policy.people.channels.items():
        where = f"people.yaml: channels.{key}"
        found += _id_warnings(where, channel.slack, channel.discord, slack_prefix="CG")
    return found


def _person_warnings(key: str, person: Person) -> list[str]:
    where = f"people.yaml: people.{key}"
    found = _id_warnings(where, person.slack, person.discord, slack_prefix="UW")
    if person.email and ("@" not in person.email or _PLACEHOLDER.search(person.email)):
        found.append(f"{where}.email: {person.email!r} does not look like a real email")
    if not (person.slack or person.email or person.discord):
        found.append(f"{where}: no slack, email or discord: nobody can ping {person.name}")
    return found


def _id_warnings(
    where: str, slack: str | None, discord: str | None, *, slack_prefix: str
) -> list[str]:
    found = []
    if slack is not None and (
        _PLACEHOLDER.search(slack) or not re.fullmatch(f"[{slack_prefix}][A-Z0-9]{{6,}}", slack)
    ):
        found.append(f"{where}.slack: {slack!r} is a placeholder or not a Slack id")
    if discord is not None and (
        not _DISCORD_ID.fullmatch(discord) or _FAKE_DISCORD.fullmatch(discord)
    ):
        found.append(f"{where}.discord: {discord!r} is a placeholder or not a Discord id")
    return found


def with_slack_ids(policy: Policy, ids: dict[str, str]) -> Policy:
    """``policy`` with the Slack id of each person given by email (``ids``: email -> id) filled
    in where people.yaml gives none."""
    people = {
        key: (
            person.model_copy(update={"slack": ids[person.email.lower()]})
            if person.slack is None and person.email and person.email.lower() in ids
            else person
        )
        for key, person in policy.people.people.items()
    }
    if people == policy.people.people:
        return policy
    return policy.model_copy(update={"people": policy.people.model_copy(update={"people": people})})
