"""What happens to what a user types, before anything platform-specific answers it.

- :mod:`.intake`: validate, dedupe, rate-limit, recognise non-requests, decide (off the event
  loop, then the optional LLM judge) and log one request; open or defer its escalation;
- :mod:`.commands`: `/should-ai` sub-commands and requests turned into a :class:`Reply` value;
- :mod:`.dedupe`, :mod:`.ratelimit`: the Redis-backed guards intake applies to every command
  (each fails open: :mod:`bot.observability.failopen`).
"""

from bot.intake.intake import Intake, IntakeResult

__all__ = ["Intake", "IntakeResult"]
