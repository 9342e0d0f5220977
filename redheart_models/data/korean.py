"""The optional Korean sets: BEEP! hate speech (Moon et al. 2020) and KoSBi social bias (Lee et al. 2023)."""

import csv
import json
from pathlib import Path

import numpy as np

from redheart_models.data.base import DataError, Labelled

HATE = ["none", "offensive", "hate"]
BIAS = ["none", "gender", "others"]


def load_hate_speech(path: Path) -> Labelled:
    """Labels [n, 2] int: hate (index into HATE) and bias (index into BIAS). TSV with a header row."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, [])
        expected = ["comments", "contain_gender_bias", "bias", "hate"]
        if header != expected:
            raise DataError(path, f"header must be {' '.join(expected)}, got {' '.join(header)}", 1)
        texts, labels = [], []
        for record in reader:
            line = reader.line_num
            if len(record) != 4:
                raise DataError(path, f"expected 4 columns, got {len(record)}", line)
            text, _, bias, hate = record
            if hate not in HATE or bias not in BIAS:
                raise DataError(path, f"hate must be one of {HATE} and bias one of {BIAS}", line)
            texts.append(text)
            labels.append((HATE.index(hate), BIAS.index(bias)))
    if not texts:
        raise DataError(path, "no rows")
    return Labelled(texts, np.asarray(labels, dtype=np.int64), ["hate", "bias"], Path(path))


def load_kosbi(path: Path) -> Labelled:
    """`context` + `sentence` joined by a newline; label 1 = the sentence is unsafe (biased), 0 = safe."""
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(rows, list) or not rows:
        raise DataError(path, "expected a non-empty JSON array")
    texts, labels = [], []
    for i, row in enumerate(rows):
        label = row.get("sentence_label") if isinstance(row, dict) else None
        if label not in ("safe", "unsafe") or not row.get("sentence"):
            raise DataError(path, f"record {i}: needs `sentence` and `sentence_label` safe/unsafe")
        texts.append(f"{row.get('context') or ''}\n{row['sentence']}".strip())
        labels.append(float(label == "unsafe"))
    return Labelled(texts, np.asarray(labels, dtype=np.float32), ["unsafe"], Path(path))
