"""The crisis review queue on a real redis-server: at-least-once delivery across crashes, acknowledgement."""

import os
import signal

import pytest

from actors.stores.connection import connect
from actors.stores.review import ReviewQueue
from cluster.redis_server import EmbeddedRedis

pytestmark = pytest.mark.integration


async def enqueue(queue: ReviewQueue, request_id: str, tier: int) -> str:
    evidence = [{"signal": "rule", "rule": "en.kill_self", "span": [7, 20]}]
    return await queue.enqueue(request_id, tier, tier >= 3, "I want to kill myself", "en", evidence)


async def test_an_item_taken_before_a_crash_is_delivered_after_restart_and_ack_removes_it(home) -> None:
    server = EmbeddedRedis(home).start()
    client = connect(server.url)
    queue = ReviewQueue(client)
    item_id = await enqueue(queue, "req-1", 2)
    (taken,) = await queue.claim("alice")  # the reviewer's process takes it, then dies before acknowledging
    assert taken.id == item_id and taken.fields["text"] == "I want to kill myself"
    await client.aclose()
    os.kill(server.pid, signal.SIGKILL)  # and the Redis server goes down with it
    server.process.wait()

    restarted = EmbeddedRedis(home).start()
    client = connect(restarted.url)
    queue = ReviewQueue(client)
    try:
        assert (await queue.pending())["pending"] == 1
        (again,) = await queue.claim("alice")  # the same reviewer, restarted, gets its unacknowledged item
        assert again.id == item_id and again.fields["evidence"][0]["rule"] == "en.kill_self"
        assert await queue.ack(item_id)
        assert (await queue.pending())["pending"] == 0
        assert await queue.claim("alice") == []
        assert not await queue.ack(item_id)  # a second acknowledgement changes nothing
    finally:
        await client.aclose()
        restarted.stop()


async def test_stale_items_of_a_vanished_reviewer_go_to_another_and_urgent_comes_first(home) -> None:
    server = EmbeddedRedis(home).start()
    client = connect(server.url)
    queue = ReviewQueue(client)
    try:
        routine = await enqueue(queue, "req-a", 2)
        urgent = await enqueue(queue, "req-b", 4)
        assert [i.id for i in await queue.claim("bob", count=1)] == [routine]  # bob takes one and vanishes
        items = await queue.claim("carol", count=5, stale_ms=1_000_000)
        assert [i.id for i in items] == [urgent]  # bob's item is not stale yet
        items = await queue.claim("carol", count=5, stale_ms=1)
        assert [i.id for i in items] == [urgent, routine]  # now carol holds both, urgent first
        assert (await queue.pending())["by_reviewer"] == {"carol": 2}
    finally:
        await client.aclose()
        server.stop()
