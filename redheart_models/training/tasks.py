"""The registered training tasks: which files, which split, which labels, which kind of model.

Where a dataset has no dev split of its own, a fixed-seed split is made here and named in the task's `split`.
The `emotion` task is several label sets at once (GoEmotions-28 and KOTE-44, for the mixture of experts): its
targets sit side by side, NaN where a text is not labelled for a set.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from redheart_models.data import ethics, goemotions, kote, vader
from redheart_models.data.base import Labelled, check_diversity, connected_components, group_split, split_indices
from redheart_models.data.catalog import FILES, resolve
from redheart_models.head import Kind

SEED = 0
JUSTICE_BLOCK = 8  # justice rows come in runs of related statements (groups of 4 in the test files)
Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Task:
    name: str
    kind: Kind | Literal["multitask"]
    labels: list[str]
    files: list[str]  # catalog keys
    split: str  # how train and dev were obtained
    outputs: dict[str, list[str]] = field(default_factory=dict)  # multitask: label set -> its labels, in order


@dataclass(frozen=True)
class TaskData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_dev: np.ndarray
    y_dev: np.ndarray
    files: dict[str, str]  # catalog path -> sha256


TASKS = {
    "goemotions": Task("goemotions", "multilabel", goemotions.LABELS, ["goemotions/train", "goemotions/dev"],
                       "the dataset's own train / dev"),
    "kote": Task("kote", "multilabel", kote.LABELS, ["kote/val"], f"kote val.tsv split 80/20, seed {SEED}"),
    "valence": Task("valence", "regression", ["valence"], ["vader/amazon", "vader/movie", "vader/nyt"],
                    f"the three shared VADER corpora split 90/10 by distinct text, seed {SEED}"),
    "ethics-util": Task("ethics-util", "pairwise", ["utility"], ["ethics/util"],
                        f"util_train.csv split 90/10 by groups of pairs that share a scenario, seed {SEED}"),
    "emotion": Task("emotion", "multitask", goemotions.LABELS + kote.LABELS,
                    ["goemotions/train", "goemotions/dev", "kote/val"],
                    f"GoEmotions' own train / dev, and kote val.tsv split 80/20 seed {SEED}, side by side",
                    {"goemotions": goemotions.LABELS, "kote": kote.LABELS}),
    "ethics-cm": Task("ethics-cm", "binary", ["wrong"], ["ethics/cm"],
                      f"cm_test.csv (this project's training material) split 90/10 by label, seed {SEED}"),
    "ethics-deontology": Task("ethics-deontology", "binary", ["reasonable"], ["ethics/deontology"],
                              f"deontology_train.csv split 90/10 by scenario (its excuses stay together), seed {SEED}"),
    "ethics-justice": Task("ethics-justice", "binary", ["reasonable"], ["ethics/justice"],
                           f"justice_train.csv split 90/10 by blocks of {JUSTICE_BLOCK} consecutive rows (related "
                           f"statements stay together; blocks sharing a statement are one group), seed {SEED}"),
    "ethics-virtue": Task("ethics-virtue", "binary", ["exemplified"], ["ethics/virtue"],
                          f"virtue_train.csv split 90/10 by sentence (its five traits stay together), seed {SEED}"),
}


def labelled_splits(task: Task, data_dir: Path) -> tuple[Labelled, Labelled]:
    """The (train, dev) texts and labels of a task, before any embedding."""
    paths = [resolve(data_dir, key) for key in task.files]
    if task.name == "emotion":
        parts = [labelled_splits(TASKS[name], data_dir) for name in task.outputs]
        return _side_by_side([train for train, _ in parts]), _side_by_side([dev for _, dev in parts])
    if task.name == "goemotions":
        return goemotions.load(paths[0]), goemotions.load(paths[1])
    if task.name == "kote":
        data = kote.load(paths[0])
        train, dev = split_indices(len(data), 0.2, SEED)
    elif task.name == "valence":
        parts = [vader.load(p) for p in paths]
        data = Labelled([t for p in parts for t in p.texts], np.concatenate([p.labels for p in parts]), ["valence"],
                        Path(data_dir))
        train, dev = group_split(data.texts, 0.1, SEED)  # a snippet repeated in the corpora stays on one side
    elif task.name == "ethics-util":
        data = ethics.load_utilitarianism(paths[0])
        pairs = list(zip(data.texts[0::2], data.texts[1::2]))
        # scenarios recur across pairs: split whole groups of pairs linked by a shared scenario
        pairs_train, pairs_dev = group_split(connected_components(pairs), 0.1, SEED)
        return _pairs(data, pairs_train), _pairs(data, pairs_dev)
    elif task.name == "ethics-cm":
        data = ethics.load_labelled(paths[0], "commonsense")
        train, dev = split_indices(len(data), 0.1, SEED, strata=data.labels)
    else:
        subset = task.name.removeprefix("ethics-")
        data = ethics.load_labelled(paths[0], subset)
        # justice: blocks of consecutive rows, merged when a statement recurs in another block
        groups = (connected_components([(f"block {i // JUSTICE_BLOCK}", t) for i, t in enumerate(data.texts)])
                  if subset == "justice" else [t.split(ethics.JOIN)[0] for t in data.texts])
        train, dev = group_split(groups, 0.1, SEED)
    return data.subset(train), data.subset(dev)


def _side_by_side(parts: list[Labelled]) -> Labelled:
    """Rows of all parts, each part's labels in its own columns, NaN in the others'."""
    widths = [p.labels.shape[1] for p in parts]
    labels = np.full((sum(len(p) for p in parts), sum(widths)), np.nan, dtype=np.float32)
    row, column = 0, 0
    for part, width in zip(parts, widths):
        labels[row : row + len(part), column : column + width] = part.labels
        row, column = row + len(part), column + width
    return Labelled([t for p in parts for t in p.texts], labels, [n for p in parts for n in p.label_names],
                    parts[0].source)


def _pairs(data: Labelled, pairs: np.ndarray) -> Labelled:
    """The given pairs of a pairwise set, whose texts interleave (better, worse)."""
    rows = np.stack([2 * pairs, 2 * pairs + 1], axis=1).reshape(-1)
    return Labelled([data.texts[i] for i in rows], np.ones(len(pairs), np.float32), data.label_names, data.source)


def _sample(count: int, n: int) -> np.ndarray:
    """The first n of a fixed-seed shuffle of range(count), sorted: a deterministic subsample for smoke runs."""
    return np.sort(np.random.default_rng(SEED).permutation(count)[:n])


def _limit(data: Labelled, n: int | None, task: Task) -> Labelled:
    """At most n rows (pairs for a pairwise task; n / sets from each label set of a multitask task)."""
    if task.kind == "multitask" and n is not None:
        sets = [np.flatnonzero(~np.isnan(data.labels[:, c]).any(axis=1)) for c in _columns(task)]
        return data.subset(np.sort(np.concatenate([rows[_sample(len(rows), n // len(sets))] for rows in sets])))
    count = len(data.labels) if task.kind == "pairwise" else len(data)
    if n is None or n >= count:
        return data
    return _pairs(data, _sample(count, n)) if task.kind == "pairwise" else data.subset(_sample(count, n))


def prepare(task: Task, data_dir: Path, embed: Embed, limit: int | None = None) -> TaskData:
    """Embeddings and labels of train and dev. The whole training split is checked for label diversity before
    anything trains (a smoke run's subsample may lack a rare label; the data may not)."""
    train, dev = labelled_splits(task, data_dir)
    if task.kind == "multitask":
        for name, columns in zip(task.outputs, _columns(task)):
            block = train.labels[:, columns]
            check_diversity(block[~np.isnan(block).any(axis=1)], f"{task.name} train ({name})")
    elif task.kind != "pairwise":
        check_diversity(train.labels, f"{task.name} train")
    train, dev = _limit(train, limit, task), _limit(dev, None if limit is None else max(limit // 4, 8), task)
    x_train, x_dev = embed(train.texts), embed(dev.texts)
    if task.kind == "pairwise":  # [pairs, 2 (better, worse), dim], or [pairs, 2] texts
        x_train, x_dev = (x.reshape(len(x) // 2, 2, *x.shape[1:]) for x in (x_train, x_dev))
    return TaskData(
        x_train, train.labels.astype(np.float32), x_dev, dev.labels.astype(np.float32),
        {FILES[key].path: FILES[key].sha256 for key in task.files},
    )


def _columns(task: Task) -> list[slice]:
    """The target columns of each label set of a multitask task."""
    ends = np.cumsum([len(labels) for labels in task.outputs.values()])
    return [slice(end - len(labels), end) for end, labels in zip(ends, task.outputs.values())]


def text_data(task: Task, data_dir: Path, limit: int | None = None) -> TaskData:
    """The texts themselves as inputs (for fine-tuning an encoder end to end), as a numpy string array."""
    if task.kind == "multitask":
        raise ValueError(f"fine-tuning an encoder is for single-text and pairwise tasks; {task.name} is multitask")
    return prepare(task, data_dir, lambda texts: np.asarray(texts, dtype=str), limit)
