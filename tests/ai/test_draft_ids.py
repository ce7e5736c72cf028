"""Drafts people can refer to: short ids (d-7Q3K), any unambiguous start of one, and a message
that says whether an id is unknown, used, discarded or expired."""

from __future__ import annotations

import pytest

from bot.ai import draft_ids
from bot.store import keys
from handlers.common.ai_text import ai_text
from tests.ai.conftest import AiRig, decision
from tests.ai.test_drafting import REQUEST, drafts_shown

pytestmark = pytest.mark.store


async def a_draft(rig: AiRig, count: int = 1) -> str:
    """Ask for a draft and return the id its card carries."""
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    card = (await drafts_shown(rig, count))[count - 1]
    return str(card.blocks()[-1]["elements"][0]["value"])


def test_ids_are_short_and_read_back_as_typed() -> None:
    made = draft_ids.new_id()
    assert len(made) == 6 and made.startswith("d-")
    assert draft_ids.normalized("7q3k") == "d-7Q3K"
    assert draft_ids.normalized("D-7Q3K") == "d-7Q3K"
    assert draft_ids.normalized("d-o1l") == "d-011"  # O is zero, I and L are one
    assert draft_ids.normalized("d-7Q3K!") is None


async def test_a_draft_gets_a_short_id_and_shows_it(rig: AiRig) -> None:
    draft_id = await a_draft(rig)
    assert len(draft_id) == 6 and draft_id.startswith("d-")
    [card] = rig.slack.of("response_url")
    assert draft_id in card.blocks_text()


async def test_a_prefix_finds_the_draft_typed_in_any_case(rig: AiRig) -> None:
    draft_id = await a_draft(rig)
    typed = draft_id[2:4].lower()  # two characters, no "d-"

    used, note = await rig.ai.use_draft(draft_id=typed, actor=rig.actor)

    assert used is not None and used.id == draft_id
    assert "ready to paste" in ai_text(note)


async def test_unknown_used_discarded_and_expired_each_say_so(rig: AiRig) -> None:
    first = await a_draft(rig)
    second = await a_draft(rig, 2)
    await rig.ai.use_draft(draft_id=first, actor=rig.actor)
    await rig.ai.discard(draft_id=second, actor=rig.actor)
    unknown = next(i for i in ("d-ZZZZ", "d-YYYY") if i not in (first, second))

    _, used = await rig.ai.use_draft(draft_id=first, actor=rig.actor)
    _, discarded = await rig.ai.use_draft(draft_id=second, actor=rig.actor)
    _, never = await rig.ai.use_draft(draft_id=unknown, actor=rig.actor)
    await rig.ai._store._redis.delete(keys.AI_DRAFT_PREFIX + first)  # a week went by
    _, expired = await rig.ai.use_draft(draft_id=first, actor=rig.actor)

    assert ai_text(used) == "This draft was already used."
    assert "discarded" in ai_text(discarded)
    assert f"No draft has the id {unknown}" in ai_text(never)
    assert "expired" in ai_text(expired)


async def test_an_ambiguous_prefix_lists_the_candidates(rig: AiRig) -> None:
    ids = {await a_draft(rig, n) for n in (1, 2)}
    await rig.ai._store._redis.zadd(
        keys.AI_DRAFTS_BY_USER_PREFIX + "slack:U0ASKER", {"d-QQQ1": 0, "d-QQQ2": 0}
    )

    _, note = await rig.ai.use_draft(draft_id="d-QQQ", actor=rig.actor)

    assert "Several drafts start with d-QQQ" in ai_text(note)
    assert "d-QQQ1" in ai_text(note) and ids
