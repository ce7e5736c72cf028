"""Helpers for the Redis fault tests: the whole bot built from Settings, as serve builds it, and
the processes of the Redis servers those tests stop, kill and restart."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import Services, build_services
from bot.notify_console import ConsoleNotifier
from bot.settings import Settings
from tests.ops.conftest import add_keyword, copy_policies

# Keywords the tests add to their policy copy, so the routes do not depend on tuning.
CRISIS_WORD = "zebra recall"
DRAFT_WORD = "quokka newsletter"


def settings_for(tmp_path: Path, redis_url: str | None, **extra: object) -> Settings:
    """Settings on a private policy copy; ``redis_url=None`` means the embedded Redis."""
    policy_dir = copy_policies(tmp_path)
    add_keyword(policy_dir, "crisis", CRISIS_WORD)
    add_keyword(policy_dir, "drafting", DRAFT_WORD)
    return Settings(
        redis_url=redis_url,
        policy_dir=policy_dir,
        data_dir=tmp_path / "data",
        http_port=0,
        **extra,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Services]:
    """Every service serve builds; pings print to ``services.console.stream`` (a StringIO)."""
    async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
        yield s


def pings(services: Services) -> str:
    stream = services.console.stream
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


async def eventually(condition: Callable[[], bool], *, within_s: float, what: str) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` after ``within_s`` seconds."""
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not within {within_s} s")
        await asyncio.sleep(0.1)


def alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie nobody reaped has stopped running: it counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            state = stat.read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")
    return True


def redis_pid(redis_dir: Path) -> int:
    """The pid of the embedded redis-server serving ``redis_dir`` (from its pidfile)."""
    return int((redis_dir / "redis.pid").read_text())
