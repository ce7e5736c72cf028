"""The decision core: a request and a policy in, a :class:`Decision` out.

Owns the policy files' model and loader (:mod:`.model`, :mod:`.loader`, :mod:`.revision`), text
normalisation (:mod:`.normalize`, :mod:`.mentions`), the layer protocol (:mod:`.layers`), the
keyword and pattern rules (:mod:`.rules`) and the engine that turns the layers' hits into a
decision (:mod:`.engine`). Fast, deterministic, explainable, and pure: it imports nothing of the
bot but :mod:`bot.errors`, so no chat platform, store, LLM or encoder. Layers beyond the rules
(the trained reader: :mod:`bot.reader`) are handed to the engine by whoever builds it.
"""

from bot.policy.engine import PolicyEngine
from bot.policy.layers import Hit, PolicyLayer, PreparedText
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Decision, Policy
from bot.policy.rules import RulesLayer

__all__ = [
    "DEFAULT_POLICY_DIR",
    "Decision",
    "Hit",
    "Policy",
    "PolicyEngine",
    "PolicyLayer",
    "PreparedText",
    "RulesLayer",
    "load_policy",
]
