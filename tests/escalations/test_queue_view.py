"""The queue read model (bot/escalations/queue_view.py): pure, so checked without Redis."""

from __future__ import annotations

from esc_helpers import make_policy

from bot.escalations.model import Escalation, State, Transition
from bot.escalations.queue_view import find_person, queue_view

NOW = 1_700_010_000.0
POLICY = make_policy(ack_minutes=10)


def esc(
    eid: str,
    *,
    assignee: str | None,
    state: State = "open",
    age_min: float = 5,
    due_in_min: float | None = 5,
    level: int = 0,
    requester: str = "slack:U_REQ",
) -> Escalation:
    created = NOW - age_min * 60
    first = Transition(at=created, state="open", level=0, assignee="comms-lead", by=requester)
    return Escalation(
        id=eid,
        decision_id=f"d-{eid}",
        policy_revision="r",
        category="crisis",
        platform="slack",
        requester=requester,
        text=f"request {eid}",
        state=state,
        level=level,
        assignee=assignee,
        created_at=created,
        due_at=None if due_in_min is None else NOW + due_in_min * 60,
        history=[first],
    )


def test_unanswered_first_then_the_next_climb_soonest_with_names() -> None:
    view = queue_view(
        [
            esc("E1", assignee="comms-lead", due_in_min=8),
            esc("E2", assignee="marketing-lead", level=1, due_in_min=1),
            esc("E3", assignee=None, level=3, state="unanswered", due_in_min=None, age_min=90),
            esc("E4", assignee="comms-lead", state="acknowledged", due_in_min=None),
        ],
        POLICY,
        now=NOW,
    )

    assert [i.id for i in view.items] == ["E3", "E2", "E1", "E4"]
    e2 = view.items[1]
    assert (e2.holder.display, e2.next_to and e2.next_to.key, e2.next_climb_s) == (
        "Morgan",
        "crisis-room",
        60.0,
    )
    assert view.items[2].next_to is not None and view.items[2].next_to.display == "Morgan"
    assert view.items[0].holder.kind == "channel" and view.unanswered == 1
    assert view.oldest_age_s == 90 * 60
    assert [(g.title, len(g.items)) for g in view.by_person] == [
        ("crisis-room", 1),
        ("Dana", 2),
        ("Morgan", 1),
    ]
    assert [(g.title, len(g.items)) for g in view.by_category] == [("Crisis", 4)]
    assert [i.id for i in view.held_by("comms-lead")] == ["E1", "E4"]
    assert len(view.asked_by("slack:U_REQ")) == 4


def test_a_snoozed_escalation_pings_its_holder_again() -> None:
    [item] = queue_view([esc("E1", assignee="comms-lead", state="snoozed")], POLICY, now=NOW).items
    assert item.snoozed and item.next_to is not None and item.next_to.key == "comms-lead"


def test_find_person_by_key_name_or_the_start_of_a_name() -> None:
    assert find_person(POLICY, "comms-lead") == "comms-lead"
    assert find_person(POLICY, "dana") == "comms-lead"
    assert find_person(POLICY, "Mor") == "marketing-lead"
    assert find_person(POLICY, "Nobody") is None
    assert find_person(POLICY, "  ") is None
