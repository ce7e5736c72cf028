"""The web console: ``/console/`` on the bot's own HTTP server (aiohttp), server-rendered with
Jinja2 and htmx (vendored in ``static/``). An adapter at the edge like the chat ones: it calls
the :class:`~bot.core.Core` facade and renders the values it returns.

- :mod:`handlers.web.session`: sign-in links, session cookies, roles, CSRF;
- :mod:`handlers.web.pages`: the pages (playground, queue, what-if, log, policy) and their forms;
- :mod:`handlers.web.views`: the values pages show, computed from the core's (queue groups,
  playground batches); :mod:`handlers.web.logview`: the decision log's filters, exports, charts;
- :mod:`handlers.web.render`: the Jinja2 environment (autoescaped; ``_`` marks words).
"""

from __future__ import annotations

from bot.core import Core
from bot.settings import Settings
from handlers.web.pages import WebConsole

__all__ = ["WebConsole", "build"]


def build(settings: Settings, core: Core) -> WebConsole:
    """The console, to mount on the HTTP server (it needs the core's sign-in store)."""
    return WebConsole(settings=settings, core=core)
