"""SHOULD_AI_REDIS_URL: the forms it may take, the options, and errors that say what is wrong."""

from __future__ import annotations

import pytest
from redis.asyncio.sentinel import SentinelConnectionPool

from bot.store.address import RedisUrlError, SentinelAddress, parse_redis_url
from bot.store.connection import connect, replicas_to_wait


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database() -> None:
    address = parse_redis_url(
        "redis+sentinel://:s3cret@10.0.0.1:26380,redis-b,[::1]:26379/mymaster/2"
        "?sentinel_password=watch&socket_timeout=1.5"
    )

    assert address.sentinel == SentinelAddress(
        sentinels=(("10.0.0.1", 26380), ("redis-b", 26379), ("::1", 26379)),
        service="mymaster",
        db=2,
        password="s3cret",
        sentinel_password="watch",
    )
    assert address.server_url is None
    assert (address.socket_timeout_s, address.connect_timeout_s) == (1.5, 2.0)
    assert address.wait_replicas == 1  # a failover must not lose a confirmed move


def test_a_server_url_keeps_redis_py_options_and_drops_ours() -> None:
    address = parse_redis_url("rediss://u:p@cache:6380/3?ssl_cert_reqs=none&wait_replicas=2")

    assert address.sentinel is None
    assert address.server_url == "rediss://u:p@cache:6380/3?ssl_cert_reqs=none"
    assert (address.wait_replicas, address.socket_timeout_s) == (2, 5.0)
    assert parse_redis_url("unix:///run/redis.sock").server_url == "unix:///run/redis.sock"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://cache:6379", "must start with redis://"),
        ("memcached://u:hunter2@cache", "not memcached://"),
        ("redis+sentinel://h1:26379", "must name the Sentinel service"),
        ("redis+sentinel:///mymaster", "names no Sentinel host"),
        ("redis+sentinel://h1:x/mymaster", "port 'x'"),
        ("redis+sentinel://h1/mymaster/zero", "database 'zero'"),
        ("redis+sentinel://h1/mymaster?master=m", "unknown Sentinel option(s) master"),
        ("redis://cache?socket_timeout=0", "socket_timeout='0'"),
        ("redis://cache?wait_replicas=-1", "wait_replicas='-1'"),
    ],
)
def test_a_bad_url_is_refused_saying_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(RedisUrlError, match="SHOULD_AI_REDIS_URL") as refused:
        parse_redis_url(url)
    assert says in str(refused.value)
    assert "hunter2" not in str(refused.value)


async def test_every_client_has_timeouts_and_sentinel_clients_ask_the_sentinels() -> None:
    plain = connect("redis://127.0.0.1:1/0")
    tuned = connect("unix:///tmp/nowhere.sock?socket_timeout=0.5")
    ha = connect("redis+sentinel://127.0.0.1:1,127.0.0.1:2/mymaster/0?wait_replicas=2")
    try:
        kwargs = plain.connection_pool.connection_kwargs
        assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (5.0, 2.0)
        assert tuned.connection_pool.connection_kwargs["socket_timeout"] == 0.5
        assert isinstance(ha.connection_pool, SentinelConnectionPool)
        assert ha.connection_pool.connection_kwargs["socket_timeout"] == 5.0
        assert [replicas_to_wait(c) for c in (plain, tuned, ha)] == [0, 0, 2]
    finally:
        for client in (plain, tuned, ha):
            await client.aclose()
