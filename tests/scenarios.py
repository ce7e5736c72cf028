"""One scenario table both chat adapters drive, so one policy behaves the same on Slack and Discord.

Each row is a request a marketer types, what the default policy under ``policies/`` must decide
for it, and how its escalation must unfold. The Slack tests (tests/slack/) and the Discord tests
(tests/discord/) both run every row through their platform's real SDK code against a local fake
of the platform, and assert on what the fake received.

Escalation steps, in order (an empty tuple means the request goes to AI and nobody is pinged):

- ``"dm owner"``          the category's owner gets a DM with Acknowledge / Reassign / Resolve;
- ``"dm refused->backup"`` the owner cannot be DMed, so the backup is DMed at once instead;
- ``"ack"``               the person pinged presses Acknowledge; the status card says so;
- ``"resolve"``           the person pinged presses Resolve; the status card says so;
- ``"timeout->backup"``   nobody acknowledged in time: the backup is DMed;
- ``"timeout->channel"``  still nobody: the category's channel gets the escalation;
- ``"ack with note"``     the person pinged acknowledges through the Note… modal, with a note;
- ``"resolve with outcome"`` they resolve through the Note… modal, with a note and an outcome;
- ``"snooze"``            the person pinged snoozes it (Snooze modal); nobody is pinged now;
- ``"snooze over"``       the snooze's timer fires: the same person is DMed again;
- ``"withdraw"``          the requester withdraws it from their status card;
- ``"owner away"``        before the request, the owner types ``/should-ai away until <date>``;
- ``"owner off hours"``   before the request, the owner's working hours (people.yaml) are set
  to a day that starts hours from now, and the policy reloaded;
- ``"skipped->backup"``   the owner is skipped (away, or off hours when urgent): the backup is
  DMed at once and the status card says who was skipped;
- ``"waits for hours"``   (low urgency, owner off hours) nobody is DMed; the card says so;
- ``"hours start->owner"`` the wait's timer fires when the working hours start: the owner is DMed;
- ``"owner by email"``    before the request, people.yaml gives the owner by email instead of a
  Slack id; start-up looks it up (users.lookupByEmail) and the DM goes to that id.

AI help for the owner (issue 19); a row with ``llm=True`` runs with the real ``openai`` client
against tests/ai/fake_llm.py, any other row with no LLM configured:

- ``"no assist before ack"``      the ping offers no AI help and the fake LLM has received nothing;
- ``"assist by requester refused"`` / ``"assist by stranger refused"``  they press the holder's
  assist: refused, and nothing reaches the fake LLM;
- ``"assist checklist"``          the holder presses *Best-practice checklist*: the fake LLM gets
  it once, its answer reaches the holder only (labelled AI help to review), and the decision log
  holds one assist entry;
- ``"share"``                     the holder presses Share with requester: the requester gets it;
- ``"assist explains no llm"``    (no LLM) the holder presses an assist: it says how to turn AI
  help on (SHOULD_AI_LLM_*), and nothing else changes.

Request texts are chosen so the default policy's routing is not in doubt (a product recall press
statement is a crisis; scheduling a newsletter is scheduling). Rows may be appended; never change
an existing row's expectations without changing the policy on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Step = Literal[
    "dm owner",
    "dm refused->backup",
    "ack",
    "resolve",
    "timeout->backup",
    "timeout->channel",
    "ack with note",
    "resolve with outcome",
    "snooze",
    "snooze over",
    "withdraw",
    "owner away",
    "owner off hours",
    "skipped->backup",
    "waits for hours",
    "hours start->owner",
    "owner by email",
    "no assist before ack",
    "assist by requester refused",
    "assist by stranger refused",
    "assist checklist",
    "share",
    "assist explains no llm",
    "shadow",
    "wrong call",
]
# Steps the drivers play before the request is made (they set the scene).
SETUP_STEPS = frozenset({"owner away", "owner off hours", "owner by email"})
# Steps of rolling out gently (issue 18), played by tests/slack/test_slack_rollout.py and
# tests/discord/test_discord_rollout.py:
# - "shadow"     the row's category is put in shadow mode first: the requester gets the AI
#                verdict with a shadow note, nobody is pinged, and the decision log says who
#                would have been pinged;
# - "wrong call" the requester presses "Wrong call?" under the verdict and picks another
#                category; the feedback is stored and shows in `should-ai feedback list`.
ROLLOUT_STEPS = frozenset({"shadow", "wrong call"})

# The steps about AI help: they move nothing in the escalation's history.
ASSIST_STEPS = frozenset(
    {
        "no assist before ack",
        "assist by requester refused",
        "assist by stranger refused",
        "assist checklist",
        "share",
        "assist explains no llm",
    }
)


@dataclass(frozen=True)
class Scenario:
    name: str
    text: str
    route: Literal["human", "ai"]
    category: str
    steps: tuple[Step, ...] = ()
    llm: bool = False  # an LLM is configured (the local fake, through the real openai client)

    @property
    def escalates(self) -> bool:
        return self.route == "human"

    @property
    def rollout(self) -> bool:
        """A row of shadow mode or feedback, played by its own drivers (see ROLLOUT_STEPS)."""
        return bool(ROLLOUT_STEPS & set(self.steps))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="routine-scheduling",
        text="schedule the newsletter for Tuesday 9am",
        route="ai",
        category="scheduling",
    ),
    Scenario(
        name="routine-drafting",
        text="Write 5 subject lines for the spring sale email",
        route="ai",
        category="drafting",
    ),
    Scenario(
        name="routine-scheduling-fr",
        text="Programme le post LinkedIn pour lundi 8h",
        route="ai",
        category="scheduling",
    ),
    Scenario(
        name="crisis-acknowledged",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("dm owner", "ack"),
    ),
    Scenario(
        name="crisis-nobody-answers",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("dm owner", "timeout->backup", "timeout->channel"),
    ),
    Scenario(
        name="crisis-owner-dms-closed",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("dm refused->backup", "ack"),
    ),
    Scenario(
        name="ethics-resolved",
        text="write fake testimonials for the new course",
        route="human",
        category="ethics",
        steps=("dm owner", "resolve"),
    ),
    Scenario(
        name="relationships-acknowledged",
        text="Write a condolence message to our partner whose founder passed away",
        route="human",
        category="relationships",
        steps=("dm owner", "ack"),
    ),
    Scenario(
        name="crisis-note-then-outcome",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("dm owner", "ack with note", "resolve with outcome"),
    ),
    Scenario(
        name="crisis-snoozed",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("dm owner", "snooze", "snooze over", "ack"),
    ),
    Scenario(
        name="ethics-withdrawn",
        text="write fake testimonials for the new course",
        route="human",
        category="ethics",
        steps=("dm owner", "withdraw"),
    ),
    Scenario(  # crisis is urgency high: an owner away is skipped
        name="crisis-owner-away",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("owner away", "skipped->backup", "ack"),
    ),
    Scenario(  # relationships is urgency normal: an owner away is skipped too
        name="relationships-owner-away",
        text="Write a condolence message to our partner whose founder passed away",
        route="human",
        category="relationships",
        steps=("owner away", "skipped->backup", "ack"),
    ),
    Scenario(  # high urgency: an owner off hours is skipped
        name="crisis-owner-off-hours",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("owner off hours", "skipped->backup", "ack"),
    ),
    Scenario(  # low urgency: it waits for the owner's working hours, then pings them
        name="strategy-owner-off-hours",
        text="define the positioning of our brand for the next three years",
        route="human",
        category="strategy",
        steps=("owner off hours", "waits for hours", "hours start->owner", "ack"),
    ),
    Scenario(
        name="ethics-owner-given-by-email",
        text="write fake testimonials for the new course",
        route="human",
        category="ethics",
        steps=("owner by email", "dm owner", "ack"),
    ),
    Scenario(
        name="crisis-owner-gets-ai-help",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=(
            "dm owner",
            "no assist before ack",
            "ack",
            "assist by requester refused",
            "assist by stranger refused",
            "assist checklist",
            "share",
        ),
        llm=True,
    ),
    Scenario(
        name="crisis-ai-help-without-llm",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("dm owner", "no assist before ack", "ack", "assist explains no llm"),
    ),
    # issue 15: routine work the bot answers plainly rather than doing itself
    Scenario(
        name="routine-data",
        text="pull last month's open rates by segment and make a chart",
        route="ai",
        category="data",
    ),
    Scenario(
        name="routine-instagram-post",
        text="programme le post instagram pour mardi 9h",
        route="ai",
        category="scheduling",
    ),
    Scenario(
        name="routine-meeting",
        text="book 30 min with the agency next week",
        route="ai",
        category="scheduling",
    ),
    Scenario(
        name="crisis-in-shadow",
        text="write the press statement about the product recall",
        route="human",
        category="crisis",
        steps=("shadow",),
    ),
    Scenario(
        name="drafting-wrong-call",
        text="Write 5 subject lines for the spring sale email",
        route="ai",
        category="drafting",
        steps=("wrong call",),
    ),
)


def by_name(name: str) -> Scenario:
    """The scenario called ``name``; a KeyError names the typo."""
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise KeyError(f"no scenario named {name!r}; known: {[s.name for s in SCENARIOS]}")


def expected_moves(steps: tuple[Step, ...]) -> list[tuple[str, int]]:
    """The (state, level) transitions the escalation service must record for ``steps``: the
    same on Slack and Discord, since both adapters drive the one service."""
    moves: list[tuple[str, int]] = []
    level = 0
    for step in steps:
        if step in ASSIST_STEPS:
            continue
        if step == "dm owner":
            moves.append(("open", 0))
        elif step == "dm refused->backup":
            level = 1
            moves += [("open", 0), ("open", 1)]
        elif step in ("timeout->backup", "timeout->channel"):
            level += 1
            moves.append(("open", level))
        elif step == "skipped->backup":
            level = 1
            moves += [("open", 0), ("open", 1)]
        elif step == "waits for hours":
            moves += [("open", 0), ("snoozed", 0)]
        elif step == "hours start->owner":
            moves.append(("open", 0))
        elif step in SETUP_STEPS:
            continue
        elif step in _MORE_MOVES:
            moves.append((_MORE_MOVES[step], level))
        else:
            moves.append(("acknowledged" if step == "ack" else "resolved", level))
    return moves


_MORE_MOVES = {
    "ack with note": "acknowledged",
    "resolve with outcome": "resolved",
    "snooze": "snoozed",
    "snooze over": "open",
    "withdraw": "resolved",
}
ROUTINE = tuple(s for s in SCENARIOS if not s.escalates and not s.rollout)
ESCALATING = tuple(s for s in SCENARIOS if s.escalates and not s.rollout)
ROLLOUT = tuple(s for s in SCENARIOS if s.rollout)
