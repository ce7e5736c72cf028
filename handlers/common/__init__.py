"""What every chat adapter renders the same way: the core's outcome values put in words.

Owns :func:`status_text`, the requester's status line from a
:class:`bot.escalations.model.StatusNote`, used by the Slack, Discord and console notifiers.
"""

from handlers.common.status_text import status_text

__all__ = ["status_text"]
