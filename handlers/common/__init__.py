"""What every adapter shares at the edge: the words users read, rendered once from the core's
outcome values, for Slack, Discord and the console alike.

:mod:`handlers.common.replies` holds the sentences of a /should-ai reply and of a button press;
:mod:`handlers.common.ai_text` those of the AI work (:class:`bot.ai.notes.AiNote`: what happens
after the verdict, a draft's and a post's buttons, the questions about a time).
:func:`status_text` is the requester's status line from a
:class:`bot.escalations.model.StatusNote`, used by the Slack, Discord and console notifiers, and
how people and channels are named in it (each adapter brings its own :class:`Mentions` markup).
"""

from handlers.common.status_text import PLAIN, Mentions, channel_text, person_text, status_text

__all__ = ["PLAIN", "Mentions", "channel_text", "person_text", "status_text"]
