"""`should-ai serve` as the README runs it: embedded Redis, no chat tokens. It serves /healthz,
`should-ai health` probes it, and SIGTERM stops it cleanly, embedded Redis included."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ops.conftest import copy_policies

pytestmark = pytest.mark.store

CLI = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
WAIT_S = 60.0  # a guard against hanging, not a speed requirement


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOULD_AI_", "SLACK_", "DISCORD_"))
    }
    env["SHOULD_AI_DATA_DIR"] = str(tmp_path / "data")
    env["SHOULD_AI_POLICY_DIR"] = str(copy_policies(tmp_path))
    return env


def wait_for_port(log: Path, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = re.search(r"HTTP on :(\d+)", log.read_text())
        if found:
            return int(found.group(1))
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(f"serve did not start:\n{log.read_text()}")


def redis_pid(data_dir: Path) -> int:
    return int((data_dir / "redis" / "redis.pid").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_on_embedded_defaults_health_and_sigterm(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", "0"],
            env=env,
            stderr=err,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
    try:
        port = wait_for_port(log, proc)
        probe = subprocess.run(
            [*CLI, "health", "--url", f"http://127.0.0.1:{port}/healthz"],
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
        server = redis_pid(Path(env["SHOULD_AI_DATA_DIR"]))
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert '"status": "ok"' in probe.stdout
    assert "no chat adapter configured" in log.read_text()
    assert code == 0, log.read_text()
    assert "should-ai stopped" in log.read_text()
    deadline = time.monotonic() + WAIT_S
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(server), "the embedded redis-server outlived serve"


def test_health_fails_when_nothing_serves(tmp_path: Path) -> None:
    probe = subprocess.run(
        [*CLI, "health", "--url", "http://127.0.0.1:9/healthz"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )

    assert probe.returncode == 1
    assert "not answering" in probe.stdout


def test_serve_refuses_to_start_on_a_bad_policy(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    policy = Path(env["SHOULD_AI_POLICY_DIR"]) / "policy.yaml"
    policy.write_text(policy.read_text().replace("ack_minutes: 15", "ack_minutes: -1", 1))

    done = subprocess.run(
        [*CLI, "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 2
    assert "policy.yaml" in done.stderr and "ack_minutes" in done.stderr


def read_until(master: int, needle: bytes, proc: subprocess.Popen[bytes]) -> bytes:
    import select

    seen = b""
    deadline = time.monotonic() + WAIT_S
    while needle not in seen and time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            seen += os.read(master, 65536)
    assert needle in seen, seen.decode(errors="replace")
    return seen


def test_serve_on_a_terminal_answers_typed_requests_and_stops_on_ctrl_d(tmp_path: Path) -> None:
    import pty

    env = clean_env(tmp_path)
    master, slave = pty.openpty()
    with (tmp_path / "serve.log").open("wb") as err:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", "0"], env=env, stdin=slave, stdout=slave, stderr=err
        )
    os.close(slave)
    try:
        read_until(master, b"should-ai console", proc)
        os.write(master, b"a journalist is asking about the product recall\n")
        answer = read_until(master, b"Escalation esc-", proc)
        os.write(master, b"\x04")  # Ctrl-D: end of input stops serve
        code = proc.wait(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)

    assert b"A person must own this" in answer
    assert b"PING " in answer  # the console notifier shows the owner's ping
    assert code == 0
