"""Hashed character and word n-grams of a message: the stance a sentence embedding blurs (whose risk, negated,
joking, quoted) lives in short cues ("my friend", "lol", "않아", "ㅋㅋ", "대", "never"), which n-grams keep.

Character 2- to 4-grams of the normalised text (Korean syllables are characters, so 죽고싶 and 죽고 싶 share
grams) and word unigrams and bigrams, hashed into BUCKETS with CRC-32 (deterministic across processes, unlike
Python's `hash`), weighted log(1 + count) and L2-normalised, as in a hashing vectoriser (Weinberger et al. 2009).
"""

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

VERSION = "crisis.ngrams@1"
BUCKETS = 1 << 18  # 262,144: few collisions for the ~10^5 distinct grams of a few thousand messages
CHAR_SIZES = (2, 3, 4)
TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)  # words, and each punctuation mark or emoji on its own


def normalise(text: str) -> str:
    """NFKC, lower case, curly quotes straightened, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    return " ".join(text.split())


def grams(text: str) -> Counter:
    """The message's character and word n-grams, as prefixed strings, with their counts."""
    text = normalise(text)
    padded = f" {text} "
    counts: Counter = Counter()
    for n in CHAR_SIZES:
        counts.update(f"c{n}:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    tokens = TOKEN.findall(text)
    counts.update(f"w:{t}" for t in tokens)
    counts.update(f"b:{a} {b}" for a, b in zip(tokens, tokens[1:]))
    return counts


def hashed(text: str, buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """(bucket indices int64, weights float32) of one message, weights of unit L2 norm."""
    counts: Counter = Counter()
    for gram, count in grams(text).items():
        counts[zlib.crc32(gram.encode()) % buckets] += count
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    indices = np.fromiter(counts.keys(), np.int64, len(counts))
    weights = np.log1p(np.fromiter(counts.values(), np.float32, len(counts)))
    return indices, weights / np.linalg.norm(weights)


def batch(texts: Sequence[str], buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices, offsets and weights of many messages, in the layout of `torch.nn.EmbeddingBag`."""
    return layout([hashed(t, buckets) for t in texts])


def layout(bags: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices, offsets and weights of hashed messages (`hashed`'s pairs) for `torch.nn.EmbeddingBag`."""
    offsets = np.cumsum([0] + [len(i) for i, _ in bags[:-1]]).astype(np.int64)
    indices = np.concatenate([i for i, _ in bags]) if bags else np.zeros(0, np.int64)
    weights = np.concatenate([w for _, w in bags]) if bags else np.zeros(0, np.float32)
    return indices, offsets, weights
