"""Debian's redis-server and redis-sentinel as processes a test owns: a master, replicas and
Sentinels on 127.0.0.1, each with its own port and directory, all killed at the end."""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")
REDIS_SENTINEL = shutil.which("redis-sentinel")
SERVICE = "mymaster"

needs_debian_redis = pytest.mark.skipif(
    not (REDIS_SERVER and REDIS_SENTINEL),
    reason="needs Debian's redis-server and redis-sentinel on PATH "
    "(apt-get install redis-server redis-sentinel; .ci/run installs them)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """Redis servers and Sentinels by name ("master", "replica", "s0"…), processes we own."""

    root: Path
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def sentinel_url(self, query: str = "") -> str:
        hosts = ",".join(f"127.0.0.1:{p}" for n, p in self.ports.items() if n.startswith("s"))
        return f"redis+sentinel://{hosts}/{SERVICE}/0" + (f"?{query}" if query else "")

    def start_server(self, name: str, *, replica_of: str | None = None) -> None:
        """A redis-server (again, on the same port, if ``name`` ran before)."""
        work = self._dir(name)
        port = self.ports.setdefault(name, free_port())
        args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(work), "--save", ""]
        args += ["--appendonly", "no", "--logfile", str(work / "redis.log")]
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(self.ports[replica_of])]
        self.procs[name] = subprocess.Popen(
            [REDIS_SERVER or "redis-server", *args], stdout=subprocess.DEVNULL
        )

    def start_sentinels(self, count: int, *, master: str = "master") -> None:
        """``count`` Sentinels watching ``master`` (quorum 2, failure noticed after 1 s)."""
        for i in range(count):
            name = f"s{i}"
            work = self._dir(name)
            port = self.ports.setdefault(name, free_port())
            config = work / "sentinel.conf"  # Sentinel rewrites it: each needs its own file
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {work}\nlogfile {work / 'sentinel.log'}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.ports[master]} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 5000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            self.procs[name] = subprocess.Popen(
                [REDIS_SENTINEL or "redis-sentinel", str(config)], stdout=subprocess.DEVNULL
            )

    def _dir(self, name: str) -> Path:
        work = self.root / name
        work.mkdir(parents=True, exist_ok=True)
        return work

    def client(self, name: str) -> redis.Redis:
        return redis.Redis(port=self.ports[name], socket_timeout=2, decode_responses=True)

    def replicating(self, name: str) -> bool:
        """True once the replica ``name`` is in sync with its master."""
        try:
            with self.client(name) as replica:
                return bool(replica.info("replication").get("master_link_status") == "up")
        except redis.RedisError:
            return False

    def sentinels_agree(self) -> bool:
        """Every Sentinel sees the master, a replica and all the other Sentinels."""
        sentinels = [n for n in self.ports if n.startswith("s")]
        try:
            for name in sentinels:
                with self.client(name) as sentinel:
                    state = sentinel.sentinel_master(SERVICE)
                if state["num-other-sentinels"] < len(sentinels) - 1 or state["num-slaves"] < 1:
                    return False
        except (redis.RedisError, KeyError):
            return False
        return True

    def master_port(self) -> int:
        with self.client("s0") as sentinel:
            _, port = sentinel.sentinel_get_master_addr_by_name(SERVICE)
        return int(port)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
