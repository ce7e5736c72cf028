"""What the adapters see of the core, and all they see of it: the :class:`Core` facade they are
given (the calls they make, where they register), the ports they implement
(:mod:`bot.core.ports`), the flows every adapter shares, written once (:mod:`bot.core.flows`:
what follows a decision, what a button press means), and the outcome values those return
(:mod:`bot.core.outcomes`), which each adapter renders in its own words."""

from bot.core.facade import AdminNotices, Core
from bot.core.flows import AfterDecision, Presses, StatusCard
from bot.core.outcomes import AiOp, AiPress, FollowUp, Press
from bot.core.ports import AdapterPlugin, ChatAdapter

__all__ = [
    "AdapterPlugin",
    "AdminNotices",
    "AfterDecision",
    "AiOp",
    "AiPress",
    "ChatAdapter",
    "Core",
    "FollowUp",
    "Press",
    "Presses",
    "StatusCard",
]
