"""KOTE (Jeon, Lee & Kim 2022): Korean online comments, 43 emotions + 없음 ("none"), multi-label, 5 raters.

Format: TSV without header, columns id, text, comma-separated label ids (0..43).
"""

import csv
from pathlib import Path

import numpy as np

from redheart_models.data.base import DataError, Labelled

LABELS = [
    "불평/불만", "환영/호의", "감동/감탄", "지긋지긋", "고마움", "슬픔", "화남/분노", "존경", "기대감", "우쭐댐/무시함",
    "안타까움/실망", "비장함", "의심/불신", "뿌듯함", "편안/쾌적", "신기함/관심", "아껴주는", "부끄러움", "공포/무서움",
    "절망", "한심함", "역겨움/징그러움", "짜증", "어이없음", "없음", "패배/자기혐오", "귀찮음", "힘듦/지침",
    "즐거움/신남", "깨달음", "죄책감", "증오/혐오", "흐뭇함(귀여움/예쁨)", "당황/난처", "경악", "부담/안_내킴", "서러움",
    "재미없음", "불쌍함/연민", "놀람", "행복", "불안/걱정", "기쁨", "안심/신뢰",
]


def load(path: Path) -> Labelled:
    """Multi-hot labels [n, 44] in the order of LABELS."""
    texts, rows, ids = [], [], []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line, record in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if len(record) != 3:
                raise DataError(path, f"expected 3 tab-separated columns (id, text, labels), got {len(record)}", line)
            row_id, text, label_ids = record
            if not text.strip():
                raise DataError(path, "empty text", line)
            try:
                ids_ = [int(i) for i in label_ids.split(",")]
            except ValueError:
                raise DataError(path, f"label ids must be integers, got {label_ids!r}", line) from None
            if not ids_ or min(ids_) < 0 or max(ids_) >= len(LABELS):
                raise DataError(path, f"label ids must be in 0..{len(LABELS) - 1}, got {label_ids!r}", line)
            texts.append(text)
            rows.append(ids_)
            ids.append(row_id)
    if not texts:
        raise DataError(path, "no rows")
    labels = np.zeros((len(rows), len(LABELS)), dtype=np.float32)
    for i, ids_ in enumerate(rows):
        labels[i, ids_] = 1.0
    return Labelled(texts, labels, LABELS, Path(path), ids)
