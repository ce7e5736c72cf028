"""How close a request is to each category's example phrases: the index and its verdict.

Keywords miss paraphrases and fire on harmless topics; example phrases written the way marketers
talk catch both. Every category's examples feed one index, AI categories included: they are the
counter-weights (a blog post *about* a crisis is drafting, not a crisis).

The index is built once per loaded policy (embeddings can be cached on disk, keyed by the
encoder and the phrases: :mod:`bot.similarity.cache`), then :meth:`ExampleIndex.score` is pure
and fast. :func:`judge` turns the scores into a verdict with per-category thresholds and a
margin; anything short of a clear answer is ``uncertain``, which the engine sends to a person,
never silently to AI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from bot.encoder import Encoder, Vectors
from bot.policy.model import Policy, Route
from bot.similarity.cache import cached_encode

Outcome = Literal["human", "ai", "uncertain"]

TOP_K = 3
# Every reason the similarity layer gives for an unsure verdict starts with this (the LLM judge
# looks for it; admins read it).
UNCERTAIN_PREFIX = "uncertain: "
# Requests are a sentence or two; a pasted essay is cut so one request can't cost more.
MAX_CHARS = 600
# Used until `should-ai policy calibrate` writes a threshold: high for AI categories, so an
# uncalibrated policy errs toward a person.
DEFAULT_THRESHOLDS: Mapping[Route, float] = {"human": 0.35, "ai": 0.5}


@dataclass(frozen=True)
class CategoryScore:
    """A category's score (mean of its top-k neighbours) and its nearest example phrase."""

    category: str
    route: Route
    score: float
    nearest: str
    nearest_score: float


@dataclass(frozen=True)
class SimilarityResult:
    """Every category's score for one request, best first."""

    scores: tuple[CategoryScore, ...]

    def best(self, route: Route) -> CategoryScore | None:
        return next((s for s in self.scores if s.route == route), None)

    def of(self, category: str) -> CategoryScore | None:
        return next((s for s in self.scores if s.category == category), None)


@dataclass(frozen=True)
class SimilarityVerdict:
    outcome: Outcome
    category: str | None
    score: float
    best_human: CategoryScore | None
    best_ai: CategoryScore | None

    def detail(self) -> str:
        """What an admin reads in the decision's reasons."""
        parts = [_describe(s) for s in (self.best_human, self.best_ai) if s is not None]
        prefix = UNCERTAIN_PREFIX if self.outcome == "uncertain" else ""
        return prefix + "; ".join(parts)


def _describe(s: CategoryScore) -> str:
    return f'{s.category} {s.score:.2f} (nearest example "{s.nearest}" {s.nearest_score:.2f})'


class ExampleIndex:
    """The example phrases of every category of one policy, embedded once."""

    def __init__(
        self,
        *,
        encoder: Encoder,
        phrases: Sequence[str],
        labels: Sequence[str],
        routes: Mapping[str, Route],
        vectors: Vectors,
        k: int = TOP_K,
    ) -> None:
        self.encoder = encoder
        self.phrases = tuple(phrases)
        self.labels = np.asarray(labels)
        self.routes = dict(routes)
        self.vectors = vectors
        self.k = k
        self._categories = tuple(c for c in self.routes if np.any(self.labels == c))
        self._table = _row_table(self.labels, self._categories)

    @classmethod
    def build(
        cls, policy: Policy, encoder: Encoder, *, cache_dir: Path | None = None, k: int = TOP_K
    ) -> ExampleIndex:
        phrases, labels = policy_examples(policy)
        routes = {name: c.route for name, c in policy.categories.items()}
        vectors = cached_encode(encoder, phrases, cache_dir)
        return cls(
            encoder=encoder, phrases=phrases, labels=labels, routes=routes, vectors=vectors, k=k
        )

    def __len__(self) -> int:
        return len(self.phrases)

    def score(self, text: str) -> SimilarityResult:
        return self.score_vector(self.embed(text))

    def embed(self, text: str) -> Vectors:
        """The request's vector (a pasted essay is cut to ``MAX_CHARS`` first)."""
        vector: Vectors = self.encoder.encode([text[:MAX_CHARS]])[0]
        return vector

    def score_vector(self, vector: Vectors, *, exclude: int | None = None) -> SimilarityResult:
        """Scores a vector already encoded; ``exclude`` leaves one example out (calibration).

        One matrix product, then a (categories x examples) gather padded with -inf, so the
        per-category top-k is a single sort whatever the number of categories.
        """
        sims = np.append(self.vectors @ vector, -np.inf).astype(np.float32)
        if exclude is not None:
            sims[exclude] = -np.inf
        grid = sims[self._table]  # rows: categories; padding points at the trailing -inf
        order = np.argsort(-grid, axis=1, kind="stable")
        top = np.take_along_axis(grid, order[:, : self.k], axis=1)
        counted = np.isfinite(top)
        sums = np.where(counted, top, 0.0).sum(axis=1)
        means = sums / np.maximum(counted.sum(axis=1), 1)
        scores = [
            self._category_score(i, c, float(means[i]), int(self._table[i, order[i, 0]]), sims)
            for i, c in enumerate(self._categories)
            if counted[i, 0]
        ]
        return SimilarityResult(tuple(sorted(scores, key=lambda s: s.score, reverse=True)))

    def _category_score(
        self, i: int, category: str, mean: float, best_row: int, sims: Vectors
    ) -> CategoryScore:
        return CategoryScore(
            category=category,
            route=self.routes[category],
            score=mean,
            nearest=self.phrases[best_row],
            nearest_score=float(sims[best_row]),
        )


