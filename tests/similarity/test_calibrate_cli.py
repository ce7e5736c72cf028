"""`should-ai policy calibrate` as an admin runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.policy.loader import load_policy


def _strip_thresholds(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if "threshold:" not in line), encoding="utf-8")


def test_calibrate_writes_a_threshold_for_every_category(
    policy_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _strip_thresholds(policy_dir / "policy.yaml")
    assert main(["policy", "calibrate", "--policy-dir", str(policy_dir)]) == 0
    out = capsys.readouterr().out
    assert "human recall" in out and "written to" in out
    policy = load_policy(policy_dir)
    assert all(category.threshold is not None for category in policy.categories.values())
    assert main(["policy", "test", "--policy-dir", str(policy_dir)]) == 0


def test_dry_run_leaves_the_file_alone(
    policy_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (policy_dir / "policy.yaml").read_bytes()
    assert main(["policy", "calibrate", "--dry-run", "--policy-dir", str(policy_dir)]) == 0
    assert "not written" in capsys.readouterr().out
    assert (policy_dir / "policy.yaml").read_bytes() == before


def test_a_broken_policy_exits_2_naming_the_file(
    policy_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (policy_dir / "policy.yaml").write_text("categories: [not, a, mapping\n", encoding="utf-8")
    assert main(["policy", "calibrate", "--policy-dir", str(policy_dir)]) == 2
    assert "policy.yaml" in capsys.readouterr().err
