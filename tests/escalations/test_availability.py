"""People away and off hours (issue 14), on a real Redis: the climb skips them and says so in
the history; a low-urgency escalation waits for its owner's working hours."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from esc_helpers import EngineFactory, RecordingNotifier, crisis_decision, make_policy

from bot.escalations.availability import absence, next_start
from bot.escalations.away_dates import AwayUsage, away_until
from bot.escalations.model import Actor
from bot.policy.model import Person, Policy, Urgency

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U_REQ")


def policy_with(urgency: Urgency, **dana: object) -> Policy:
    policy = make_policy(ack_minutes=10)
    people = dict(policy.people.people)
    people["comms-lead"] = Person(name="Dana", slack="U_DANA", **dana)  # type: ignore[arg-type]
    crisis = policy.file.categories["crisis"].model_copy(update={"urgency": urgency})
    return policy.model_copy(
        update={
            "people": policy.people.model_copy(update={"people": people}),
            "file": policy.file.model_copy(update={"categories": {"crisis": crisis}}),
        }
    )


def off_hours_now() -> str:
    """A one-hour working day twelve hours from now (UTC): it is off hours now."""
    start = datetime.now(UTC) + timedelta(hours=12)
    return f"{start:%H}:00-{(start + timedelta(hours=1)):%H}:00"


async def open_with(make_engine: EngineFactory, policy: Policy, notifier: RecordingNotifier):  # type: ignore[no-untyped-def]
    service = make_engine(policy_getter=lambda: policy).service
    return service, await service.open(
        decision=crisis_decision(), actor=REQUESTER, text="recall statement", status_ref=None
    )


@pytest.mark.parametrize("urgency", ["high", "normal", "low"])
async def test_an_away_owner_is_skipped_and_the_history_says_so(
    make_engine: EngineFactory, notifier: RecordingNotifier, urgency: Urgency
) -> None:
    policy = policy_with(urgency, away_until=date.today() + timedelta(days=3))

    service, esc = await open_with(make_engine, policy, notifier)

    assert notifier.deliveries(esc.id) == [("ping", 1, "marketing-lead")]
    stored = await service.get(esc.id)
    assert stored is not None and stored.assignee == "marketing-lead"
    assert stored.history[1].note.startswith("skipped: away until ")
    assert notifier.statuses(esc.id)[0].startswith("Skipped Dana (away, back ")


async def test_high_urgency_skips_an_owner_off_hours(
    make_engine: EngineFactory, notifier: RecordingNotifier
) -> None:
    policy = policy_with("high", working_hours=off_hours_now(), working_days="mon-sun")

    service, esc = await open_with(make_engine, policy, notifier)

    assert notifier.deliveries(esc.id) == [("ping", 1, "marketing-lead")]
    stored = await service.get(esc.id)
    assert stored is not None and stored.history[1].note.startswith("skipped: off hours until ")


async def test_normal_urgency_pings_an_owner_off_hours(
    make_engine: EngineFactory, notifier: RecordingNotifier
) -> None:
    policy = policy_with("normal", working_hours=off_hours_now(), working_days="mon-sun")

    _, esc = await open_with(make_engine, policy, notifier)

    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead")]


async def test_low_urgency_waits_for_the_owners_working_hours_then_pings_them(
    make_engine: EngineFactory, notifier: RecordingNotifier
) -> None:
    policy = policy_with("low", working_hours=off_hours_now(), working_days="mon-sun")

    service, esc = await open_with(make_engine, policy, notifier)

    assert notifier.deliveries(esc.id) == []  # nobody pinged at night
    assert esc.state == "snoozed" and esc.due_at is not None
    assert esc.due_at - time.time() == pytest.approx(11 * 3600, abs=3600 + 60)
    assert "off hours" in notifier.statuses(esc.id)[-1]
    assert esc.history[-1].note.startswith("waits for working hours")

    assert await service.fire_timer(escalation_id=esc.id, level=0, due_at=esc.due_at)
    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead")]


def test_working_hours_and_away_dates_read_in_the_persons_zone() -> None:
    paris = Person(name="Dana", timezone="Europe/Paris", working_hours="09:00-18:00")
    monday_8am_paris = datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    found = absence(paris, now=monday_8am_paris)
    assert found is not None and found.kind == "off_hours"
    assert found.until == monday_8am_paris + 3600
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    monday_9am = datetime(2026, 12, 14, 9, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    assert next_start(paris, saturday) == monday_9am
    assert absence(paris, now=monday_9am + 60) is None


def test_a_zone_given_as_the_digests_tz_reads_working_hours_too() -> None:
    """people.yaml may say ``tz:`` (the digest's key) or ``timezone:``: one is enough."""
    paris = Person(name="Dana", tz="Europe/Paris", working_hours="09:00-18:00")
    monday_8am_paris = datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    found = absence(paris, now=monday_8am_paris)
    assert found is not None and found.until == monday_8am_paris + 3600
    assert Person(name="Dana", timezone="Europe/Paris").zone == "Europe/Paris"  # the digest's


def test_away_dates_typed_in_chat() -> None:
    tz = ZoneInfo("UTC")
    wednesday = datetime(2026, 12, 9, 15, 0, tzinfo=tz).timestamp()
    friday = datetime(2026, 12, 11, 0, 0, tzinfo=tz).timestamp()
    assert away_until("until friday", tz=tz, now=wednesday) == friday
    assert away_until("until 2026-12-11", tz=tz, now=wednesday) == friday
    assert away_until("for 2 days", tz=tz, now=wednesday) == wednesday + 2 * 86400
    assert away_until("off", tz=tz, now=wednesday) is None
    with pytest.raises(AwayUsage):
        away_until("until someday", tz=tz, now=wednesday)


def test_away_is_a_sub_command_only_when_a_date_follows() -> None:
    from bot.intake.commands import parse

    assert parse("away until friday").name == "away"
    assert parse("away off").name == "away"
    assert parse("away until").name == "away"  # answered with its usage
    assert parse("away message for the holidays: draft it for our clients").name is None
