"""VADER ground truth (Hutto & Gilbert, ICWSM 2014): mean valence of ~20 human ratings on -4..+4.

Format: `*_GroundTruth.txt`, tab-separated, CRLF, no header: id, mean valence, text. Labels are scaled to [-1, 1].
"""

from pathlib import Path

import numpy as np

from redheart_models.data.base import DataError, Labelled

SCALE = 4.0  # ratings are on -4..+4


def load(path: Path) -> Labelled:
    """Valence in [-1, 1] as float32 [n]."""
    texts, values, ids = [], [], []
    for line, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = raw.split("\t", 2)
        if len(parts) != 3:
            raise DataError(path, f"expected 3 tab-separated columns (id, valence, text), got {len(parts)}", line)
        row_id, mean, text = parts
        try:
            valence = float(mean)
        except ValueError:
            raise DataError(path, f"valence must be a number, got {mean!r}", line) from None
        if not -SCALE <= valence <= SCALE:
            raise DataError(path, f"valence must be in [-4, 4], got {valence}", line)
        if not text.strip():
            raise DataError(path, "empty text", line)
        texts.append(text)
        values.append(valence / SCALE)
        ids.append(row_id)
    if not texts:
        raise DataError(path, "no rows")
    return Labelled(texts, np.asarray(values, dtype=np.float32), ["valence"], Path(path), ids)


def load_all(directory: Path) -> Labelled:
    """Every `*_GroundTruth.txt` in `directory` (the three shared corpora), in name order."""
    files = sorted(Path(directory).glob("*_GroundTruth.txt"))
    if not files:
        raise DataError(directory, "no *_GroundTruth.txt files")
    parts = [load(f) for f in files]
    return Labelled(
        [t for p in parts for t in p.texts], np.concatenate([p.labels for p in parts]), ["valence"], Path(directory),
        [f"{p.source.stem}:{i}" for p in parts for i in p.ids],
    )
