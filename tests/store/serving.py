"""Helpers for the Redis fault tests: the whole bot built from Settings, as serve builds it, and
the processes of the Redis servers those tests stop, kill and restart."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import Services, build_services
from bot.escalations import lifecycle
from bot.escalations.model import Actor, Escalation
from bot.settings import Settings
from handlers.console.notifier import ConsoleNotifier
from tests.escalations.esc_helpers import crisis_decision, make_policy
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


def opened_escalation(escalation_id: str, decision_id: str) -> Escalation:
    """A new crisis escalation, as the service would open it (for tests of the store alone)."""
    return lifecycle.opened(
        make_policy(),
        escalation_id=escalation_id,
        decision=crisis_decision(decision_id),
        actor=Actor(platform="slack", user_id="U_REQ"),
        text="recall",
        status_ref=None,
        now=time.time(),
    )


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


# --- `should-ai serve` as a process ------------------------------------------------------------

CLI = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
WAIT_S = 60.0  # a guard against hanging, not a speed requirement


def serve_env(tmp_path: Path) -> dict[str, str]:
    """serve's environment: embedded Redis under tmp_path/data, a policy copy, no chat tokens."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOULD_AI_", "SLACK_", "DISCORD_"))
    }
    env["SHOULD_AI_DATA_DIR"] = str(tmp_path / "data")
    policy_dir = copy_policies(tmp_path)
    add_keyword(policy_dir, "crisis", CRISIS_WORD)
    env["SHOULD_AI_POLICY_DIR"] = str(policy_dir)
    return env


class ServeProcess:
    """``should-ai serve --port 0`` on a terminal: requests are typed, answers read back."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_from = log.stat().st_size if log.exists() else 0  # this run's lines only
        self._master, slave = pty.openpty()
        with log.open("ab") as err:
            self.proc = subprocess.Popen(
                [*CLI, "serve", "--port", "0"], env=env, stdin=slave, stdout=slave, stderr=err
            )
        os.close(slave)
        self._seen = b""
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            found = re.findall(r"HTTP on :(\d+)", self.log.read_text()[self._log_from :])
            if found and self.proc.poll() is None:
                return int(found[-1])
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"serve did not start:\n{self.log.read_text()}")

    def ask(self, line: str, *, until: bytes) -> str:
        """Type ``line``; return what serve printed up to and including ``until``."""
        os.write(self._master, line.encode() + b"\n")
        return self.read_until(until)

    def read_until(self, needle: bytes) -> str:
        deadline = time.monotonic() + WAIT_S
        while needle not in self._seen and time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            ready, _, _ = select.select([self._master], [], [], 0.2)
            if ready:
                self._seen += os.read(self._master, 65536)
        assert needle in self._seen, self._seen.decode(errors="replace")
        said, _, self._seen = self._seen.partition(needle)
        return (said + needle).decode(errors="replace")

    def healthz(self) -> int:
        """The HTTP status of GET /healthz (0 if serve does not answer)."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except OSError:
            return 0

    def close(self) -> None:
        """SIGTERM (serve stops its Redis cleanly), SIGKILL if that does not end it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT_S)
        os.close(self._master)


def wait_for(condition: Callable[[], bool], *, within_s: float, what: str) -> float:
    """Poll ``condition`` until it holds; return how long it took; fail after ``within_s``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within_s:
            raise AssertionError(f"{what}: not within {within_s} s")
        time.sleep(0.1)
    return time.monotonic() - started
