"""The trained head: a linear model over the examples that catches what neighbours miss, and
the policy's weak keywords (party names) it may outweigh.

The requests here are written for these tests, not taken from any evaluation set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.encoder import Encoder
from bot.policy.engine import PolicyEngine
from bot.policy.layers import PreparedText
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.policy.rules import RulesLayer
from bot.similarity.head import TrainedHead
from bot.similarity.index import policy_examples
from bot.similarity.layer import SimilarityLayer, shared_encoder


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_POLICY_DIR)


@pytest.fixture(scope="module")
def layer(policy: Policy, tmp_path_factory: pytest.TempPathFactory) -> SimilarityLayer:
    cache = tmp_path_factory.mktemp("cache")
    return SimilarityLayer.for_policy(policy, encoder=shared_encoder(), cache_dir=cache)


def _engine(policy: Policy, layer: SimilarityLayer, *, head: bool = True) -> PolicyEngine:
    chosen = layer if head else SimilarityLayer(policy, layer.index, None)
    return PolicyEngine(policy, layers=(RulesLayer(policy), chosen))


def _reasons(engine: PolicyEngine, text: str) -> list[str]:
    return [r.detail for r in engine.decide(text).reasons]


# --- what a marketer sees ---------------------------------------------------------------------


def test_a_human_matter_in_routine_words_reaches_a_person_through_the_head(
    policy: Policy, layer: SimilarityLayer
) -> None:
    text = "post a reply on the thread where people say our ad mocks disabled people"
    # Without the head the neighbours are unsure and only AI keywords count: AI would do it.
    assert _engine(policy, layer, head=False).decide(text).route == "ai"
    decision = _engine(policy, layer).decide(text)
    assert decision.route == "human"
    assert decision.owner is not None
    assert any(
        d.startswith("trained head reads") and "a person decides" in d
        for d in _reasons(_engine(policy, layer), text)
    )


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("book 30 min with the agency next week to go through the media plan", "scheduling"),
        ("remind me to send the photographer the shot list on monday", "scheduling"),
        ("pull the sales numbers per distributor for Q2", "data"),
    ],
)
def test_a_party_named_in_routine_work_does_not_escalate(
    policy: Policy, layer: SimilarityLayer, text: str, category: str
) -> None:
    decision = _engine(policy, layer).decide(text)
    assert (decision.route, decision.category) == ("ai", category)
    assert any("not counted: it names a party" in d for d in _reasons(_engine(policy, layer), text))
    # The party name alone still escalates without the similarity layer: the safe side.
    assert PolicyEngine(policy, layers=(RulesLayer(policy),)).decide(text).route == "human"


@pytest.mark.parametrize(
    "text",
    [
        "schedule a call with the agency to tell them we're ending the contract",
        "tell the influencer we won't pay her until she takes down the post",
        "write to our distributor to apologise for shipping the wrong stock twice",
    ],
)
def test_a_relationship_act_with_a_party_stays_with_a_person(
    policy: Policy, layer: SimilarityLayer, text: str
) -> None:
    decision = _engine(policy, layer).decide(text)
    assert (decision.route, decision.category) == ("human", "relationships")


def test_the_head_does_not_override_a_category_the_rules_found_only_mentioned(
    policy: Policy, layer: SimilarityLayer
) -> None:
    # "brand identity" after "quiz about" is a topic: the head reads creative, yet AI does it.
    text = "Create a quiz about brand identity for our design course"
    normalized = PreparedText.of(text).normalized
    reading = layer.head.read(layer.index.embed(normalized)) if layer.head else None
    assert reading is not None and reading.human == "creative" and reading.lead > 0.5
    assert _engine(policy, layer).decide(text).route == "ai"


# --- training and its cache ------------------------------------------------------------------


def _training_data(policy: Policy, encoder: Encoder) -> tuple[np.ndarray, list[str]]:
    phrases, labels = policy_examples(policy)
    return encoder.encode(phrases), labels


def test_training_is_reproducible_and_learns_the_examples(policy: Policy) -> None:
    vectors, labels = _training_data(policy, shared_encoder())
    routes = {name: c.route for name, c in policy.categories.items()}
    first = TrainedHead.train(vectors, labels, routes)
    second = TrainedHead.train(vectors, labels, routes)
    assert np.array_equal(first.probabilities(vectors[0]), second.probabilities(vectors[0]))
    predicted = [first.categories[int(np.argmax(first.probabilities(v)))] for v in vectors]
    accuracy = np.mean([p == label for p, label in zip(predicted, labels, strict=True)])
    assert accuracy >= 0.9
    # Routes come from the policy: every human category reads as human.
    human = {name for name, route in routes.items() if route == "human"}
    reading = first.read(vectors[labels.index("crisis")])
    assert reading.human in human and reading.ai not in human and reading.lead > 0


def test_the_cached_head_gives_the_same_readings_and_a_bad_cache_is_retrained(
    policy: Policy, tmp_path: Path
) -> None:
    vectors, labels = _training_data(policy, shared_encoder())
    routes = {name: c.route for name, c in policy.categories.items()}
    built = TrainedHead.build(vectors, labels, routes, key="k", cache_dir=tmp_path)
    [cached_file] = tmp_path.glob("head-*.npz")
    loaded = TrainedHead.build(vectors[:1] * 0, labels, routes, key="k", cache_dir=tmp_path)
    # Loaded, not retrained: training on zero vectors would read every request the same.
    assert np.allclose(built.probabilities(vectors[5]), loaded.probabilities(vectors[5]))
    cached_file.write_bytes(b"not a numpy archive")
    again = TrainedHead.build(vectors, labels, routes, key="k", cache_dir=tmp_path)
    assert np.allclose(built.probabilities(vectors[5]), again.probabilities(vectors[5]))
    other = TrainedHead.build(vectors, labels, routes, key="other phrases", cache_dir=tmp_path)
    assert other.categories == built.categories
    assert len(list(tmp_path.glob("head-*.npz"))) == 2


def test_a_read_only_cache_directory_only_costs_a_retrain(policy: Policy, tmp_path: Path) -> None:
    vectors, labels = _training_data(policy, shared_encoder())
    routes = {name: c.route for name, c in policy.categories.items()}
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    head = TrainedHead.build(vectors, labels, routes, key="k", cache_dir=blocked / "cache")
    assert head.usable


def test_a_request_like_nothing_in_the_policy_is_left_to_the_fallback(
    policy: Policy, layer: SimilarityLayer
) -> None:
    # The head reads some category even for gibberish; far from every example that reading is
    # noise, so no similarity hit counts and the policy's fallback (a person) decides.
    decision = _engine(policy, layer).decide("flibbertigibbet")
    assert decision.category is None
    assert decision.route == policy.file.fallback.route
    assert decision.reasons[-1].layer == "fallback"
