"""What the bot tells its operators: :mod:`.metrics` (Prometheus), :mod:`.decision_log` (a
Redis stream of every decision, escalation move and LLM call, request text masked unless kept)
and :mod:`.failopen` (a Redis side-call that fails is counted and let through, never fatal).

Import the modules themselves: this package's ``__init__`` imports nothing, so importing one
part never loads the others.
"""

__all__: list[str] = []
