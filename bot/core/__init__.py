"""What the adapters see of the core: the flows every adapter shares, written once
(:mod:`bot.core.flows`: what follows a decision, what a button press means), and the outcome
values they return (:mod:`bot.core.outcomes`), which each adapter renders in its own words."""

from bot.core.flows import AfterDecision, Presses, StatusCard
from bot.core.outcomes import AiOp, AiPress, FollowUp, Press

__all__ = ["AfterDecision", "AiOp", "AiPress", "FollowUp", "Press", "Presses", "StatusCard"]
