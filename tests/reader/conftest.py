"""Fixtures for the reader tests: the bundled policy decided the way the bot decides it."""

from __future__ import annotations

import pytest

from bot.policy.engine import PolicyEngine
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.reader import build_engine


@pytest.fixture(scope="session")
def bundled_policy() -> Policy:
    return load_policy(DEFAULT_POLICY_DIR)


@pytest.fixture(scope="session")
def engine(bundled_policy: Policy) -> PolicyEngine:
    return build_engine(bundled_policy)
