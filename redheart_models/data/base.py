"""What every loader shares: the error type, file hashing, deterministic splits and label checks."""

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """A data file that does not match its documented format; the message names the file and the line."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Labelled:
    """Texts with their labels as one array: int classes [n], multi-hot [n, L], floats [n], or pairs (see loader).

    `ids` are the dataset's own ids where it has them (else the row number), for tracing and split checks.
    """

    texts: list[str]
    labels: np.ndarray
    label_names: list[str]
    source: Path
    ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Iterable[int]) -> "Labelled":
        idx = np.asarray(list(indices), dtype=np.int64)
        return Labelled(
            [self.texts[i] for i in idx], self.labels[idx], self.label_names, self.source,
            [self.ids[i] for i in idx] if self.ids else [],
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def split_indices(n: int, dev_fraction: float, seed: int, strata: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic (train, dev) row indices; stratified by `strata` (one key per row) when given."""
    assert 0 < dev_fraction < 1, "dev_fraction must be in (0, 1)"
    rng = np.random.default_rng(seed)
    keys = np.zeros(n, dtype=np.int64) if strata is None else np.unique(strata, return_inverse=True)[1]
    dev = []
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        rng.shuffle(rows)
        dev.extend(rows[: int(round(dev_fraction * len(rows)))])
    dev_set = set(dev)
    train = np.array([i for i in range(n) if i not in dev_set], dtype=np.int64)
    return train, np.sort(np.array(dev, dtype=np.int64))


def check_diversity(labels: np.ndarray, name: str, min_classes: int = 2) -> None:
    """Refuse constant targets (the original system trained on one): every label column must vary."""
    labels = np.asarray(labels)
    columns = labels.reshape(len(labels), -1).T
    for j, column in enumerate(columns):
        if len(np.unique(column)) < min_classes:
            raise DataError(name, f"label column {j} is constant ({column[0]!r}): nothing to learn")


def group_split(groups: list, dev_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic (train, dev) row indices that keep every group (e.g. one text) on one side."""
    assert 0 < dev_fraction < 1, "dev_fraction must be in (0, 1)"
    keys, inverse = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    order = np.random.default_rng(seed).permutation(len(keys))
    dev_keys = np.zeros(len(keys), dtype=bool)
    dev_keys[order[: int(round(dev_fraction * len(keys)))]] = True
    rows = np.arange(len(groups))
    return rows[~dev_keys[inverse]], rows[dev_keys[inverse]]


def connected_components(pairs: list[tuple[str, str]]) -> list[int]:
    """Component id of each pair in the graph whose nodes are texts and whose edges are the pairs."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        parent[find(a)] = find(b)
    roots = {root: i for i, root in enumerate(dict.fromkeys(find(a) for a, _ in pairs))}
    return [roots[find(a)] for a, _ in pairs]


def read_multilabel_tsv(path: Path, columns: tuple[str, str, str], n_labels: int, quoted: bool) -> Labelled:
    """A headerless multi-label TSV whose `columns` order names where `text`, `labels` and `id` stand;
    labels are comma-separated ids in 0..n_labels-1. Returns multi-hot labels [n, n_labels] (no label names)."""
    where = {name: i for i, name in enumerate(columns)}
    texts, rows, ids = [], [], []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE)
        for line, record in enumerate(reader, start=1):
            if len(record) != 3:
                raise DataError(path, f"expected 3 tab-separated columns ({', '.join(columns)}), got {len(record)}", line)
            text, label_ids = record[where["text"]], record[where["labels"]]
            if not text.strip():
                raise DataError(path, "empty text", line)
            try:
                labels = [int(i) for i in label_ids.split(",")]
            except ValueError:
                raise DataError(path, f"label ids must be integers, got {label_ids!r}", line) from None
            if not labels or min(labels) < 0 or max(labels) >= n_labels:
                raise DataError(path, f"label ids must be in 0..{n_labels - 1}, got {label_ids!r}", line)
            texts.append(text)
            rows.append(labels)
            ids.append(record[where["id"]])
    if not texts:
        raise DataError(path, "no rows")
    multi_hot = np.zeros((len(rows), n_labels), dtype=np.float32)
    for i, labels in enumerate(rows):
        multi_hot[i, labels] = 1.0
    return Labelled(texts, multi_hot, [], Path(path), ids)
