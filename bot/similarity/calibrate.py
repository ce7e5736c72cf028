"""Per-category similarity thresholds from the policy's own data (`should-ai policy calibrate`).

Only the policy's example phrases (each one scored leave-one-out against all the others) and its
test cases (scored against every example) are used, so the result is reproducible from the
policy directory alone and never tuned on an evaluation set. Thresholds are chosen per category
by coordinate descent over a grid, with costs that say what matters:

- an AI category's threshold: a human request judged AI costs ``FALSE_AI_COST``, an AI request
  of that category left uncertain (a needless escalation) costs 1;
- a human category's threshold: an AI request judged confidently human costs 1, a request of
  that category left merely "uncertain" costs ``MISSED_HUMAN_COST`` (it still reaches a person).

Ties go to the higher threshold, the side that sends more to a person. The thresholds are
written into policy.yaml's ``threshold`` fields with a round-trip YAML writer, so admins' comments
and layout survive. Plain functions: the command that calls them lives in :mod:`bot.cli`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from bot.errors import PolicyError
from bot.policy.loader import load_policy
from bot.policy.model import Policy, Route
from bot.similarity.index import (
    DEFAULT_THRESHOLDS,
    CategoryScore,
    ExampleIndex,
    SimilarityResult,
    SimilarityVerdict,
    judge,
    judge_pair,
)
from bot.similarity.layer import shared_encoder

FALSE_AI_COST = 5.0
MISSED_HUMAN_COST = 0.5
GRID = tuple(round(float(t), 2) for t in np.arange(0.20, 0.95, 0.01))
PASSES = 3


@dataclass(frozen=True)
class Sample:
    """One held-out request: where it should go and how the index scored it."""

    text: str
    route: Route
    category: str | None
    result: SimilarityResult


@dataclass(frozen=True)
class Scorecard:
    """How a set of thresholds does on the held-out samples."""

    samples: int
    human: int
    ai: int
    human_judged_ai: int
    ai_escalated: int
    category_correct: int
    uncertain: int

    @property
    def human_recall(self) -> float:
        return 1.0 - self.human_judged_ai / self.human if self.human else 1.0

    @property
    def false_escalation(self) -> float:
        return self.ai_escalated / self.ai if self.ai else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_correct / self.samples if self.samples else 1.0


@dataclass(frozen=True)
class Calibration:
    thresholds: dict[str, float]
    before: Scorecard
    after: Scorecard


def held_out_samples(index: ExampleIndex, policy: Policy) -> list[Sample]:
    """Every example scored leave-one-out, then every labelled case scored against all."""
    samples = [
        Sample(
            text=phrase,
            route=index.routes[label],
            category=label,
            result=index.score_vector(index.vectors[i].copy(), exclude=i),
        )
        for i, (phrase, label) in enumerate(zip(index.phrases, index.labels.tolist(), strict=True))
    ]
    cases = [c for c in policy.cases if c.category is None or c.category in index.routes]
    if cases:
        vectors = index.encoder.encode([c.text for c in cases])
        samples += [
            Sample(text=c.text, route=c.route, category=c.category, result=index.score_vector(v))
            for c, v in zip(cases, vectors, strict=True)
        ]
    return samples


def fit_thresholds(
    samples: Sequence[Sample], routes: Mapping[str, Route], *, margin: float
) -> dict[str, float]:
    thresholds = {c: DEFAULT_THRESHOLDS[r] for c, r in routes.items()}
    contests = [_Contest(s, s.result.best("human"), s.result.best("ai")) for s in samples]
    # A category's threshold can only change the cost of samples it takes part in.
    involved = {
        c: [x for x in contests if c in (x.sample.category, _name(x.human), _name(x.ai))]
        for c in routes
    }
    for _ in range(PASSES):
        for category in routes:
            thresholds[category] = _best_threshold(
                involved[category], thresholds, category, routes[category], margin
            )
    return thresholds


@dataclass(frozen=True)
class _Contest:
    sample: Sample
    human: CategoryScore | None
    ai: CategoryScore | None


def _name(score: CategoryScore | None) -> str | None:
    return score.category if score is not None else None


def _best_threshold(
    contests: Sequence[_Contest],
    thresholds: dict[str, float],
    category: str,
    route: Route,
    margin: float,
) -> float:
    best, best_cost = thresholds[category], float("inf")
    for candidate in GRID:
        trial = {**thresholds, category: candidate}
        cost = sum(
            _cost(
                x.sample,
                judge_pair(x.human, x.ai, thresholds=trial, margin=margin),
                category,
                route,
            )
            for x in contests
        )
        if cost <= best_cost:  # `<=`: on a tie the higher threshold wins (safer)
            best, best_cost = candidate, cost
    return best


def _cost(sample: Sample, verdict: SimilarityVerdict, category: str, route: Route) -> float:
    if route == "ai":
        if verdict.outcome == "ai" and verdict.category == category and sample.route == "human":
            return FALSE_AI_COST
        if sample.category == category and verdict.outcome != "ai":
            return 1.0
        return 0.0
    if verdict.outcome == "human" and verdict.category == category and sample.route == "ai":
        return 1.0
    if sample.category == category and not (
        verdict.outcome == "human" and verdict.category == category
    ):
        return MISSED_HUMAN_COST
    return 0.0


def scorecard(
    samples: Sequence[Sample], thresholds: Mapping[str, float], *, margin: float
) -> Scorecard:
    verdicts = [judge(s.result, thresholds=thresholds, margin=margin) for s in samples]
    pairs = list(zip(samples, verdicts, strict=True))
    return Scorecard(
        samples=len(samples),
        human=sum(s.route == "human" for s in samples),
        ai=sum(s.route == "ai" for s in samples),
        human_judged_ai=sum(s.route == "human" and v.outcome == "ai" for s, v in pairs),
        ai_escalated=sum(s.route == "ai" and v.outcome != "ai" for s, v in pairs),
        category_correct=sum(s.category is not None and v.category == s.category for s, v in pairs),
        uncertain=sum(v.outcome == "uncertain" for v in verdicts),
    )


def calibrate(policy: Policy, index: ExampleIndex) -> Calibration:
    """Fits thresholds on the policy's held-out examples and cases; writes nothing."""
    samples = held_out_samples(index, policy)
    margin = policy.file.similarity_margin
    current = {
        c: cat.threshold if cat.threshold is not None else DEFAULT_THRESHOLDS[cat.route]
        for c, cat in policy.categories.items()
    }
    fitted = fit_thresholds(samples, index.routes, margin=margin)
    return Calibration(
        thresholds=fitted,
        before=scorecard(samples, current, margin=margin),
        after=scorecard(samples, fitted, margin=margin),
    )


