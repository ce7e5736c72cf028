"""What every chat adapter renders the same way: the core's outcome values put in words.

Owns :func:`status_text`, the requester's status line from a
:class:`bot.escalations.model.StatusNote`, used by the Slack, Discord and console notifiers, and
how people and channels are named in it (each adapter brings its own :class:`Mentions` markup).
"""

from handlers.common.status_text import PLAIN, Mentions, channel_text, person_text, status_text

__all__ = ["PLAIN", "Mentions", "channel_text", "person_text", "status_text"]
