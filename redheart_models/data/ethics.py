"""ETHICS (Hendrycks et al., ICLR 2021): utilitarianism pairs and commonsense, deontology, justice, virtue labels.

Formats (UTF-8 CSV, standard quoting, scenarios may contain newlines):
- utilitarianism: no header; column 0 is the more pleasant scenario, column 1 the less pleasant one;
- commonsense: header `label,input,is_short,edited`; 1 = clearly morally wrong;
- deontology: header `label,scenario,excuse`; 1 = the excuse is reasonable;
- justice: header `label,scenario`; 1 = reasonable;
- virtue: header `label,scenario`, scenario `sentence [SEP] trait`; 1 = the trait is exemplified.
"""

import csv
from pathlib import Path

import numpy as np

from redheart_models.data.base import DataError, Labelled

HEADERS = {
    "commonsense": ["label", "input", "is_short", "edited"],
    "deontology": ["label", "scenario", "excuse"],
    "justice": ["label", "scenario"],
    "virtue": ["label", "scenario"],
}
JOIN = " [SEP] "  # how deontology's scenario and excuse become one text, as virtue's file already does


def _records(path: Path):
    """(line, record) pairs; `line` is the physical line where the record starts."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        start = 1
        for record in reader:
            yield start, record
            start = reader.line_num + 1


def load_utilitarianism(path: Path) -> Labelled:
    """Pairs: `texts` interleaves (better, worse) so rows 2i and 2i+1 are a pair; labels [n_pairs] are all 1."""
    texts = []
    for line, record in _records(path):
        if len(record) != 2:
            raise DataError(path, f"expected 2 columns (more pleasant, less pleasant), got {len(record)}", line)
        if not all(s.strip() for s in record):
            raise DataError(path, "empty scenario", line)
        texts.extend(record)
    if not texts:
        raise DataError(path, "no rows")
    return Labelled(texts, np.ones(len(texts) // 2, dtype=np.float32), ["first_more_pleasant"], Path(path))


def load_labelled(path: Path, subset: str) -> Labelled:
    """Binary labels [n] (float32 0/1) for commonsense, deontology, justice or virtue."""
    if subset not in HEADERS:
        raise ValueError(f"unknown ETHICS subset {subset!r}; known: {sorted(HEADERS)}")
    records = _records(path)
    header = next(records, (1, []))[1]
    if header != HEADERS[subset]:
        raise DataError(path, f"header must be {','.join(HEADERS[subset])}, got {','.join(header)}", 1)
    texts, labels = [], []
    for line, record in records:
        if len(record) != len(header):
            raise DataError(path, f"expected {len(header)} columns, got {len(record)}", line)
        if record[0] not in ("0", "1"):
            raise DataError(path, f"label must be 0 or 1, got {record[0]!r}", line)
        text = record[1] if subset != "deontology" else record[1] + JOIN + record[2]
        if not record[1].strip():
            raise DataError(path, "empty scenario", line)
        texts.append(text)
        labels.append(float(record[0]))
    if not texts:
        raise DataError(path, "no rows")
    return Labelled(texts, np.asarray(labels, dtype=np.float32), [subset], Path(path))
