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
SAME_ENCODER_TOLERANCE = 1e-4  # float noise between runs of one build is ~1e-7; a 4-bit engine change is ~1e-2


def fingerprint(encode: Callable[[Sequence[str]], np.ndarray]) -> dict:
    """The probe set's first coordinates, rounded to 6 decimals, with the probe version."""
    vectors = np.asarray(encode(list(PROBES)), dtype=np.float64)[:, :COORDINATES]
    return {"probe": VERSION, "coordinates": np.round(vectors, 6).tolist()}


def distance(recorded: dict, current: dict) -> float:
    """Largest coordinate difference between two fingerprints of the same probe version."""
    if recorded["probe"] != current["probe"]:
        raise ValueError(f"fingerprints of different probe sets: {recorded['probe']} vs {current['probe']}")
    return float(np.abs(np.asarray(recorded["coordinates"]) - np.asarray(current["coordinates"])).max())
