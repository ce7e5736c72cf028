"""Edits a test makes to a copied policy directory, the way an admin would."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _edit(policy_dir: Path, name: str, change: Any) -> None:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments and layout survive, like a hand edit
    path = policy_dir / name
    data = yaml.load(path.read_text())
    change(data)
    with path.open("w") as f:
        yaml.dump(data, f)


def set_mode(policy_dir: Path, mode: str, category: str | None = None) -> None:
    """``mode: shadow`` (or enforce) on one category, or on the whole policy."""

    def change(data: Any) -> None:
        target = data if category is None else data["categories"].setdefault(category, {})
        target["mode"] = mode

    _edit(policy_dir, "policy.yaml", change)


def opt_in_digest(policy_dir: Path, person: str, tz: str | None = None) -> None:
    def change(data: Any) -> None:
        data["people"][person]["digest"] = True
        if tz is not None:
            data["people"][person]["tz"] = tz

    _edit(policy_dir, "people.yaml", change)
