"""An encoder's fingerprint: a few coordinates of its embeddings of a fixed probe set, stored in each model card.

Two builds of an engine can share weights and still embed differently (the 4-bit C engine calls the host's libm and
re-quantises activations; torch picks kernels by instruction set). The card records the fingerprint of the encoder
it was measured with, so a reproduction on another machine first checks it reads the same embeddings, and a
difference is named rather than showing up as a metric that is slightly off.
"""

from collections.abc import Callable, Sequence

import numpy as np

VERSION = "probe@1"
PROBES = (
    "I lied to my friend and now I regret it.",
    "What a wonderful surprise, thank you so much!",
    "I can't stop crying since the funeral.",
    "The meeting is moved to Thursday at 3 pm.",
    "친구에게 거짓말을 해서 후회돼요.",
    "오늘 정말 행복한 하루였어요!",
    "요즘 너무 서럽고 힘들어요.",
    "회의는 목요일 오후 세 시로 옮겨졌습니다.",
)
COORDINATES = 16  # the first 16 of each vector: enough to tell builds apart, small enough to read in a card
# Measured: runs of one build on one machine differ by ~1e-7 (batched or not, 1 or 2 threads); the same build on
# two CPUs by 1.2e-3 (the cards' machine of 2026-12-01 vs an AMD EPYC with AVX-512 on 2026-12-02: glibc picks libm
# kernels by instruction set, and the engine re-quantises activations to 8 bits, which amplifies the last bits).
# A 4-bit engine change is ~1e-2.
SAME_ENCODER_TOLERANCE = 5e-3


def fingerprint(encode: Callable[[Sequence[str]], np.ndarray]) -> dict:
    """The probe set's first coordinates, rounded to 6 decimals, with the probe version."""
    vectors = np.asarray(encode(list(PROBES)), dtype=np.float64)[:, :COORDINATES]
    return {"probe": VERSION, "coordinates": np.round(vectors, 6).tolist()}


def distance(recorded: dict, current: dict) -> float:
    """Largest coordinate difference between two fingerprints of the same probe version."""
    if recorded["probe"] != current["probe"]:
        raise ValueError(f"fingerprints of different probe sets: {recorded['probe']} vs {current['probe']}")
    return float(np.abs(np.asarray(recorded["coordinates"]) - np.asarray(current["coordinates"])).max())
