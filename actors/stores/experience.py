"""The experience memory of the ethics module: one record per analysis (no text), for SURD across analyses.

A record holds the request id, the text's sha256, the ten Bentham dimensions, the verdict (the Bentham score U_B)
and the largest predicted regret over the alternatives (null without alternatives). The felt regret comes from
the feedback stream, joined by request id.
"""

import json
from typing import Any

import redis.asyncio as aioredis

from actors.keys import EXPERIENCE_STREAM, FEEDBACK_STREAM

MAXLEN = 100_000
PAGE = 1_000


class ExperienceMemory:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def add(self, record: dict[str, Any]) -> str:
        entry = await self.client.xadd(EXPERIENCE_STREAM, {"record": json.dumps(record)}, maxlen=MAXLEN,
                                       approximate=True)
        return entry.decode()

    async def records(self, limit: int = MAXLEN) -> list[dict[str, Any]]:
        """The newest `limit` records, oldest first."""
        out, upper = [], "+"
        while len(out) < limit:
            page = await self.client.xrevrange(EXPERIENCE_STREAM, max=upper, count=min(PAGE, limit - len(out)))
            if not page:
                break
            out += [json.loads(fields[b"record"]) for _, fields in page]
            upper = "(" + page[-1][0].decode()
        return out[::-1]

    async def felt_regret(self) -> dict[str, float]:
        """Request id -> the felt regret of its latest reported outcome."""
        felt, lower = {}, "-"
        while True:
            page = await self.client.xrange(FEEDBACK_STREAM, min=lower, count=PAGE)
            for _, fields in page:
                felt[json.loads(fields[b"request_id"])] = float(json.loads(fields[b"felt"]))
            if len(page) < PAGE:
                return felt
            lower = "(" + page[-1][0].decode()
