"""A content-addressed, chunked, resumable on-disk cache of sentence embeddings.

Key: sha256(kind + NUL + text) under a directory per encoder id, so a different encoder (or different weights)
never reads another's vectors. New vectors are written in shards (`.npz`: uint8 keys [n, 32] + float32 vectors
[n, dim]), each written to a temporary name, fsynced and renamed, then recorded with its sha256 in `index.json`
(replaced the same way). A kill loses at most the shard being filled. On open, a shard whose bytes do not match
its recorded sha256, or that the index does not know, is deleted and its texts are embedded again: a corrupt or
partial shard is never used.
"""

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np

from redheart_models.data.base import sha256_file
from redheart_models.encoders.base import Encoder, Kind

SHARD_SIZE = 2048  # vectors per shard: ~3 MiB at 384 dimensions, ~1 minute of CPU encoding
PROGRESS_EVERY_S = 5.0


def text_key(text: str, kind: Kind) -> bytes:
    return hashlib.sha256(f"{kind}\0{text}".encode()).digest()


def _atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write to a temporary name, fsync, then rename: readers see the old file or the whole new one."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


class EmbeddingCache:
    def __init__(self, root: Path, encoder_id: str, dim: int, shard_size: int = SHARD_SIZE) -> None:
        self.dir = Path(root) / re.sub(r"[^A-Za-z0-9_.@-]", "_", encoder_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.encoder_id, self.dim, self.shard_size = encoder_id, dim, shard_size
        self.index_path = self.dir / "index.json"
        self.shards: dict[str, dict] = {}
        self.rows: dict[bytes, tuple[str, int]] = {}  # key -> (shard, row)
        self._vectors: dict[str, np.ndarray] = {}
        self.dropped: list[str] = []  # shards found corrupt or unrecorded on open, deleted
        self._open()

    def _open(self) -> None:
        recorded = json.loads(self.index_path.read_text()) if self.index_path.exists() else {}
        if recorded and (recorded.get("encoder_id") != self.encoder_id or recorded.get("dim") != self.dim):
            raise ValueError(f"{self.index_path} belongs to {recorded.get('encoder_id')}, not {self.encoder_id}")
        for name, meta in recorded.get("shards", {}).items():
            path = self.dir / name
            if path.exists() and sha256_file(path) == meta["sha256"]:
                self.shards[name] = meta
            else:
                self.dropped.append(name)
                path.unlink(missing_ok=True)
        for path in self.dir.glob("shard-*"):
            if path.name not in self.shards:
                self.dropped.append(path.name)
                path.unlink()
        if self.dropped:
            self._write_index()
        for name in self.shards:
            with np.load(self.dir / name) as shard:
                for row, key in enumerate(shard["keys"]):
                    self.rows[key.tobytes()] = (name, row)

    def _write_index(self) -> None:
        index = {"encoder_id": self.encoder_id, "dim": self.dim, "shards": self.shards}
        _atomic_write(self.index_path, lambda h: h.write(json.dumps(index, indent=1).encode()))

    def _flush(self, keys: list[bytes], vectors: list[np.ndarray]) -> None:
        name = f"shard-{len(self.shards) + len(self.dropped):06d}-{os.getpid()}-{time.time_ns()}.npz"
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
        _atomic_write(self.dir / name, lambda h: np.savez(h, keys=key_array, vectors=np.stack(vectors)))
        self.shards[name] = {"rows": len(keys), "sha256": sha256_file(self.dir / name)}
        self._write_index()
        for row, key in enumerate(keys):
            self.rows[key] = (name, row)

    def _vector(self, key: bytes) -> np.ndarray:
        name, row = self.rows[key]
        if name not in self._vectors:
            with np.load(self.dir / name) as shard:
                self._vectors[name] = shard["vectors"]
        return self._vectors[name][row]

    def __len__(self) -> int:
        return len(self.rows)

    def embed(
        self, texts: Sequence[str], encoder: Encoder, kind: Kind = "query", batch_size: int = 32,
        progress: TextIO | None = sys.stderr,
    ) -> np.ndarray:
        """float32 [len(texts), dim]: cached vectors, and the missing ones encoded and stored shard by shard."""
        if encoder.id != self.encoder_id:
            raise ValueError(f"this cache holds {self.encoder_id}; got encoder {encoder.id}")
        keys = [text_key(t, kind) for t in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in self.rows:
                missing.setdefault(key, text)
        todo = list(missing.items())
        pending_keys: list[bytes] = []
        pending: list[np.ndarray] = []
        start = last = time.monotonic()
        for i in range(0, len(todo), batch_size):
            batch = todo[i : i + batch_size]
            vectors = encoder.encode([text for _, text in batch], kind)
            pending_keys.extend(key for key, _ in batch)
            pending.extend(vectors)
            while len(pending) >= self.shard_size:
                self._flush(pending_keys[: self.shard_size], pending[: self.shard_size])
                pending_keys, pending = pending_keys[self.shard_size :], pending[self.shard_size :]
            now = time.monotonic()
            if progress and now - last >= PROGRESS_EVERY_S:
                done = i + len(batch)
                print(f"embedded {done:,}/{len(todo):,} new texts ({done / (now - start):.1f}/s)", file=progress)
                last = now
        if pending:
            self._flush(pending_keys, pending)
        if progress and todo:
            elapsed = time.monotonic() - start
            print(f"embedded {len(todo):,} new texts in {elapsed:.1f} s ({len(todo) / elapsed:.1f}/s); "
                  f"{len(texts) - len(todo):,} from the cache", file=progress)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(key) for key in keys]).astype(np.float32, copy=False)
