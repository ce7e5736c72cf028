"""The policy engine: a request in, a :class:`~bot.policy.model.Decision` out.

The text is normalised once, each layer (cheapest first; see :mod:`bot.policy.layers`) adds its
hits, and the hits that count decide:

- any human category matched -> a person owns it (a human category always beats an AI one);
- only AI categories matched -> AI does it;
- nothing matched -> the policy's declared fallback decides (the default policy sends an
  unknown request to a person, never silently to AI).

Pure: no I/O. The only non-determinism is the random ``decision_id``. The engine takes its layers
from whoever builds it (the bot runs the tripwires, then the trained reader:
``bot.reader.build_engine``), so it depends on the :class:`~bot.policy.layers.PolicyLayer`
protocol only, not on any layer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from bot.policy.layers import Example, ExampleSource, Hit, PolicyLayer, PreparedText
from bot.policy.model import Category, Decision, Owner, Policy, Reason, Route

FALLBACK_DETAIL = "nothing in the policy matched this request, so the policy's fallback decides"


class PolicyEngine:
    """Decides requests against one loaded policy. Build a new engine for a new policy."""

    def __init__(self, policy: Policy, *, layers: Sequence[PolicyLayer]) -> None:
        self.policy = policy
        self.layers: tuple[PolicyLayer, ...] = tuple(layers)
        self._rank = {name: index for index, name in enumerate(policy.categories)}
        self._owners = {
            key: Owner(id=key, name=person.name) for key, person in policy.people.people.items()
        }

    def decide(self, text: str) -> Decision:
        return self.decide_hits(self.hits(text))

    def closest(self, text: str, k: int = 3) -> tuple[Example, ...]:
        """The labelled texts closest to ``text``, from the first layer that keeps any (for
        `why`; never part of a decision)."""
        for layer in self.layers:
            if isinstance(layer, ExampleSource):
                return layer.closest(text, k)
        return ()

    def hits(self, text: str) -> tuple[Hit, ...]:
        """Every layer's evidence for ``text``, counted or not (what ``why`` explains)."""
        prepared = PreparedText.of(text)
        found: tuple[Hit, ...] = ()
        for layer in self.layers:
            found = layer.apply(prepared, found)
        return found

    def decide_hits(self, hits: tuple[Hit, ...]) -> Decision:
        """The decision the given hits lead to (exposed so a later stage can re-decide)."""
        counting = [hit for hit in hits if hit.counts]
        ranked = self._ranked_categories(counting)
        human = [name for name in ranked if self.policy.categories[name].route == "human"]
        chosen = human or ranked
        if not chosen:
            return self._fallback(hits)
        ordered = human + [name for name in ranked if name not in human]
        return self._decision(chosen[0], ordered, counting, hits)

    def _ranked_categories(self, hits: list[Hit]) -> list[str]:
        best: dict[str, tuple[float, int]] = {}
        for hit in hits:
            score, count = best.get(hit.category, (0.0, 0))
            best[hit.category] = (max(score, hit.score), count + _weight(hit))
        # Most evidence first. On a tie, a human category earlier in the policy leads
        # (the policy lists them most urgent first: crisis before creative); AI categories
        # then go by the strongest evidence.
        return sorted(best, key=lambda name: self._sort_key(name, *best[name]))

    def _sort_key(self, name: str, score: float, count: int) -> tuple[int, int, float, int]:
        urgency = self._rank[name] if self.policy.categories[name].route == "human" else 0
        return (-count, urgency, -score, self._rank[name])

    def _decision(
        self, name: str, ordered: list[str], counting: list[Hit], hits: tuple[Hit, ...]
    ) -> Decision:
        category = self.policy.categories[name]
        confidence = max(hit.score for hit in counting if hit.category == name)
        return _make_decision(
            route=category.route,
            category=name,
            categories=tuple(ordered),
            owner=self._owner(category.owner) if category.route == "human" else None,
            confidence=round(confidence, 4),
            reasons=_reasons(hits, ordered),
            why=category.why,
            ai_may=_ai_may(category),
            policy_revision=self.policy.revision,
        )

    def _fallback(self, hits: tuple[Hit, ...]) -> Decision:
        fallback = self.policy.file.fallback
        reasons = (
            *_reasons(hits, []),
            Reason(layer="fallback", category=None, detail=FALLBACK_DETAIL),
        )
        return _make_decision(
            route=fallback.route,
            category=None,
            categories=(),
            owner=self._owner(fallback.owner) if fallback.route == "human" else None,
            confidence=0.0,
            reasons=reasons,
            why=fallback.why,
            ai_may=fallback.ai_may,
            policy_revision=self.policy.revision,
        )

    def _owner(self, key: str | None) -> Owner | None:
        return self._owners.get(key) if key else None


def _make_decision(
    *,
    route: Route,
    category: str | None,
    categories: tuple[str, ...],
    owner: Owner | None,
    confidence: float,
    reasons: tuple[Reason, ...],
    why: str,
    ai_may: str,
    policy_revision: str,
) -> Decision:
    return Decision(
        decision_id=uuid.uuid4().hex,
        route=route,
        category=category,
        categories=categories,
        owner=owner,
        confidence=confidence,
        reasons=reasons,
        why=why,
        ai_may=ai_may,
        policy_revision=policy_revision,
    )


def _weight(hit: Hit) -> int:
    # A pattern describes a whole phrase ("cut the ... budget"), so it weighs two keywords.
    return 2 if hit.layer == "pattern" else 1


def _reasons(hits: tuple[Hit, ...], ordered: list[str]) -> tuple[Reason, ...]:
    """Counted hits in category order, then the ones that did not count; no repeats."""
    rank = {name: index for index, name in enumerate(ordered)}
    keyed = sorted(
        enumerate(hits),
        key=lambda item: (not item[1].counts, rank.get(item[1].category, 99), item[0]),
    )
    reasons: dict[tuple[str, str, str], Reason] = {}
    for _, hit in keyed:
        key = (hit.layer, hit.category, hit.detail)
        if key not in reasons:
            reasons[key] = Reason(layer=hit.layer, category=hit.category, detail=hit.detail)
    return tuple(reasons.values())


def _ai_may(category: Category) -> str:
    # For an AI route the whole request is AI's to do; the policy's ai_may (if any) says how.
    if category.ai_may or category.route == "human":
        return category.ai_may
    return "All of it: AI does this request; you review the result before it goes out."
