"""A policy file cannot stop the bot or eat its memory: size, depth, aliases and value ranges
have limits, each reported as a PolicyError naming file, line and key (issue 12, defect 6).

Every test that takes ``parser`` runs with the C parser (when ruamel.yaml.clib is installed) and
with the pure one: the limits must hold on both paths, before anything recursive reads the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ruamel.yaml.main

from bot.errors import PolicyError
from bot.policy.loader import c_yaml_parser_available, load_policy


@pytest.fixture(params=["c", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "c" and not c_yaml_parser_available():
        pytest.skip("ruamel.yaml.clib (the C parser) is not installed")
    if request.param == "pure":
        monkeypatch.setattr(ruamel.yaml.main, "CParser", None)  # as when its import fails
    yield request.param


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own parse cache, empty: every file goes through the parser and the limits."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "should-ai" / "policy"


def _error(policy_dir: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_dir)
    return caught.value


# --- value ranges -----------------------------------------------------------------------------


def _set_crisis(policy_dir: Path, key: str, value: str) -> int:
    path = policy_dir / "policy.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  crisis:\n")
    n = next(i for i in range(start, len(lines)) if lines[i].startswith(f"    {key}:"))
    lines[n] = f"    {key}: {value}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return n + 1


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e300", "10081", "0", "-5"])
def test_ack_minutes_must_be_finite_positive_and_at_most_a_week(
    parser: str, policy_dir: Path, value: str
) -> None:
    line = _set_crisis(policy_dir, "ack_minutes", value)

    error = _error(policy_dir)

    assert (error.file, error.line) == (str(policy_dir / "policy.yaml"), line)
    assert error.key == "categories.crisis.ack_minutes"


@pytest.mark.parametrize("value", ["0.5", "10080"])
def test_ack_minutes_within_a_week_is_fine(policy_dir: Path, value: str) -> None:
    _set_crisis(policy_dir, "ack_minutes", value)
    assert load_policy(policy_dir).categories["crisis"].ack_minutes == float(value)


@pytest.mark.parametrize(("value", "ok"), [("20", True), ("21", False), ("1e300", False)])
def test_repeat_is_at_most_20(policy_dir: Path, value: str, ok: bool) -> None:
    line = _set_crisis(policy_dir, "repeat", value)
    if ok:
        assert load_policy(policy_dir).categories["crisis"].repeat == int(value)
        return
    error = _error(policy_dir)
    assert (error.line, error.key) == (line, "categories.crisis.repeat")
