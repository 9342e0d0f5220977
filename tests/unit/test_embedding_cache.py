"""The embedding cache: hits, resumption after a kill, corrupt shards rebuilt, encoders kept apart."""

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest

from redheart_models.embedding_cache import EmbeddingCache


class CountingEncoder:
    """A deterministic stand-in encoder (vectors from a hash of the text) that counts what it encodes."""

    def __init__(self, dim: int = 8, fail_after: int | None = None, name: str = "counting") -> None:
        self.id, self.dim = f"{name}@0", dim
        self.encoded: list[str] = []
        self.fail_after = fail_after

    def encode(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        if self.fail_after is not None and len(self.encoded) >= self.fail_after:
            raise KeyboardInterrupt("killed mid-run")
        self.encoded.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(f"{kind}{t}".encode()).digest()[: self.dim], np.uint8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32) + 1
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


TEXTS = [f"sentence number {i}" for i in range(100)]


def test_second_run_is_served_from_the_cache(tmp_path) -> None:
    encoder = CountingEncoder()
    first = EmbeddingCache(tmp_path, encoder.id, encoder.dim, shard_size=16).embed(TEXTS, encoder, progress=None)
    assert len(encoder.encoded) == 100
    reopened = EmbeddingCache(tmp_path, encoder.id, encoder.dim, shard_size=16)
    again = reopened.embed(TEXTS[::-1], encoder, progress=None)
    assert len(encoder.encoded) == 100, "nothing encoded twice"
    np.testing.assert_array_equal(again, first[::-1])
    assert first.dtype == np.float32 and first.shape == (100, 8)


def test_duplicates_and_kinds(tmp_path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path, encoder.id, encoder.dim)
    vectors = cache.embed(["a", "a", "b"], encoder, progress=None)
    assert encoder.encoded == ["a", "b"] and np.array_equal(vectors[0], vectors[1])
    passage = cache.embed(["a"], encoder, kind="passage", progress=None)
    assert not np.array_equal(passage[0], vectors[0]), "query and passage vectors are cached apart"


def test_resumes_after_a_kill(tmp_path) -> None:
    dying = CountingEncoder(fail_after=40)
    with pytest.raises(KeyboardInterrupt):
        EmbeddingCache(tmp_path, dying.id, dying.dim, shard_size=16).embed(TEXTS, dying, batch_size=8, progress=None)
    survivor = CountingEncoder()
    cache = EmbeddingCache(tmp_path, survivor.id, survivor.dim, shard_size=16)
    assert len(cache) == 32, "two whole shards of 16 were written before the kill"
    vectors = cache.embed(TEXTS, survivor, batch_size=8, progress=None)
    assert len(survivor.encoded) == 68
    np.testing.assert_array_equal(vectors, CountingEncoder().encode(TEXTS))


def test_corrupt_and_unrecorded_shards_are_dropped_and_rebuilt(tmp_path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path, encoder.id, encoder.dim, shard_size=50)
    expected = cache.embed(TEXTS, encoder, progress=None)
    first_shard = sorted(cache.dir.glob("shard-*"))[0]
    data = bytearray(first_shard.read_bytes())
    data[-40] ^= 0xFF
    first_shard.write_bytes(bytes(data))
    (cache.dir / "shard-999999-partial.npz").write_bytes(b"half a shard")

    fresh = CountingEncoder()
    reopened = EmbeddingCache(tmp_path, fresh.id, fresh.dim, shard_size=50)
    assert sorted(reopened.dropped) == sorted([first_shard.name, "shard-999999-partial.npz"])
    np.testing.assert_array_equal(reopened.embed(TEXTS, fresh, progress=None), expected)
    assert len(fresh.encoded) == 50, "only the corrupt shard's texts were embedded again"


def test_encoders_never_share_vectors(tmp_path) -> None:
    one, other = CountingEncoder(name="one"), CountingEncoder(name="other")
    cache = EmbeddingCache(tmp_path, one.id, one.dim)
    with pytest.raises(ValueError, match="this cache holds one@0"):
        cache.embed(["x"], other, progress=None)
    assert EmbeddingCache(tmp_path, other.id, other.dim).dir != cache.dir


def test_progress_reports_throughput(tmp_path, capsys) -> None:
    import io

    stream = io.StringIO()
    encoder = CountingEncoder()
    EmbeddingCache(tmp_path, encoder.id, encoder.dim).embed(TEXTS, encoder, progress=stream)
    assert "embedded 100 new texts in" in stream.getvalue() and "/s)" in stream.getvalue()