def _row_table(labels: NDArray[np.str_], categories: Sequence[str]) -> NDArray[np.intp]:
    """Row indices of each category's examples, padded with ``len(labels)`` (the -inf slot)."""
    rows = [np.flatnonzero(labels == c) for c in categories]
    width = max((len(r) for r in rows), default=0)
    table = np.full((len(rows), max(width, 1)), len(labels), dtype=np.intp)
    for i, r in enumerate(rows):
        table[i, : len(r)] = r
    return table


def policy_training_data(policy: Policy) -> tuple[list[str], list[str], int]:
    """The texts the similarity layer learns from, their categories, and how many of them are
    example phrases: every example phrase (as :func:`policy_examples`), then every case that
    names a category of the policy."""
    texts, labels = policy_examples(policy)
    examples = len(texts)
    for case in policy.cases:
        if case.category is not None and case.category in policy.categories:
            texts.append(case.text)
            labels.append(case.category)
    return texts, labels, examples


def policy_examples(policy: Policy) -> tuple[list[str], list[str]]:
    """Every example phrase of the policy (all languages) and its category, in file order."""
    phrases: list[str] = []
    labels: list[str] = []
    for name, category in policy.categories.items():
        for phrase in category.examples.all():
            phrases.append(phrase)
            labels.append(name)
    return phrases, labels


def thresholds_of(policy: Policy) -> dict[str, float]:
    """Each category's similarity threshold: the calibrated one, else the route's default."""
    return {
        name: c.threshold if c.threshold is not None else DEFAULT_THRESHOLDS[c.route]
        for name, c in policy.categories.items()
    }


def judge(
    result: SimilarityResult, *, thresholds: Mapping[str, float], margin: float
) -> SimilarityVerdict:
    """A confident verdict needs the best category of one route to clear its own threshold *and*
    beat the best of the other route by the margin.

    Anything else is uncertain and names the closest human category, so a person still gets it.
    """
    return judge_pair(result.best("human"), result.best("ai"), thresholds=thresholds, margin=margin)


def judge_pair(
    human: CategoryScore | None,
    ai: CategoryScore | None,
    *,
    thresholds: Mapping[str, float],
    margin: float,
) -> SimilarityVerdict:
    """:func:`judge` given the best human and best AI category (calibration calls this)."""
    human_score = human.score if human is not None else 0.0
    ai_score = ai.score if ai is not None else 0.0
    if ai is not None and ai.score >= thresholds[ai.category] and ai_score - human_score >= margin:
        return SimilarityVerdict("ai", ai.category, ai.score, human, ai)
    if (
        human is not None
        and human.score >= thresholds[human.category]
        and human_score - ai_score >= margin
    ):
        return SimilarityVerdict("human", human.category, human.score, human, ai)
    category = human.category if human is not None else None
    return SimilarityVerdict("uncertain", category, human_score, human, ai)
