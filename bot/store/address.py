"""What ``SHOULD_AI_REDIS_URL`` may say: one Redis server, or the Sentinels of a replicated one.

- ``redis://[[user]:password@]host[:port][/db]``, ``rediss://…`` (TLS), ``unix:///path/redis.sock``:
  one server, read by redis-py's own URL parser.
- ``redis+sentinel://[[user]:password@]host1[:port1][,host2[:port2]…]/service[/db]``: Redis
  Sentinel. The hosts are Sentinels (port 26379 when left out), ``service`` is the name they
  monitor (``sentinel monitor <service> …``), the user and password are those of the Redis
  servers. ``?sentinel_password=…`` (and ``sentinel_username``) when the Sentinels have their own.

Options every form takes (in the query string):

- ``socket_timeout`` (seconds, default 5) bounds every reply, ``socket_connect_timeout``
  (default 2) every connection: a hung Redis is an error after that long, never a wait forever.
- ``wait_replicas`` (default 1 with Sentinel, else 0): an escalation move counts as stored once
  that many replicas have it (Redis ``WAIT``). Replication is asynchronous: without it, a
  failover can drop moves the old master had confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode

from bot.errors import ShouldAiError

SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0
SENTINEL_PORT = 26379
SENTINEL_SCHEME = "redis+sentinel"
_SERVER_SCHEMES = ("redis", "rediss", "unix")
_OUR_OPTIONS = ("socket_timeout", "socket_connect_timeout", "wait_replicas")
_SENTINEL_OPTIONS = (*_OUR_OPTIONS, "sentinel_username", "sentinel_password")


class RedisUrlError(ShouldAiError):
    """SHOULD_AI_REDIS_URL does not name a Redis should-ai can use."""


@dataclass(frozen=True)
class SentinelAddress:
    """Where the Sentinels are and which of their services is ours."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_username: str | None = None
    sentinel_password: str | None = None


@dataclass(frozen=True)
class RedisAddress:
    """A parsed SHOULD_AI_REDIS_URL: ``server_url`` for one server, else ``sentinel``."""

    server_url: str | None
    sentinel: SentinelAddress | None
    socket_timeout_s: float = SOCKET_TIMEOUT_S
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    wait_replicas: int = 0


def parse_redis_url(url: str) -> RedisAddress:
    """Read ``url``; raise :class:`RedisUrlError` naming what is wrong (never the password)."""
    scheme = url.partition("://")[0].lower()
    if scheme == SENTINEL_SCHEME:
        return _sentinel_address(url)
    if scheme in _SERVER_SCHEMES:
        return _server_address(url)
    raise RedisUrlError(
        f"SHOULD_AI_REDIS_URL must start with redis://, rediss://, unix:// or "
        f"{SENTINEL_SCHEME}://, not {scheme + '://' if scheme else repr(_masked(url))}"
    )


def _server_address(url: str) -> RedisAddress:
    base, _, query_text = url.partition("?")
    query = parse_qsl(query_text, keep_blank_values=True)
    ours = {k: v for k, v in query if k in _OUR_OPTIONS}
    theirs = urlencode([(k, v) for k, v in query if k not in _OUR_OPTIONS])
    server_url = f"{base}?{theirs}" if theirs else base
    return _address(ours, server_url=server_url, sentinel=None, default_replicas=0)


def _sentinel_address(url: str) -> RedisAddress:
    rest = url.split("://", 1)[1]
    rest, _, query_text = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, _, hosts = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    options = dict(parse_qsl(query_text, keep_blank_values=True))
    unknown = sorted(set(options) - set(_SENTINEL_OPTIONS))
    if unknown:
        raise RedisUrlError(
            f"SHOULD_AI_REDIS_URL: unknown Sentinel option(s) {', '.join(unknown)} "
            f"(known: {', '.join(_SENTINEL_OPTIONS)})"
        )
    sentinel = SentinelAddress(
        sentinels=tuple(_host_port(h) for h in hosts.split(",") if h),
        service=_service(path),
        db=_db(path),
        username=unquote(user) or None,
        password=unquote(password) or None,
        sentinel_username=options.get("sentinel_username") or None,
        sentinel_password=options.get("sentinel_password") or None,
    )
    if not sentinel.sentinels:
        raise RedisUrlError("SHOULD_AI_REDIS_URL names no Sentinel host (host1:26379,host2:26379)")
    return _address(options, server_url=None, sentinel=sentinel, default_replicas=1)


def _host_port(text: str) -> tuple[str, int]:
    host, port = text, ""
    if text.startswith("["):  # [IPv6]:port
        host, _, after = text[1:].partition("]")
        port = after.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    try:
        return host, int(port) if port else SENTINEL_PORT
    except ValueError:
        raise RedisUrlError(f"SHOULD_AI_REDIS_URL: Sentinel port {port!r} is no number") from None


def _service(path: str) -> str:
    service = unquote(path.split("/")[0])
    if not service:
        raise RedisUrlError(
            "SHOULD_AI_REDIS_URL must name the Sentinel service after the hosts: "
            f"{SENTINEL_SCHEME}://host1:26379,host2:26379/mymaster/0"
        )
    return service


def _db(path: str) -> int:
    db = path.split("/")[1] if path.count("/") >= 1 else ""
    try:
        return int(db) if db else 0
    except ValueError:
        raise RedisUrlError(f"SHOULD_AI_REDIS_URL: database {db!r} is not a number") from None


def _address(
    options: dict[str, str],
    *,
    server_url: str | None,
    sentinel: SentinelAddress | None,
    default_replicas: int,
) -> RedisAddress:
    return RedisAddress(
        server_url=server_url,
        sentinel=sentinel,
        socket_timeout_s=_seconds(options, "socket_timeout", SOCKET_TIMEOUT_S),
        connect_timeout_s=_seconds(options, "socket_connect_timeout", CONNECT_TIMEOUT_S),
        wait_replicas=_count(options, "wait_replicas", default_replicas),
    )


def _seconds(options: dict[str, str], name: str, default: float) -> float:
    text = options.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise RedisUrlError(f"SHOULD_AI_REDIS_URL: {name}={text!r} is not a positive number")
    return value


def _count(options: dict[str, str], name: str, default: int) -> int:
    text = options.get(name)
    if text is None:
        return default
    if not text.isdigit():
        raise RedisUrlError(f"SHOULD_AI_REDIS_URL: {name}={text!r} is not a whole number")
    return int(text)


def _masked(url: str) -> str:
    """``url`` without its password, for error messages and logs."""
    head, sep, tail = url.partition("://")
    userinfo, at, rest = tail.rpartition("@")
    if not at:
        return url
    user = userinfo.partition(":")[0]
    return f"{head}{sep}{user}:***@{rest}"
