"""What a finished run learned, measured on its dev split: tuned thresholds, metrics, plots, and for the mixture
of experts the load of each expert and what it specialises in."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from redheart_models.data import goemotions
from redheart_models.emotion.moe import MixtureOfExperts
from redheart_models.families import Family, as_input
from redheart_models.metrics import cross_fitted, multilabel, tune_thresholds
from redheart_models.training.plots import plot_dev
from redheart_models.training.tasks import Task

TOP_LABELS = 5  # labels listed per expert in the specialisation report


@dataclass
class DevAnalysis:
    metrics: dict = field(default_factory=dict)
    thresholds: list[float] | dict[str, list[float]] | None = None
    plots: list[Path] = field(default_factory=list)
    experts: list[dict] | None = None


@torch.no_grad()
def predict(model: torch.nn.Module, x: np.ndarray, batch_size: int = 256) -> list:
    """The model's raw outputs on x, batch by batch, on the CPU."""
    model.eval().cpu()
    return [model(as_input(x[i : i + batch_size], torch.device("cpu")))[0] for i in range(0, len(x), batch_size)]


def analyse_dev(task: Task, family: Family, model: torch.nn.Module, x: np.ndarray, y: np.ndarray, out: Path
                ) -> DevAnalysis:
    outputs = predict(model, x)
    if family == "moe":
        return _mixture(task, model, outputs, y, out)
    output = torch.cat(outputs).float().numpy()
    if task.kind != "multilabel":
        return DevAnalysis(plots=plot_dev(task.kind, task.labels, y, output, out))
    metrics, thresholds = label_set_metrics(task.name, y, 1 / (1 + np.exp(-output)))
    return DevAnalysis(metrics, thresholds, plot_dev(task.kind, task.labels, y, output, out))


def label_set_metrics(name: str, y: np.ndarray, scores: np.ndarray, thresholds: np.ndarray | None = None
                      ) -> tuple[dict, list[float]]:
    """The card's metrics of one label set: at per-label thresholds (tuned on dev unless given), at 0.5, and
    cross-fitted (tuned on one half of dev, scored on the other); for GoEmotions also Ekman-7 through the dataset's
    mapping."""
    thresholds = tune_thresholds(y, scores) if thresholds is None else np.asarray(thresholds)
    metrics = {**multilabel(y, scores, thresholds), "at_0.5": multilabel(y, scores),
               "cross_fitted": cross_fitted(y, scores)}
    if name == "goemotions":
        matrix = goemotions.ekman_matrix(goemotions.EKMAN_GROUPS)
        predicted = goemotions.to_ekman((scores >= thresholds).astype(np.float32), matrix)
        ekman = multilabel(goemotions.to_ekman(y, matrix), predicted)
        metrics |= {"ekman_macro_f1": ekman["macro_f1"], "ekman_baseline_macro_f1": ekman["baseline_macro_f1"]}
    return metrics, [float(t) for t in thresholds]


def _mixture(task: Task, model: MixtureOfExperts, outputs: list, y: np.ndarray, out: Path) -> DevAnalysis:
    analysis = DevAnalysis(thresholds={}, experts=[])
    routing = torch.cat([o.routing for o in outputs]).float().numpy()
    sets = []
    for (name, labels), targets in zip(task.outputs.items(), model.split(torch.from_numpy(y))):
        logits = torch.cat([o.logits[name] for o in outputs]).float().numpy()
        rows = ~np.isnan(targets.numpy()).any(axis=1)
        truth, scores = targets.numpy()[rows], 1 / (1 + np.exp(-logits[rows]))
        metrics, analysis.thresholds[name] = label_set_metrics(name, truth, scores)
        analysis.metrics |= {f"{name}.{k}": v for k, v in metrics.items()}
        analysis.plots += plot_dev("multilabel", labels, truth, logits[rows], out, prefix=f"{name}_")
        sets.append((name, labels, rows, truth))
    analysis.experts = specialisation(routing, sets)
    return analysis


def specialisation(routing: np.ndarray, sets: list[tuple[str, list[str], np.ndarray, np.ndarray]]) -> list[dict]:
    """Per expert: its load (mean routing weight), how often it is a text's first choice, its mean weight on each
    label set's texts, and the labels whose texts it is given most, as lift = mean weight on texts with the label
    / its mean weight overall (a lift of 2 means twice its usual share)."""
    report = []
    first = routing.argmax(axis=1)
    for e in range(routing.shape[1]):
        load = float(routing[:, e].mean())
        lifts = []
        for name, labels, rows, truth in sets:
            weights = routing[rows, e]
            for j, label in enumerate(labels):
                if truth[:, j].sum() >= 10:  # too few texts say nothing
                    lifts.append((float(weights[truth[:, j] > 0].mean() / max(load, 1e-9)), f"{name}:{label}"))
        report.append({
            "expert": e, "load": load, "first_choice": float((first == e).mean()),
            "weight_by_set": {name: float(routing[rows, e].mean()) for name, _, rows, _ in sets},
            "top_labels": [{"label": label, "lift": round(lift, 3)} for lift, label in sorted(lifts)[::-1][:TOP_LABELS]],
        })
    return report
