"""The Encoder deployment's memory of recent texts, without Ray: each distinct text is encoded once, recent ones
come from memory (a conversation resends its history; Crisis and Emotion both embed it), no raw text is kept."""

import numpy as np

from actors.encoder import RecentEmbeddings


class Counting:
    def __init__(self) -> None:
        self.encoded: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return np.array([[len(t), t.count("a")] for t in texts], dtype=np.float32)


def test_each_distinct_text_is_encoded_once_and_recent_ones_come_from_memory() -> None:
    encode, recent = Counting(), RecentEmbeddings(capacity=2)
    first = recent.embed(["banana", "apple", "banana"], encode)
    assert encode.encoded == ["banana", "apple"]
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(recent.embed(["banana"], encode)[0], first[0])
    assert encode.encoded == ["banana", "apple"], "from memory"
    recent.embed(["cherry"], encode)  # memory holds 2: "apple", the least recently used, leaves
    recent.embed(["apple"], encode)
    assert encode.encoded == ["banana", "apple", "cherry", "apple"] and len(recent.vectors) == 2
    assert all(isinstance(key, bytes) and len(key) == 32 for key in recent.vectors), "sha256 keys, not texts"


def test_zero_capacity_remembers_nothing_but_still_dedupes_a_batch() -> None:
    encode, recent = Counting(), RecentEmbeddings(capacity=0)
    recent.embed(["a", "a"], encode)
    recent.embed(["a"], encode)
    assert encode.encoded == ["a", "a"] and not recent.vectors
