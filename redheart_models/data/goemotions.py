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


# The dataset's published `ekman_mapping.json` (a data test checks this copy against the file).
EKMAN_GROUPS = {
    "anger": ["anger", "annoyance", "disapproval"],
    "disgust": ["disgust"],
    "fear": ["fear", "nervousness"],
    "joy": ["joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride",
            "admiration", "desire", "caring"],
    "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
    "surprise": ["surprise", "realization", "confusion", "curiosity"],
}


def ekman_matrix(groups: dict[str, list[str]], source: Path | str = "EKMAN_GROUPS") -> np.ndarray:
    """[28, 7] 0/1 matrix: GoEmotions label -> its Ekman group (neutral stays neutral)."""
    if set(groups) != set(EKMAN) - {"neutral"}:
        raise DataError(source, f"expected groups {EKMAN[:-1]}, got {sorted(groups)}")
    matrix = np.zeros((len(LABELS), len(EKMAN)), dtype=np.float32)
    for group, members in groups.items():
        for member in members:
            if member not in LABELS:
                raise DataError(source, f"unknown emotion {member!r} in group {group!r}")
            matrix[LABELS.index(member), EKMAN.index(group)] = 1.0
    matrix[LABELS.index("neutral"), EKMAN.index("neutral")] = 1.0
    if not np.all(matrix.sum(axis=1) == 1):
        raise DataError(source, "every emotion must belong to exactly one group")
    return matrix


def load_ekman_mapping(path: Path) -> dict[str, list[str]]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def to_ekman(labels: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Multi-hot Ekman-7 labels: a group is on when any of its member emotions is."""
    return (labels @ matrix > 0).astype(np.float32)
