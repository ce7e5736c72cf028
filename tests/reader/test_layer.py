"""The bundled judgement as the bot runs it: tripwires first, then the trained reader."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.encoder import Vectors
from bot.policy.engine import PolicyEngine
from bot.policy.model import Policy
from bot.policy.rules import RulesLayer
from bot.reader import UNCERTAIN_PREFIX, ReaderLayer
from bot.reader.training import shipped_model


def test_a_tripwire_decides_and_the_reading_does_not_count(engine: PolicyEngine) -> None:
    decision = engine.decide("we got a cease and desist from a rival brand, draft the reply")
    assert (decision.route, decision.category) == ("human", "crisis")
    assert decision.reasons[0].layer in ("keyword", "pattern")
    reader = [r for r in decision.reasons if r.layer == "reader"]
    assert reader and "a tripwire decided" in reader[0].detail


@pytest.mark.parametrize(
    ("text", "route", "category"),
    [
        ("Draft three subject lines for the spring sale newsletter", "ai", "drafting"),
        ("programme le post instagram pour mardi 9h", "ai", "scheduling"),
        ("export last month's open rates by segment", "ai", "data"),
        ("a journalist is asking about the product recall, write our statement", "human", "crisis"),
        ("un influenceur menace de nous tailler sur insta si on ne le paie pas", "human", None),
    ],
)
def test_the_reader_places_plain_requests(
    engine: PolicyEngine, text: str, route: str, category: str | None
) -> None:
    decision = engine.decide(text)
    assert decision.route == route
    assert category is None or decision.category == category
    assert any(r.layer in ("reader", "keyword", "pattern") for r in decision.reasons)


def test_a_crisis_deep_in_a_long_message_is_read(engine: PolicyEngine) -> None:
    filler = "Here are the notes from the content sync, mostly routine scheduling. " * 70
    text = (
        filler
        + "Also: a customer posted a video of our heater catching fire and it is going viral."
    )
    assert len(text) > 4_500
    decision = engine.decide(text)
    assert (decision.route, decision.category) == ("human", "crisis")


def test_a_request_in_words_the_reader_never_saw_goes_to_the_fallback_owner(
    engine: PolicyEngine,
) -> None:
    decision = engine.decide("xqzv brplt gnorf wembly quaxt zorplin")
    assert decision.route == "human" and decision.category is None
    assert decision.owner is not None and decision.owner.id == engine.policy.file.fallback.owner
    assert any(r.detail.startswith(UNCERTAIN_PREFIX) for r in decision.reasons)


class _BrokenEncoder:
    name = "broken"

    def encode(self, texts: Sequence[str]) -> Vectors:
        raise RuntimeError("model file unreadable")


def test_a_reader_that_cannot_read_sends_the_request_to_a_person(
    bundled_policy: Policy, engine: PolicyEngine
) -> None:
    reader = next(layer for layer in engine.layers if isinstance(layer, ReaderLayer))
    broken = ReaderLayer(bundled_policy, reader.model, _BrokenEncoder())
    decision = PolicyEngine(bundled_policy, layers=(RulesLayer(bundled_policy), broken)).decide(
        "Draft three subject lines for the spring sale newsletter"
    )
    assert decision.route == "human" and decision.category is None
    assert any("could not read" in r.detail for r in decision.reasons)


def test_the_probabilities_are_a_distribution(engine: PolicyEngine) -> None:
    reader = next(layer for layer in engine.layers if isinstance(layer, ReaderLayer))
    reading = reader.read("write three subject lines for the spring sale newsletter")
    total = sum(p for _, p in reading.probabilities)
    assert np.isclose(total, 1.0, atol=1e-4)
    assert reading.probabilities[0][0] == "drafting"


def test_the_bundled_policy_runs_on_the_shipped_seed(
    bundled_policy: Policy, engine: PolicyEngine
) -> None:
    """A stale seed is never wrong, only slow: a first start trains for ~45 s. Refresh it with
    `uv run python -m bot.reader.seed` after editing the pack or policies/cases."""
    reader = next(layer for layer in engine.layers if isinstance(layer, ReaderLayer))
    shipped = shipped_model(bundled_policy, reader.encoder)
    assert shipped is not None, "the seed is stale: run `uv run python -m bot.reader.seed`"
    assert np.array_equal(shipped.dense, reader.model.dense)


@pytest.mark.parametrize(
    "text",
    [
        "Can you look into the thing Marc mentioned yesterday?",
        "Handle it the way we did last time",
        "Occupe-toi du dossier Dupont",
        "tu peux regarder le truc dont Julie a parlé ce matin ?",
    ],
)
def test_a_request_about_something_the_bot_cannot_see_goes_to_a_person(
    engine: PolicyEngine, text: str
) -> None:
    # Never to AI: the fallback owner decides, unless the reader already sends it to a person.
    decision = engine.decide(text)
    assert decision.route == "human"
    assert decision.category is None or decision.category in HUMAN_CATEGORIES


HUMAN_CATEGORIES = ("crisis", "ethics", "relationships", "strategy", "creative")
