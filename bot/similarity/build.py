"""The policy engine the bot decides with: the rules, then similarity to the example phrases.

The decision core (:mod:`bot.policy`) takes its layers from whoever builds the engine and knows
nothing of this package; this is where the two are put together.
"""

from __future__ import annotations

from bot.policy.engine import PolicyEngine
from bot.policy.layers import PolicyLayer
from bot.policy.model import Policy
from bot.policy.rules import RulesLayer
from bot.similarity.layer import SimilarityLayer


def default_layers(policy: Policy) -> tuple[PolicyLayer, ...]:
    """The layers a policy runs: the rules, then similarity to the example phrases (its index
    is built here, once per loaded policy, with the shared encoder and the default cache)."""
    return (RulesLayer(policy), SimilarityLayer.for_policy(policy))


def build_engine(policy: Policy) -> PolicyEngine:
    """An engine deciding ``policy`` with :func:`default_layers` (a reload builds a new one)."""
    return PolicyEngine(policy, layers=default_layers(policy))
