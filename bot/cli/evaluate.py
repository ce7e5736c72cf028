"""Score a policy against labelled requests: what `should-ai eval` and `policy test` report.

The figures that matter for a team: **human-route recall** (of the requests a person must own,
how many went to a person) and the **false-escalation rate** (of the requests AI may do, how many
were sent to a person anyway), then category accuracy; overall, per category and per language.
Each request goes through what the bot does first: a message that is not a request (greetings,
thanks, a lone word; :mod:`bot.policy.nonrequest`) is answered with help and decided by no one,
which counts as a miss for a request and as right for an item labelled ``"route": "none"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.errors import UsageError
from bot.policy.engine import PolicyEngine
from bot.policy.model import Case, Decision, Route
from bot.policy.nonrequest import non_request

Label = Route | Literal["none"]  # "none": not a request (answered with help)


@dataclass(frozen=True)
class LabelledItem:
    text: str
    route: Label
    category: str | None
    lang: str = "?"


@dataclass(frozen=True)
class Outcome:
    item: LabelledItem
    decision: Decision | None  # None: taken for a non-request

    @property
    def route(self) -> Label:
        return self.decision.route if self.decision is not None else "none"

    @property
    def category(self) -> str | None:
        return self.decision.category if self.decision is not None else None

    @property
    def route_ok(self) -> bool:
        return self.route == self.item.route

    @property
    def category_ok(self) -> bool:
        if self.item.route == "none":
            return self.route_ok
        return self.item.category is None or self.category == self.item.category


@dataclass(frozen=True)
class Scores:
    items: int
    human_items: int
    ai_items: int
    human_recall: float | None
    false_escalation_rate: float | None
    route_accuracy: float | None
    category_accuracy: float | None
    non_request_items: int = 0
    non_requests_recognised: float | None = None

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Scores:
        human = [o for o in outcomes if o.item.route == "human"]
        ai = [o for o in outcomes if o.item.route == "ai"]
        chatter = [o for o in outcomes if o.item.route == "none"]
        requests = [o for o in outcomes if o.item.route != "none"]
        return cls(
            items=len(outcomes),
            human_items=len(human),
            ai_items=len(ai),
            human_recall=_share(o.route == "human" for o in human),
            false_escalation_rate=_share(o.route == "human" for o in ai),
            route_accuracy=_share(o.route_ok for o in requests),
            category_accuracy=_share(o.category_ok for o in requests),
            non_request_items=len(chatter),
            non_requests_recognised=_share(o.route_ok for o in chatter),
        )


@dataclass(frozen=True)
class Report:
    policy_revision: str
    overall: Scores
    per_category: dict[str, Scores]
    per_language: dict[str, Scores]
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(engine: PolicyEngine, items: Iterable[LabelledItem]) -> Report:
    outcomes = [Outcome(item, _decided(engine, item.text)) for item in items]
    return report_of(engine.policy.revision, outcomes)


def report_of(revision: str, outcomes: list[Outcome]) -> Report:
    """The scores of decisions already made (``should-ai eval --second-look`` makes its own)."""
    return Report(
        policy_revision=revision,
        overall=Scores.of(outcomes),
        per_category=_grouped(outcomes, lambda o: o.item.category or "(none)"),
        per_language=_grouped(outcomes, lambda o: o.item.lang),
        misses=[_miss(o) for o in outcomes if not (o.route_ok and o.category_ok)],
    )


def decided(engine: PolicyEngine, text: str) -> Decision | None:
    """What the bot decides first: None for a non-request, else the engine's decision."""
    return _decided(engine, text)


def _decided(engine: PolicyEngine, text: str) -> Decision | None:
    return None if non_request(text) is not None else engine.decide(text)


def read_labelled(path: Path) -> list[LabelledItem]:
    """Read a JSONL file of ``{"text", "route", "category", "lang"?}``; UsageError if bad."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read: {e}") from e
    return list(_parse_lines(path, lines))


def _parse_lines(path: Path, lines: list[str]) -> Iterator[LabelledItem]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield _item(json.loads(line))
        except (ValueError, TypeError, KeyError) as e:
            raise UsageError(f"{path}:{number}: not a labelled item ({e})") from e


def _item(data: Any) -> LabelledItem:
    text, route = data["text"], data["route"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' must be a non-empty string")
    if route not in ("human", "ai", "none"):
        raise ValueError(f"'route' must be human, ai or none, not {route!r}")
    category = data.get("category")
    category = None if route == "none" else category
    return LabelledItem(
        text, route, category if isinstance(category, str) else None, str(data.get("lang", "?"))
    )


def _grouped(outcomes: list[Outcome], key: Any) -> dict[str, Scores]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return {name: Scores.of(group) for name, group in sorted(groups.items())}


def _miss(outcome: Outcome) -> dict[str, Any]:
    return {
        "text": outcome.item.text,
        "expected": f"{outcome.item.route}/{outcome.item.category}",
        "got": f"{outcome.route}/{outcome.category}",
        "reasons": [r.detail for r in outcome.decision.reasons] if outcome.decision else [],
    }


def _share(flags: Iterable[bool]) -> float | None:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else None


def format_report(report: Report) -> str:
    lines = [f"policy revision {report.policy_revision}", "", _header("overall")]
    lines.append(_row("all", report.overall))
    lines += ["", _header("per category")]
    lines += [_row(name, scores) for name, scores in report.per_category.items()]
    lines += ["", _header("per language")]
    lines += [_row(name, scores) for name, scores in report.per_language.items()]
    if report.overall.non_request_items:
        share = _pct(report.overall.non_requests_recognised)
        lines += [
            "",
            f"non-requests    {report.overall.non_request_items:>6}  answered with help: {share}",
        ]
    if report.misses:
        lines += ["", f"misses ({len(report.misses)}):"]
        lines += [f"  [{m['expected']} -> {m['got']}] {m['text']}" for m in report.misses]
    return "\n".join(lines)


def _header(title: str) -> str:
    return f"{title:<16}{'items':>6}{'human recall':>14}{'false esc.':>12}{'category acc.':>15}"


def _row(name: str, scores: Scores) -> str:
    return (
        f"{name:<16}{scores.items:>6}{_pct(scores.human_recall):>14}"
        f"{_pct(scores.false_escalation_rate):>12}{_pct(scores.category_accuracy):>15}"
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class CaseResult:
    case: Case
    decision: Decision

    @property
    def passed(self) -> bool:
        route_ok = self.decision.route == self.case.route
        return route_ok and (
            self.case.category is None or self.decision.category == self.case.category
        )


@dataclass(frozen=True)
class CaseRun:
    """The policy's own test cases, run: per-category coverage and the failures."""

    results: list[CaseResult]
    coverage: dict[str, tuple[int, int]]  # category -> (cases, passed)

    @property
    def uncovered(self) -> list[str]:
        return [name for name, (count, _) in self.coverage.items() if count == 0]

    @property
    def failures(self) -> list[CaseResult]:
        return [result for result in self.results if not result.passed]

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.failures and not self.uncovered


def run_cases(engine: PolicyEngine) -> CaseRun:
    cases = (*engine.policy.pack_cases, *engine.policy.cases)
    results = [CaseResult(case, engine.decide(case.text)) for case in cases]
    coverage = {name: (0, 0) for name in engine.policy.categories}
    for result in results:
        name = result.case.category or "(fallback)"
        count, passed = coverage.get(name, (0, 0))
        coverage[name] = (count + 1, passed + result.passed)
    return CaseRun(results, coverage)
