"""The Jinja2 environment of the console: templates from ``templates/``, HTML autoescaped (a
request containing ``<script>`` is shown as text), ``_`` and ``ngettext`` for words."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import jinja2
import markupsafe
from aiohttp import web

from handlers.common.console_text import role_text
from handlers.common.i18n import _, ngettext


def minutes(seconds: float) -> str:
    """A duration as people read it in a queue: ``45 s``, ``12 min``, ``3 h 5 min``."""
    s = int(seconds)
    if abs(s) < 60:
        return _("{n} s").format(n=s)
    if abs(s) < 3600:
        return _("{n} min").format(n=s // 60)
    return _("{h} h {m} min").format(h=s // 3600, m=(s % 3600) // 60)


def when(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("handlers.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(_=_, ngettext=ngettext, role_text=role_text)
    env.filters.update(minutes=minutes, when=when)
    return env


# Defence in depth behind autoescaping: no inline or foreign script ever runs, no framing, and no
# Referer carries a sign-in link's path elsewhere. (htmx injects its indicator style inline.)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def fragment(message: str, *, status: int) -> web.Response:
    """A notice htmx swaps in where the answer would have gone (a refusal, a lost session)."""
    html = f'<p class="notice" role="alert">{markupsafe.escape(message)}</p>'
    return web.Response(
        text=html, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def page(template: str, *, status: int = 200, **context: Any) -> web.Response:
    html = environment().get_template(template).render(**context)
    return web.Response(
        text=html, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )
