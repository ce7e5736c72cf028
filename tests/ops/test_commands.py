"""What a user types after /should-ai, and the words they read back (no Redis needed)."""

from __future__ import annotations

from bot.intake.commands import parse
from handlers.common.replies import render_decision, render_why, reply_for_store_down
from tests.ops.conftest import make_decision


def test_sub_commands_and_requests_are_told_apart() -> None:
    assert parse("help").name == "help"
    assert parse("  QUEUE ").name == "queue"
    assert parse("why a journalist called").text == "a journalist called"
    assert parse("why\nthe recall").text == "the recall"  # Slack keeps newlines
    assert parse("why").name == "why" and parse("why").text == ""
    # A sub-command word followed by more text is a request, not the sub-command.
    help_me = parse("help me draft a post for Tuesday")
    assert help_me.name is None and help_me.text == "help me draft a post for Tuesday"
    assert parse("policy on refunds: write the FAQ").name is None
    assert parse("").name is None


def test_a_human_decision_names_the_owner_and_what_ai_may_do() -> None:
    text = render_decision(make_decision())

    assert text.startswith("A person must own this (crisis): Dana Whitfield")
    assert "Why: reputation at stake" in text
    assert "AI may still: gather facts" in text


def test_an_ai_decision_says_so() -> None:
    text = render_decision(make_decision(route="ai", category="drafting", owner=None))

    assert text.startswith("AI can do this (drafting).")
    assert "AI may still" not in text


def test_why_shows_the_reasons_and_revision() -> None:
    text = render_why(make_decision(revision="abc123"))

    assert "- keyword [crisis]: matched 'boycott'" in text
    assert "policy revision abc123" in text


def test_store_down_tells_the_requester_to_contact_the_owner() -> None:
    text = reply_for_store_down(make_decision())

    assert "please contact Dana Whitfield directly" in text
    assert "Do not hand it to AI" in text
