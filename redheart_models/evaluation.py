"""`redheart eval`: metrics of a released head on a file in its dataset's published format (DESIGN.md,
"Evaluation contract"), next to the trivial baseline of each headline metric."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from redheart_models.data import ethics, goemotions, kote, vader
from redheart_models.data.base import Labelled
from redheart_models.families import as_input
from redheart_models.metrics import evaluate, multilabel
from redheart_models.release import Released

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class EvalTask:
    load: Callable[[Path], Labelled]
    weights: str  # the released head it scores by default
    kind: str


EVAL_TASKS = {
    "goemotions": EvalTask(goemotions.load, "emotion", "multilabel"),
    "ekman": EvalTask(goemotions.load, "emotion", "multilabel"),
    "kote": EvalTask(kote.load, "emotion", "multilabel"),
    "valence": EvalTask(vader.load, "valence", "regression"),
    "ethics-util": EvalTask(ethics.load_utilitarianism, "ethics-util", "pairwise"),
    "ethics-cm": EvalTask(lambda p: ethics.load_labelled(p, "commonsense"), "ethics-cm", "binary"),
}


@torch.no_grad()
def evaluate_file(task: str, path: Path, released: Released, embed: Embed) -> dict[str, float]:
    spec = EVAL_TASKS[task]
    data = spec.load(path)
    x = np.asarray(data.texts, dtype=str) if released.reads_text else embed(data.texts)
    if spec.kind == "pairwise":
        x = x.reshape(len(x) // 2, 2, *x.shape[1:])
    output, thresholds = _output(task, released, x)
    if task == "ekman":  # GoEmotions labels and predictions both through the dataset's published mapping
        matrix = goemotions.ekman_matrix(goemotions.EKMAN_GROUPS)
        predicted = goemotions.to_ekman((1 / (1 + np.exp(-output)) >= thresholds).astype(np.float32), matrix)
        metrics = multilabel(goemotions.to_ekman(data.labels, matrix), predicted)
    elif spec.kind == "multilabel":
        metrics = multilabel(data.labels, 1 / (1 + np.exp(-output)), thresholds)
    else:
        metrics = evaluate(spec.kind, data.labels, output)
    return {"task": task, "rows": len(data.labels), "weights": released.path.name, **metrics}


def _forward(released: Released, x: np.ndarray, batch_size: int = 32) -> Any:
    """The model's output: at once on embeddings; in batches on texts (a fine-tuned encoder reads the texts)."""
    if not released.reads_text:
        return released.model(torch.from_numpy(x))[0]
    return torch.cat([released.model(as_input(x[i:i + batch_size], torch.device("cpu")))[0]
                      for i in range(0, len(x), batch_size)])


def _output(task: str, released: Released, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
    """The model's raw output for the task and its decision thresholds; the emotion model (a mixture of experts,
    or its one-expert MLP) answers with the output layer of the task's label set."""
    with torch.no_grad():
        output = _forward(released, x)
    if released.family == "moe":
        name = "kote" if task == "kote" else "goemotions"
        return output.logits[name].numpy(), released.thresholds[name]
    return output.numpy(), 0.5 if released.thresholds is None else released.thresholds
