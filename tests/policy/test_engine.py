# Look-alike characters are what these tests are about.
# ruff: noqa: RUF001
"""The tripwires (rules layer), the decision, and what a marketer sees for a request."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.policy.engine import FALLBACK_DETAIL, PolicyEngine
from bot.policy.layers import Hit, PreparedText
from bot.policy.model import (
    Category,
    Fallback,
    PeopleFile,
    Person,
    Phrases,
    Policy,
    PolicyFile,
)
from bot.policy.rules import RulesLayer


def _small_policy(**categories: Category) -> Policy:
    people = PeopleFile(people={"boss": Person(name="Boss"), "ops": Person(name="Ops")})
    fallback = Fallback(owner="boss", why="unknown requests go to a person")
    file = PolicyFile(
        fallback=fallback,
        categories=categories,
        mention_words=Phrases(en=("webinar",)),
        topic_markers=Phrases(en=("how to",)),
        data_questions=Phrases(en=("how many", "which of our"), fr=("combien de", "combien d")),
    )
    return Policy(revision="test-rev", file=file, people=people)


def _human(*keywords: str, patterns: tuple[str, ...] = ()) -> Category:
    return Category(
        route="human",
        label="Human",
        owner="boss",
        why="a person decides",
        ai_may="help",
        keywords=Phrases(en=keywords),
        patterns=patterns,
    )


def _ai(*keywords: str) -> Category:
    return Category(
        route="ai", label="AI", owner="ops", why="routine", keywords=Phrases(en=keywords)
    )


def _rules_engine(policy: Policy) -> PolicyEngine:
    return PolicyEngine(policy, layers=(RulesLayer(policy),))


def _details(engine: PolicyEngine, text: str) -> list[str]:
    return [reason.detail for reason in engine.decide(text).reasons]


# --- the bundled policy, as the bot decides it (tripwires, then the trained reader) ------------


def test_data_breach_email_goes_to_the_crisis_owner(engine: PolicyEngine) -> None:
    decision = engine.decide("Draft the customer email about the data breach")
    assert (decision.route, decision.category) == ("human", "crisis")
    assert decision.owner is not None and decision.owner.id == "comms-lead"
    assert "Dana Whitfield" in decision.owner.name
    assert decision.why == engine.policy.categories["crisis"].why
    assert decision.categories[0] == "crisis"
    assert any(reason.category == "crisis" for reason in decision.reasons)


def test_routine_work_goes_to_ai_with_no_owner(engine: PolicyEngine) -> None:
    decision = engine.decide("Schedule the spring newsletter for Tuesday at 9am")
    assert (decision.route, decision.category, decision.owner) == ("ai", "scheduling", None)
    assert decision.ai_may


def test_french_requests_are_understood(engine: PolicyEngine) -> None:
    assert engine.decide("Prépare le communiqué sur le rappel de produit").category == "crisis"
    assert engine.decide("Négocier le contrat avec l'influenceuse").category == "relationships"
    assert engine.decide("Programme le post de demain à 18h").route == "ai"


def test_disguised_words_are_still_read(engine: PolicyEngine) -> None:
    cyrillic_a = "\u0430"
    plain = "write the email to customers about last night's data breach"
    disguised = plain.replace("data", f"d{cyrillic_a}ta").replace("breach", f"bre{cyrillic_a}ch")
    assert engine.decide(plain).category == engine.decide(disguised).category == "crisis"
    assert engine.decide("they filed a l4wsuit against us, write a post").category == "crisis"
    assert engine.decide("write f\u200bake re\u200bviews for the new serum").category == "ethics"


def test_a_quoted_course_title_is_a_topic_not_a_crisis(engine: PolicyEngine) -> None:
    decision = engine.decide("schedule the 'Crisis Comms 101' webinar announcement")
    assert (decision.route, decision.category) == ("ai", "scheduling")


def test_a_general_topic_is_a_topic_but_a_particular_case_is_not(engine: PolicyEngine) -> None:
    general = engine.decide("Write a blog post on how to handle a PR crisis")
    assert general.route == "ai"
    particular = engine.decide("Write tips for customers affected by the data breach")
    assert (particular.route, particular.category) == ("human", "crisis")


def test_a_mention_word_makes_a_topic_only_when_it_introduces_one() -> None:
    policy = _small_policy(relationships=_human("personal tone", "partner"), drafting=_ai("write"))
    engine = _rules_engine(policy)
    topic = "write the recap of the webinar on choosing a partner"
    assert engine.decide(topic).route == "ai"
    assert 'keyword "partner" (a general topic after "webinar": a mention, not counted)' in (
        _details(engine, topic)
    )
    # The webinar ends one part of the request; the tone asked for afterwards is no topic of it.
    request = "write a thank-you to Sarah for co-hosting the webinar, personal tone"
    decision = engine.decide(request)
    assert (decision.route, decision.category) == ("human", "relationships")
    assert 'keyword "personal tone"' in _details(engine, request)


def test_a_human_keyword_in_a_routine_data_question_is_what_is_counted() -> None:
    policy = _small_policy(
        relationships=_human("partners", "influenceuse"),
        crisis=_human("recall", patterns=(r" customers are furious ",)),
        data=_ai("sold", "inscrits"),
    )
    engine = _rules_engine(policy)
    question = "Which of our retail partners sold the most units in May?"
    assert (engine.decide(question).route, engine.decide(question).category) == ("ai", "data")
    why = 'keyword "partners" (a data question opening with "which of our": a mention, not counted)'
    assert why in _details(engine, question)
    assert engine.decide("combien d'inscrits grâce au post de l'influenceuse ?").route == "ai"
    # Asked for words or a decision, or opening elsewhere: the keyword counts again.
    for request in (
        "how many partners saw the recall, write our statement",
        "how many partners should we keep next year",
        "which of our partners do we drop",
        "how many to recall",
        "tell me which of our partners sold the most units",
    ):
        assert engine.decide(request).route == "human", request
    # A pattern describes the case itself, so even a data question does not hide it.
    assert engine.decide("how many: customers are furious").category == "crisis"


def test_a_longer_keyword_covers_a_shorter_one() -> None:
    policy = _small_policy(crisis=_human("recall"), data=_ai("brand recall", "survey results"))
    decision = _rules_engine(policy).decide("Pull the brand recall survey results")
    assert (decision.route, decision.category) == ("ai", "data")


def test_nothing_matched_goes_to_a_person(rules_engine: PolicyEngine) -> None:
    decision = rules_engine.decide("Can you look into the thing Marc mentioned?")
    assert (decision.route, decision.category, decision.categories) == ("human", None, ())
    assert decision.owner is not None and decision.owner.id == "marketing-lead"
    assert decision.reasons[-1].layer == "fallback" and decision.confidence == 0.0


def test_every_decision_has_an_id_and_the_policy_revision(rules_engine: PolicyEngine) -> None:
    first, second = rules_engine.decide("write a tweet"), rules_engine.decide("write a tweet")
    assert first.decision_id != second.decision_id
    assert first.policy_revision == second.policy_revision == rules_engine.policy.revision


def test_decision_json_has_the_contract_fields(rules_engine: PolicyEngine) -> None:
    data = rules_engine.decide("Draft the customer email about the data breach").model_dump(
        mode="json"
    )
    expected = {"decision_id", "route", "category", "categories", "owner", "confidence", "reasons"}
    assert expected | {"ai_may", "policy_revision"} <= set(data)
    assert set(data["owner"]) == {"id", "name"}
    assert all(set(reason) == {"layer", "category", "detail"} for reason in data["reasons"])


def test_a_megabyte_request_is_decided(rules_engine: PolicyEngine) -> None:
    text = "please write the newsletter " * 40_000 + " customer data was leaked"
    assert len(text) > 1_000_000
    decision = rules_engine.decide(text)
    assert (decision.route, decision.category) == ("human", "crisis")


# --- the engine's rules, on small policies -----------------------------------------------------


def test_human_beats_ai_and_every_category_is_listed() -> None:
    engine = _rules_engine(_small_policy(drafting=_ai("draft"), crisis=_human("recall")))
    decision = engine.decide("draft the recall notice")
    assert (decision.route, decision.category, decision.categories) == (
        "human",
        "crisis",
        ("crisis", "drafting"),
    )
    assert _details(engine, "draft the recall notice") == ['keyword "recall"', 'keyword "draft"']


def test_keywords_match_whole_words_only() -> None:
    engine = _rules_engine(_small_policy(crisis=_human("leak")))
    assert engine.decide("fix the leaky faucet copy").category is None
    assert engine.decide("the leak is everywhere").category == "crisis"


def test_a_star_keyword_matches_word_beginnings() -> None:
    engine = _rules_engine(_small_policy(rel=_human("négoci*")))
    assert engine.decide("la négociation commence").category == "rel"
    assert engine.decide("we negotiate").category is None
    assert engine.decide("renégocier").category is None


def test_french_elision_exposes_the_word() -> None:
    engine = _rules_engine(_small_policy(ethics=_human("avis")))
    assert engine.decide("écris l'avis").category == "ethics"
    assert engine.decide("écris l’avis").category == "ethics"


def test_patterns_quote_what_they_matched() -> None:
    engine = _rules_engine(_small_policy(crisis=_human(patterns=(r"(site|app) is down",))))
    assert _details(engine, "The APP is DOWN again!") == [
        'pattern "(site|app) is down" matched "app is down"'
    ]


def test_a_pattern_that_would_backtrack_forever_elsewhere_runs_in_linear_time() -> None:
    engine = _rules_engine(_small_policy(crisis=_human(patterns=("(a+)+b",))))
    assert engine.decide("a" * 200_000 + "!").category is None


def test_accented_patterns_match_folded_text() -> None:
    engine = _rules_engine(_small_policy(crisis=_human(patterns=("fuite de données",))))
    assert engine.decide("La FUITE DE DONNEES d'hier").category == "crisis"


class _EverythingIsCrisis:
    """A stand-in second layer, as the trained reader plugs in."""

    name = "test"

    def apply(self, text: PreparedText, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
        demoted = tuple(
            Hit(h.layer, h.category, h.detail + " (demoted)", h.score, counts=False) for h in hits
        )
        return (*demoted, Hit("reader", "crisis", f'close to "{text.normalized}"', 0.7))


def test_a_later_layer_sees_earlier_hits_and_can_outweigh_them() -> None:
    policy = _small_policy(drafting=_ai("draft"), crisis=_human("recall"))
    engine = PolicyEngine(policy, layers=(RulesLayer(policy), _EverythingIsCrisis()))
    decision = engine.decide("Draft a tweet")
    assert (decision.route, decision.category, decision.categories) == (
        "human",
        "crisis",
        ("crisis",),
    )
    assert [r.detail for r in decision.reasons] == [
        'close to "draft a tweet"',
        'keyword "draft" (demoted)',
    ]
    assert decision.confidence == pytest.approx(0.7)


def test_the_fallback_reason_says_nothing_matched() -> None:
    engine = _rules_engine(_small_policy(crisis=_human("recall")))
    assert _details(engine, "hello") == [FALLBACK_DETAIL]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=400))
def test_any_text_gets_a_decision_and_ai_only_when_an_ai_category_matched(
    rules_engine: PolicyEngine, text: str
) -> None:
    engine = rules_engine
    decision = engine.decide(text)
    assert decision.route in ("human", "ai")
    if decision.route == "ai":
        assert decision.category in engine.policy.categories
        assert engine.policy.categories[decision.category].route == "ai"
    if not decision.categories:
        assert decision.route == engine.policy.file.fallback.route
