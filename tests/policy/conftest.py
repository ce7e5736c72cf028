"""Fixtures for the policy tests: the bundled policy, loaded once, and editable copies of it."""

from __future__ import annotations

import pytest

from bot.policy.engine import PolicyEngine
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.policy.rules import RulesLayer


@pytest.fixture(scope="session")
def default_policy() -> Policy:
    return load_policy(DEFAULT_POLICY_DIR)


@pytest.fixture(scope="session")
def rules_engine(default_policy: Policy) -> PolicyEngine:
    """The bundled policy decided by the rules layer alone (what issue 2 must get right)."""
    return PolicyEngine(default_policy, layers=(RulesLayer(default_policy),))


@pytest.fixture(scope="session")
def engine(default_policy: Policy) -> PolicyEngine:
    """The bundled policy decided the way the bot decides it: tripwires, then the reader."""
    from bot.reader import build_engine

    return build_engine(default_policy)
