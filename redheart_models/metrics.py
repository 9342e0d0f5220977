"""Evaluation metrics per task kind (numpy only), each with the trivial baseline it must beat."""

import numpy as np


def f1_scores(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per-label F1 of 0/1 matrices [n, L]; a label with no positives and no predictions scores 0."""
    tp = (y_true * y_pred).sum(axis=0)
    denominator = y_true.sum(axis=0) + y_pred.sum(axis=0)
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1e-12), 0.0)


def multilabel(y_true: np.ndarray, scores: np.ndarray, thresholds: np.ndarray | float = 0.5) -> dict[str, float]:
    y_pred = (scores >= thresholds).astype(np.float32)
    tp, predicted, actual = (y_true * y_pred).sum(), y_pred.sum(), y_true.sum()
    prior = y_true.mean(axis=0)  # share of positives per label
    return {
        "macro_f1": float(f1_scores(y_true, y_pred).mean()),
        "micro_f1": float(2 * tp / max(predicted + actual, 1e-12)),
        # baseline: predict every label for every text (the best constant guess for macro-F1 on rare labels)
        "baseline_macro_f1": float(f1_scores(y_true, np.ones_like(y_true)).mean()),
        "baseline_micro_f1": float(2 * prior.mean() / (1 + prior.mean())),
    }


def macro_f1_flip_bound(y_true: np.ndarray, y_pred: np.ndarray, flips: int = 1) -> float:
    """The most `flips` flipped predictions can move macro-F1 [n, L]. On a label with P positives and Q
    predictions, F1 = 2TP/(P+Q) and one flip moves it by at most 2/(P+Q-1); the worst label, divided by L."""
    sizes = y_true.sum(axis=0) + y_pred.sum(axis=0)
    return float(flips * (2 / np.maximum(sizes.min() - flips, 1)) / y_true.shape[1])


def accuracy_flip_bound(rows: int, flips: int = 1) -> float:
    """The most `flips` flipped predictions can move an accuracy (or pairwise accuracy) over `rows`."""
    return flips / rows


def auroc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U over average ranks); 0.5 when one class is missing."""
    positives = y_true == 1
    if positives.all() or not positives.any():
        return 0.5
    order = np.argsort(scores, kind="mergesort")
    _, first, counts = np.unique(scores[order], return_index=True, return_counts=True)
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)  # 1-based; ties share their average rank
    n_pos, n_neg = positives.sum(), (~positives).sum()
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary(y_true: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Accuracy at 0.5 with the majority baseline; F1 of the positive class with the all-positive baseline; AUROC
    (threshold-free, for rare positives such as ETHICS virtue) with the chance baseline 0.5."""
    y_pred = (scores >= 0.5).astype(np.float32)
    majority = float(y_true.mean() >= 0.5)
    f1 = lambda predicted: float(f1_scores(y_true[:, None], predicted[:, None])[0])  # noqa: E731
    return {"accuracy": float((y_pred == y_true).mean()), "baseline_accuracy": float((y_true == majority).mean()),
            "f1": f1(y_pred), "baseline_f1": f1(np.ones_like(y_true)), "auroc": auroc(y_true, scores),
            "baseline_auroc": 0.5}


def regression(y_true: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    ranks = lambda v: np.argsort(np.argsort(v)).astype(np.float64)  # noqa: E731 - ties are rare in ratings
    return {
        "pearson": float(np.corrcoef(y_true, predicted)[0, 1]),
        "spearman": float(np.corrcoef(ranks(y_true), ranks(predicted))[0, 1]),
        "mae": float(np.abs(y_true - predicted).mean()),
        "baseline_mae": float(np.abs(y_true - np.median(y_true)).mean()),  # predict the median
        "baseline_pearson": 0.0,  # a constant prediction has no correlation
    }


def pairwise(utilities: np.ndarray) -> dict[str, float]:
    """utilities [n, 2] with the better item first; ties count as wrong."""
    return {"pairwise_accuracy": float((utilities[:, 0] > utilities[:, 1]).mean()), "baseline_pairwise_accuracy": 0.5}


THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)


def tune_thresholds(y_true: np.ndarray, scores: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> np.ndarray:
    """Per label, the grid threshold with the best F1 on (y_true, scores); ties go to the one nearest 0.5, and a
    label with no positives keeps 0.5."""
    best = np.full(y_true.shape[1], 0.5)
    for k in range(y_true.shape[1]):
        if y_true[:, k].sum() == 0:
            continue
        f1 = [f1_scores(y_true[:, k : k + 1], (scores[:, k : k + 1] >= t).astype(np.float32))[0] for t in grid]
        candidates = np.flatnonzero(np.isclose(f1, max(f1)))
        best[k] = grid[candidates[np.argmin(np.abs(grid[candidates] - 0.5))]]
    return best


def cross_fitted(y_true: np.ndarray, scores: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Multi-label F1 with thresholds tuned on one half of the rows and applied to the other, both ways, averaged:
    what tuned thresholds are worth on rows they were not tuned on."""
    order = np.random.default_rng(seed).permutation(len(y_true))
    halves = (order[: len(order) // 2], order[len(order) // 2 :])
    runs = [multilabel(y_true[b], scores[b], tune_thresholds(y_true[a], scores[a])) for a, b in (halves, halves[::-1])]
    return {key: float(np.mean([r[key] for r in runs])) for key in ("macro_f1", "micro_f1")}


HEADLINE = {"multilabel": "macro_f1", "binary": "accuracy", "regression": "pearson", "pairwise": "pairwise_accuracy",
            "multitask": "goemotions.macro_f1"}


def evaluate(kind: str, y_true: np.ndarray, output: np.ndarray) -> dict[str, float]:
    """Metrics of a head's raw output (logits for classification) against the labels."""
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    if kind == "multilabel":
        return multilabel(y_true, sigmoid(output))
    if kind == "binary":
        return binary(y_true, sigmoid(output.reshape(-1)))
    if kind == "regression":
        return regression(y_true, output.reshape(-1))
    return pairwise(output)


def crisis_levels(levels: np.ndarray, predicted: np.ndarray, p_ideation: np.ndarray, ideation: int) -> dict[str, float]:
    """C-SSRS metrics: binary Ideation+ (F1, recall, precision, AUC) and 5-level macro-F1 and mean absolute error,
    each with its baseline (everyone positive for the binary task, the majority level for the 5-level one)."""
    positive, flagged = levels >= ideation, predicted >= ideation
    tp = float((positive & flagged).sum())
    n_levels = 5
    onehot = lambda v: np.eye(n_levels)[v.astype(int)]  # noqa: E731
    majority = np.bincount(levels.astype(int), minlength=n_levels).argmax()
    constant = np.full_like(levels, majority)
    return {
        "binary_f1": 2 * tp / max(positive.sum() + flagged.sum(), 1),
        "recall_ideation_plus": tp / max(positive.sum(), 1),
        "precision_ideation_plus": tp / max(flagged.sum(), 1),
        "roc_auc": auroc(positive, p_ideation),
        "macro_f1": float(f1_scores(onehot(levels), onehot(predicted)).mean()),
        "mae_tier": float(np.abs(levels - predicted).mean()),
        "baseline_binary_f1": 2 * positive.mean() / (1 + positive.mean()),  # flag everyone
        "baseline_roc_auc": 0.5,
        "baseline_macro_f1": float(f1_scores(onehot(levels), onehot(constant)).mean()),
        "baseline_mae_tier": float(np.abs(levels - majority).mean()),
    }
