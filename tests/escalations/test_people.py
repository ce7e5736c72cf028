"""Who is who: people.yaml keys, platform ids, and what of a person users may be shown.

How the adapters turn those values into names and mentions: tests/common/test_status_text.py.
"""

from __future__ import annotations

from esc_helpers import make_policy

from bot.escalations.model import Actor
from bot.escalations.people import (
    PersonLabel,
    actor_key,
    channel_id,
    person_for,
    person_label,
    platform_user_id,
)

POLICY = make_policy()


def test_a_platform_user_is_found_in_people_yaml_on_either_platform() -> None:
    assert person_for(POLICY, Actor(platform="slack", user_id="U_DANA")) == "comms-lead"
    assert person_for(POLICY, Actor(platform="discord", user_id="101")) == "comms-lead"
    assert person_for(POLICY, Actor(platform="slack", user_id="101")) is None


def test_someone_not_in_people_yaml_is_keyed_by_platform_and_id() -> None:
    assert actor_key(POLICY, Actor(platform="discord", user_id="999")) == "discord:999"
    assert platform_user_id(POLICY, "discord", "discord:999") == "999"
    assert platform_user_id(POLICY, "slack", "discord:999") is None


def test_the_id_to_dm_for_a_person_key_depends_on_the_platform() -> None:
    assert platform_user_id(POLICY, "slack", "marketing-lead") == "U_MORGAN"
    assert platform_user_id(POLICY, "discord", "marketing-lead") == "102"
    assert platform_user_id(POLICY, "slack", "nobody") is None


def test_names_and_ids_for_status_messages_are_values_not_markup() -> None:
    assert person_label(POLICY, "legal-counsel") == PersonLabel(key="legal-counsel", name="Priya")
    assert person_label(POLICY, "slack:U_NEW") == PersonLabel(key="slack:U_NEW", user_id="U_NEW")
    assert person_label(POLICY, "nobody") == PersonLabel(key="nobody")
    assert channel_id(POLICY, "slack", "crisis-room") == "C_CRISIS"
    assert channel_id(POLICY, "console", "crisis-room") is None
