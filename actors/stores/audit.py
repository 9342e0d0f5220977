"""The audit stream: one capped Redis stream entry per acknowledged analysis, raw text only if configured."""

import hashlib
import json
from typing import Any

import redis.asyncio as aioredis

from actors.api import AnalysisResult
from actors.keys import AUDIT_STREAM

SCAN_PAGE = 500


class AuditLog:
    def __init__(self, client: aioredis.Redis, maxlen: int, include_text: bool) -> None:
        self.client = client
        self.maxlen = maxlen
        self.include_text = include_text

    async def append(self, result: AnalysisResult, text: str) -> str:
        """Write the entry; returns its stream id once Redis has acknowledged (and, embedded, fsynced) it."""
        fields = {
            "request_id": result.request_id,
            "created_at": result.created_at.isoformat(),
            "language": result.language,
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "text_chars": len(text),
            "decision": result.verification.decision,
            "result": result.model_dump_json(exclude={"audit_id"}),
        }
        if self.include_text:
            fields["text"] = text
        entry_id = await self.client.xadd(AUDIT_STREAM, fields, maxlen=self.maxlen, approximate=True)
        return entry_id.decode()

    async def find(self, request_id: str) -> dict[str, Any] | None:
        """The newest entry for `request_id`, scanning from the end of the stream."""
        upper = "+"
        while True:
            page = await self.client.xrevrange(AUDIT_STREAM, max=upper, min="-", count=SCAN_PAGE)
            for entry_id, fields in page:
                decoded = {k.decode(): v.decode() for k, v in fields.items()}
                if decoded["request_id"] == request_id:
                    decoded["id"] = entry_id.decode()
                    decoded["result"] = json.loads(decoded["result"])
                    return decoded
            if len(page) < SCAN_PAGE:
                return None
            upper = "(" + page[-1][0].decode()
