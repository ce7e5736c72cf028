"""Text shown to people, shortened the one way the CLI, the core's summaries and every
adapter shorten it. A leaf: it imports nothing of the app."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
