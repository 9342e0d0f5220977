"""The encoder interface and the weights hash that makes an encoder's `id` content-addressed."""

import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

# e5 models are trained with prefixes: "query: " for queries and symmetric tasks such as classification,
# "passage: " for documents to be retrieved. Red Heart classifies, so `query` is the default everywhere.
Kind = Literal["query", "passage"]


class Encoder(Protocol):
    id: str  # name + hash of the weights: a cache key, and what released heads are checked against
    dim: int

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        """float32 [len(texts), dim], every row of unit length."""
        ...


@lru_cache(maxsize=16)
def _file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_hash(files: Iterable[Path]) -> str:
    """First 12 hex digits of the sha256 over the weight files' own sha256s, in name order."""
    digest = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        stat = path.stat()
        digest.update(_file_sha256(path, stat.st_size, stat.st_mtime_ns).encode())
    return digest.hexdigest()[:12]


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
