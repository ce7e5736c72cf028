"""The adapters at the edge, one package per platform (``slack``, ``discord``, ``console``) and
``common`` for the words they share. Each platform package offers the composition root
``enabled(settings)`` and ``build(settings, core)``, implements the core's ports and renders
the core's outcome values; the arrows point one way, from here into ``bot/``."""

__all__ = ["common", "console", "discord", "slack"]
