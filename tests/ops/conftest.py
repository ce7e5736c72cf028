"""Shared helpers for the ops tests: decisions as the engine returns them, and a Redis we own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.observability.metrics import Metrics
from bot.policy.model import Decision, Owner, Reason
from bot.store.embedded import EmbeddedRedis

DANA = Owner(id="comms-lead", name="Dana Whitfield")


def make_decision(
    *,
    decision_id: str = "d-1",
    route: str = "human",
    category: str | None = "crisis",
    owner: Owner | None = DANA,
    revision: str = "rev-1",
) -> Decision:
    return Decision.model_validate(
        {
            "decision_id": decision_id,
            "route": route,
            "category": category,
            "categories": [category] if category else [],
            "owner": owner,
            "confidence": 0.9,
            "reasons": [Reason(layer="keyword", category=category, detail="matched 'boycott'")],
            "why": "reputation at stake",
            "ai_may": "gather facts",
            "policy_revision": revision,
        }
    )


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis server this test may kill, to see what happens during an outage."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels or None)
    return value or 0.0


REPO_POLICIES = Path(__file__).resolve().parents[2] / "policies"


def copy_policies(dest: Path) -> Path:
    """A private copy of the shipped policy directory that a test may edit."""
    import shutil

    target = dest / "policies"
    shutil.copytree(REPO_POLICIES, target)
    return target


def add_keyword(policy_dir: Path, category: str, word: str) -> None:
    """Edit policy.yaml the way an admin would: one more English keyword for ``category``."""
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments and layout survive, like a hand edit
    path = policy_dir / "policy.yaml"
    data = yaml.load(path.read_text())
    fields = data["categories"].setdefault(category, {})
    fields.setdefault("keywords", {}).setdefault("en", []).append(word)
    with path.open("w") as f:
        yaml.dump(data, f)