def write_thresholds(policy_yaml: Path, thresholds: Mapping[str, float]) -> None:
    """Sets each category's ``threshold`` line in place; every other byte of the file stays.

    The file is parsed (round-trip mode, which records each key's line) only to find where
    each category's ``threshold`` is, or where to put it (just before ``examples``); the edit
    itself is a line replacement or insertion, so admins' comments and layout survive.
    """
    try:
        text = policy_yaml.read_text(encoding="utf-8")
        document = YAML(typ="rt").load(text)
    except (OSError, YAMLError) as e:
        raise PolicyError(f"cannot read it: {e}", file=str(policy_yaml)) from e
    categories = document.get("categories") if isinstance(document, CommentedMap) else None
    if not isinstance(categories, CommentedMap):
        raise PolicyError("must hold a mapping", file=str(policy_yaml), key="categories")
    lines = text.splitlines(keepends=True)
    edits = [_edit(policy_yaml, categories, name, value) for name, value in thresholds.items()]
    for edit in sorted(edits, key=lambda e: e.line, reverse=True):  # bottom-up: lines stay put
        new = f"{' ' * edit.column}threshold: {round(edit.value, 2)}\n"
        lines[edit.line : edit.line + int(edit.replace)] = [new]
    policy_yaml.write_text("".join(lines), encoding="utf-8")


@dataclass(frozen=True)
class _Edit:
    line: int  # 0-based
    column: int
    replace: bool  # replace an existing threshold line, or insert before ``line``
    value: float


def _edit(path: Path, categories: CommentedMap, name: str, value: float) -> _Edit:
    category = categories.get(name)
    if not isinstance(category, CommentedMap) or not category:
        raise PolicyError("no such category", file=str(path), key=f"categories.{name}")
    if "threshold" in category:
        line, column = category.lc.key("threshold")
        return _Edit(line, column, True, value)
    anchor = "examples" if "examples" in category else next(iter(category))
    line, column = category.lc.key(anchor)
    return _Edit(line, column, False, value)


def calibrate_directory(directory: Path, *, write: bool = True) -> Calibration:
    """What `should-ai policy calibrate` does: load, fit, and (unless told not to) write."""
    policy = load_policy(directory)
    result = calibrate(policy, ExampleIndex.build(policy, shared_encoder()))
    if write:
        write_thresholds(directory / "policy.yaml", result.thresholds)
    return result


def report(result: Calibration) -> str:
    """The lines the CLI prints: each threshold, then held-out figures before and after."""
    lines = [f"  {name:<18} threshold {value:.2f}" for name, value in result.thresholds.items()]
    for label, card in (("before", result.before), ("after", result.after)):
        lines.append(
            f"{label}: {card.samples} held-out phrases and cases; "
            f"human recall {card.human_recall:.3f}, false escalation {card.false_escalation:.3f}, "
            f"category accuracy {card.category_accuracy:.3f}, uncertain {card.uncertain}"
        )
    return "\n".join(lines)
