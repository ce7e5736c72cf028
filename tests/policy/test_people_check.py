"""people.yaml's placeholder and unusable ids are warned about (issue 14): by `policy validate`
and at start-up; people given by email get the Slack id start-up looked up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.policy.loader import load_policy
from bot.policy.people_check import people_warnings, with_slack_ids

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_the_shipped_placeholders_are_warned_about_naming_file_and_key() -> None:
    warnings = people_warnings(load_policy(POLICIES))

    assert (
        "people.yaml: people.comms-lead.slack: 'U0PLACEHOLDER02' is a placeholder or not a Slack id"
        in warnings
    )
    assert any(w.startswith("people.yaml: people.comms-lead.discord:") for w in warnings)
    assert any(w.startswith("people.yaml: channels.crisis-room.slack:") for w in warnings)


def test_policy_validate_passes_and_warns(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["policy", "validate", "--policy-dir", str(POLICIES)])

    captured = capsys.readouterr()
    assert code == 0 and "policy OK" in captured.out
    assert "warning: people.yaml: people.marketing-lead.slack" in captured.err


def test_real_looking_ids_and_emails_pass_and_emails_fill_in_slack_ids() -> None:
    policy = load_policy(POLICIES)
    people = {
        "comms-lead": policy.people.people["comms-lead"].model_copy(
            update={"slack": None, "email": "Dana@Acme.com", "discord": "812345678901234567"}
        )
    }
    policy = policy.model_copy(
        update={"people": policy.people.model_copy(update={"people": people, "channels": {}})}
    )

    assert people_warnings(policy) == []
    filled = with_slack_ids(policy, {"dana@acme.com": "U0DANA1234"})
    assert filled.people.people["comms-lead"].slack == "U0DANA1234"
