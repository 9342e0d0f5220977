"""The crisis review queue: a Redis stream with one consumer group, so every item reaches a human at least once.

An item stays in the group's pending list until a reviewer acknowledges it. `claim` hands a reviewer, in order:
items idle longer than `stale_ms` that another reviewer took and never acknowledged (crashed, went away), the
reviewer's own unacknowledged items (after a restart), then new ones. The item carries the message text: a
reviewer cannot judge without it.
"""

import json
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from actors.keys import REVIEW_GROUP, REVIEW_STREAM

MAXLEN = 100_000


@dataclass(frozen=True)
class ReviewItem:
    id: str
    fields: dict[str, Any]


def _decode(entry_id: bytes, fields: dict[bytes, bytes]) -> ReviewItem:
    decoded = {k.decode(): v.decode() for k, v in fields.items()}
    decoded["evidence"] = json.loads(decoded.get("evidence", "[]"))
    decoded["tier"] = int(decoded["tier"])
    decoded["urgent"] = decoded.get("urgent") == "1"
    return ReviewItem(entry_id.decode(), decoded)


class ReviewQueue:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def ensure_group(self) -> None:
        try:
            await self.client.xgroup_create(REVIEW_STREAM, REVIEW_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def enqueue(self, request_id: str, tier: int, urgent: bool, text: str, language: str,
                      evidence: list[dict[str, Any]]) -> str:
        """Add an item (the request id links it to the audit entry); returns its stream id. One round trip on the
        crisis path: the group, created from id 0 when a reviewer first claims, sees every item added before."""
        fields = {"request_id": request_id, "tier": tier, "urgent": int(urgent), "text": text, "language": language,
                  "evidence": json.dumps(evidence, ensure_ascii=False)}
        entry_id = await self.client.xadd(REVIEW_STREAM, fields, maxlen=MAXLEN, approximate=True)
        return entry_id.decode()

    async def claim(self, reviewer: str, count: int = 10, stale_ms: int = 300_000) -> list[ReviewItem]:
        """Up to `count` items for `reviewer`: stale ones of others, its own pending ones, then new ones."""
        await self.ensure_group()
        items: list[ReviewItem] = []
        claimed = await self.client.xautoclaim(REVIEW_STREAM, REVIEW_GROUP, reviewer, stale_ms, "0-0", count=count)
        items += [_decode(i, f) for i, f in claimed[1] if f]  # Redis 6.2 answers 2 items, 7.x 3
        if len(items) < count:
            own = await self.client.xreadgroup(REVIEW_GROUP, reviewer, {REVIEW_STREAM: "0"}, count=count)
            seen = {item.id for item in items}
            items += [_decode(i, f) for _, entries in own for i, f in entries if f and i.decode() not in seen]
        if len(items) < count:
            new = await self.client.xreadgroup(REVIEW_GROUP, reviewer, {REVIEW_STREAM: ">"}, count=count - len(items))
            items += [_decode(i, f) for _, entries in new for i, f in entries]
        return sorted(items[:count], key=lambda item: (not item.fields["urgent"], item.id))

    async def ack(self, item_id: str) -> bool:
        """Mark an item reviewed; False if it was not pending (unknown, or acknowledged already)."""
        return bool(await self.client.xack(REVIEW_STREAM, REVIEW_GROUP, item_id))

    async def pending(self) -> dict[str, Any]:
        """How many items wait for acknowledgement, and by whom they are held."""
        await self.ensure_group()
        summary = await self.client.xpending(REVIEW_STREAM, REVIEW_GROUP)
        consumers = {c["name"].decode(): int(c["pending"]) for c in summary.get("consumers", [])}
        return {"pending": int(summary["pending"]), "by_reviewer": consumers,
                "total": int(await self.client.xlen(REVIEW_STREAM))}
