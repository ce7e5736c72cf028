"""The policy engine the bot decides with: the tripwires, then the trained reader.

The decision core (:mod:`bot.policy`) takes its layers from whoever builds the engine and knows
nothing of this package; this is where the two are put together.
"""

from __future__ import annotations

from bot.policy.engine import PolicyEngine
from bot.policy.layers import PolicyLayer
from bot.policy.model import Policy
from bot.policy.rules import RulesLayer
from bot.reader.layer import ReaderLayer


def default_layers(policy: Policy) -> tuple[PolicyLayer, ...]:
    """The tripwires (keywords and patterns), then the trained reader for ``policy`` (loaded
    from the cache or the shipped seed, or trained: see :func:`bot.reader.training.model_for`)."""
    return (RulesLayer(policy), ReaderLayer.for_policy(policy))


def build_engine(policy: Policy) -> PolicyEngine:
    """An engine deciding ``policy`` with :func:`default_layers` (a reload builds a new one)."""
    return PolicyEngine(policy, layers=default_layers(policy))
