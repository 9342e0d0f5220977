"""The answer memory of verification (L2): input key -> what the analysis said, kept for a set time, so a repeat
of an input can be compared with what was answered before."""

import json
from typing import Any

import redis.asyncio as aioredis

from actors.keys import ANSWER_MEMORY, NEAR_MEMORY


class AnswerMemory:
    """Two keys per answer, the exact input's and its near-duplicate's, each expiring after `ttl_s`."""

    def __init__(self, client: aioredis.Redis, ttl_s: int) -> None:
        self.client = client
        self.ttl_s = ttl_s

    async def recall(self, key: str, near_key: str) -> tuple[dict[str, Any] | None, bool]:
        """(the remembered fingerprint, whether it is only a near-duplicate's); (None, False) when none is."""
        exact, near = await self.client.mget(ANSWER_MEMORY + key, NEAR_MEMORY + near_key)
        if exact is not None:
            return json.loads(exact), False
        return (json.loads(near), True) if near is not None else (None, False)

    async def remember(self, key: str, near_key: str, fingerprint: dict[str, Any]) -> None:
        value = json.dumps(fingerprint, ensure_ascii=False)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(ANSWER_MEMORY + key, value, ex=self.ttl_s)
            pipe.set(NEAR_MEMORY + near_key, value, ex=self.ttl_s)
            await pipe.execute()
