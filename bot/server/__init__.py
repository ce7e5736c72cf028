"""``should-ai serve`` around the core: the HTTP server (``/healthz``, ``/metrics``, the routes
adapters mount) and the supervision of the long-lived tasks. The composition root
(:mod:`bot.app`) builds the bot and hands it to these."""

from bot.server.http import bound_port, health_probe, make_web_app, start_http
from bot.server.supervise import (
    AdapterStatus,
    Backoff,
    SupervisedAdapter,
    on_signals,
    run_until_stopped,
)

__all__ = [
    "AdapterStatus",
    "Backoff",
    "SupervisedAdapter",
    "bound_port",
    "health_probe",
    "make_web_app",
    "on_signals",
    "run_until_stopped",
    "start_http",
]
