"""Every sentence a French reader can get, rendered in French: each AI note, each status line,
each reply, the dates; none may carry an English sentence of the catalogues or the policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest

from bot.ai.model import PostPlan
from bot.ai.notes import AiNote, AiNoteKind, DraftFailure, FailureKind
from bot.escalations.model import NextStep, StatusNote, Who
from bot.policy.loader import load_policy
from bot.settings import DEFAULT_POLICY_DIR
from handlers.common.ai_text import ai_text, moment_text
from handlers.common.i18n import language
from handlers.common.replies import help_text, render_policy
from handlers.common.status_text import PLAIN, status_text
from tests.common.english_leaks import english_in

POLICY = load_policy(DEFAULT_POLICY_DIR)
TUESDAY_9 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # 09:00 in Paris
PLAN = PostPlan(channel="#marketing", post_at=int(TUESDAY_9.timestamp()), tz="Europe/Paris")
DANA, MORGAN = Who("person", "comms-lead"), Who("person", "marketing-lead")


def french(texts: list[str]) -> list[str]:
    return english_in(texts, policy=POLICY, code="fr")


def test_a_date_reads_as_a_french_reader_says_it_in_their_zone() -> None:
    with language("fr"):
        assert (
            moment_text(TUESDAY_9, "Europe/Paris") == "mardi 8 décembre 2026 à 09:00 (Europe/Paris)"
        )
        assert ai_text(AiNote(kind="scheduled", plan=PLAN)) == (
            "Programmé pour #marketing, le mardi 8 décembre 2026 à 09:00 (Europe/Paris). "
            "Consulte-le ou annule-le avec /should-ai scheduled."
        )
    assert moment_text(TUESDAY_9, "Europe/Paris") == (
        "Tuesday 8 December 2026 at 09:00 (Europe/Paris)"
    )


def _note(kind: str) -> AiNote:
    return AiNote(
        kind=kind,  # type: ignore[arg-type]
        plan=PLAN,
        text="Notre numéro de décembre est sorti !",
        platform="slack",
        phrases=("mardi 9h", "jeudi 14h"),
        at=TUESDAY_9,
        tz="Europe/Paris",
        days=120,
        detail="That time has already passed." if kind == "platform_refused" else "03/04",
        failure=DraftFailure(kind="llm_silent", attempts=3),
    )


@pytest.mark.parametrize("kind", get_args(AiNoteKind))
def test_every_ai_note_is_french(kind: str) -> None:
    with language("fr"):
        said = ai_text(_note(kind))
    assert said and french([said]) == []


@pytest.mark.parametrize("failure", get_args(FailureKind))
def test_every_draft_failure_is_french(failure: str) -> None:
    note = AiNote(kind="draft_failed", failure=DraftFailure(kind=failure, attempts=2))  # type: ignore[arg-type]
    with language("fr"):
        assert french([ai_text(note)]) == []


NOTES = [
    StatusNote(kind="pinged", to=DANA, then=NextStep(within_s=900, to=MORGAN)),
    StatusNote(kind="pinged", to=DANA, then=NextStep(within_s=900, to=None)),
    StatusNote(kind="reassigned", by=DANA, to=MORGAN),
    StatusNote(kind="acknowledged", by=DANA),
    StatusNote(kind="resolved", by=DANA),
    StatusNote(kind="no_answer", missed=DANA, to=MORGAN),
    StatusNote(
        kind="unreachable", missed=DANA, reason="their Discord DMs are closed to the bot", to=MORGAN
    ),
    StatusNote(kind="no_answer", missed=MORGAN, to=None, reach=DANA),
]


@pytest.mark.parametrize("note", NOTES, ids=lambda n: n.kind)
def test_every_status_line_is_french(note: StatusNote) -> None:
    with language("fr"):
        said = status_text(note, policy=POLICY, platform="console", mentions=PLAIN)
    assert french([said]) == []


def test_help_and_the_policy_are_french() -> None:
    with language("fr"):
        assert french([help_text(), render_policy(POLICY)]) == []


def test_the_scan_finds_an_english_sentence_or_policy_text_left_in_a_french_message() -> None:
    with language("en"):
        english = status_text(NOTES[0], policy=POLICY, platform="console", mentions=PLAIN)
    crisis_why = str(POLICY.categories["crisis"].why)
    assert french([english]) != []
    assert french([f"Pourquoi : {crisis_why}"]) != []
    assert french(["Ta demande (crise) est entre les mains d\u2019une personne."]) == []
