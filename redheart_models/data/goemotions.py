"""GoEmotions (Demszky et al., ACL 2020): English Reddit comments, 27 emotions + neutral, multi-label.

Format: TSV without header, columns text, comma-separated label ids (0..27), comment id; CSV-style quoting.
Ekman-7 labels come from the dataset's own `ekman_mapping.json` (neutral stays neutral).
"""

import json
from pathlib import Path

import numpy as np

from redheart_models.data.base import DataError, Labelled, read_multilabel_tsv

LABELS = [
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity", "desire",
    "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear", "gratitude", "grief", "joy",
    "love", "nervousness", "optimism", "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
]
EKMAN = ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]


def load(path: Path) -> Labelled:
    """Multi-hot labels [n, 28] in the order of LABELS."""
    data = read_multilabel_tsv(path, ("text", "labels", "id"), len(LABELS), quoted=True)
    return Labelled(data.texts, data.labels, LABELS, data.source, data.ids)


def ekman_matrix(mapping_path: Path) -> np.ndarray:
    """[28, 7] 0/1 matrix: GoEmotions label -> its Ekman group, from the dataset's published mapping."""
    mapping = json.loads(Path(mapping_path).read_text(encoding="utf-8"))
    if set(mapping) != set(EKMAN) - {"neutral"}:
        raise DataError(mapping_path, f"expected groups {EKMAN[:-1]}, got {sorted(mapping)}")
    matrix = np.zeros((len(LABELS), len(EKMAN)), dtype=np.float32)
    for group, members in mapping.items():
        for member in members:
            if member not in LABELS:
                raise DataError(mapping_path, f"unknown emotion {member!r} in group {group!r}")
            matrix[LABELS.index(member), EKMAN.index(group)] = 1.0
    matrix[LABELS.index("neutral"), EKMAN.index("neutral")] = 1.0
    if not np.all(matrix.sum(axis=1) == 1):
        raise DataError(mapping_path, "every emotion must belong to exactly one group")
    return matrix


def to_ekman(labels: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Multi-hot Ekman-7 labels: a group is on when any of its member emotions is."""
    return (labels @ matrix > 0).astype(np.float32)
