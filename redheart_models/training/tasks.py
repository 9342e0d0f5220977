"""The registered training tasks: which files, which split, which labels, which kind of head.

Where a dataset has no dev split of its own, a fixed-seed split is made here and named in the task's `split`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redheart_models.data import ethics, goemotions, kote, vader
from redheart_models.data.base import Labelled, check_diversity, connected_components, group_split, split_indices
from redheart_models.data.catalog import FILES, resolve
from redheart_models.training.head import Kind

SEED = 0
Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Task:
    name: str
    kind: Kind
    labels: list[str]
    files: list[str]  # catalog keys
    split: str  # how train and dev were obtained


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
    "ethics-cm": Task("ethics-cm", "binary", ["wrong"], ["ethics/cm"],
                      f"cm_test.csv (this project's training material) split 90/10 by label, seed {SEED}"),
}


def _labelled(task: Task, data_dir: Path) -> tuple[Labelled, Labelled]:
    paths = [resolve(data_dir, key) for key in task.files]
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
    else:
        data = ethics.load_labelled(paths[0], "commonsense")
        train, dev = split_indices(len(data), 0.1, SEED, strata=data.labels)
    return data.subset(train), data.subset(dev)


def _pairs(data: Labelled, pairs: np.ndarray) -> Labelled:
    """The given pairs of a pairwise set, whose texts interleave (better, worse)."""
    rows = np.stack([2 * pairs, 2 * pairs + 1], axis=1).reshape(-1)
    return Labelled([data.texts[i] for i in rows], np.ones(len(pairs), np.float32), data.label_names, data.source)


def _limit(data: Labelled, n: int | None, pairwise: bool) -> Labelled:
    """The first rows of a fixed-seed shuffle: a deterministic subsample for smoke runs."""
    count = len(data.labels) if pairwise else len(data)
    if n is None or n >= count:
        return data
    keep = np.sort(np.random.default_rng(SEED).permutation(count)[:n])
    return _pairs(data, keep) if pairwise else data.subset(keep)


def prepare(task: Task, data_dir: Path, embed: Embed, limit: int | None = None) -> TaskData:
    """Embeddings and labels of train and dev; labels are checked for diversity before anything trains."""
    train, dev = _labelled(task, data_dir)
    pairwise = task.kind == "pairwise"
    train, dev = _limit(train, limit, pairwise), _limit(dev, None if limit is None else max(limit // 4, 8), pairwise)
    if not pairwise:
        check_diversity(train.labels, f"{task.name} train")
    x_train, x_dev = embed(train.texts), embed(dev.texts)
    if pairwise:  # [pairs, 2 (better, worse), dim]
        x_train, x_dev = x_train.reshape(-1, 2, x_train.shape[1]), x_dev.reshape(-1, 2, x_dev.shape[1])
    return TaskData(
        x_train, train.labels.astype(np.float32), x_dev, dev.labels.astype(np.float32),
        {FILES[key].path: FILES[key].sha256 for key in task.files},
    )
