"""`redheart eval`: metrics of a released head on a file in its dataset's published format (DESIGN.md,
"Evaluation contract"), next to the trivial baseline of each headline metric."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from redheart_models.data import ethics, goemotions, kote, vader
from redheart_models.data.base import Labelled
from redheart_models.release import Released
from redheart_models.training.metrics import evaluate, multilabel

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class EvalTask:
    load: Callable[[Path], Labelled]
    weights: str  # the released head it scores by default
    kind: str


EVAL_TASKS = {
    "goemotions": EvalTask(goemotions.load, "goemotions", "multilabel"),
    "ekman": EvalTask(goemotions.load, "goemotions", "multilabel"),
    "kote": EvalTask(kote.load, "kote", "multilabel"),
    "valence": EvalTask(vader.load, "valence", "regression"),
    "ethics-util": EvalTask(ethics.load_utilitarianism, "ethics-util", "pairwise"),
    "ethics-cm": EvalTask(lambda p: ethics.load_labelled(p, "commonsense"), "ethics-cm", "binary"),
}


@torch.no_grad()
def evaluate_file(task: str, path: Path, released: Released, embed: Embed) -> dict[str, float]:
    spec = EVAL_TASKS[task]
    data = spec.load(path)
    x = embed(data.texts)
    if spec.kind == "pairwise":
        x = x.reshape(-1, 2, x.shape[1])
    output, _ = released.head(torch.from_numpy(x))
    output = output.numpy()
    thresholds = 0.5 if released.thresholds is None else released.thresholds
    if task == "ekman":  # GoEmotions labels and predictions both through the dataset's published mapping
        matrix = goemotions.ekman_matrix(goemotions.EKMAN_GROUPS)
        predicted = goemotions.to_ekman((1 / (1 + np.exp(-output)) >= thresholds).astype(np.float32), matrix)
        metrics = multilabel(goemotions.to_ekman(data.labels, matrix), predicted)
    elif spec.kind == "multilabel":
        metrics = multilabel(data.labels, 1 / (1 + np.exp(-output)), thresholds)
    else:
        metrics = evaluate(spec.kind, data.labels, output)
    return {"task": task, "rows": len(data.labels), "weights": released.path.name, **metrics}
