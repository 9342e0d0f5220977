"""The tolerances the model-card tests allow are what flipped predictions can do, checked by flipping every one."""

import numpy as np

from redheart_models.metrics import accuracy_flip_bound, f1_scores, macro_f1_flip_bound


def test_no_single_flip_moves_macro_f1_more_than_its_bound() -> None:
    rng = np.random.default_rng(0)
    for trial in range(20):
        y_true = (rng.random((30, 4)) < rng.uniform(0.05, 0.5)).astype(np.float32)
        y_pred = (rng.random((30, 4)) < rng.uniform(0.05, 0.5)).astype(np.float32)
        macro = f1_scores(y_true, y_pred).mean()
        bound = macro_f1_flip_bound(y_true, y_pred)
        worst = 0.0
        for i, j in np.ndindex(y_pred.shape):
            flipped = y_pred.copy()
            flipped[i, j] = 1 - flipped[i, j]
            worst = max(worst, abs(f1_scores(y_true, flipped).mean() - macro))
        assert worst <= bound + 1e-12, (trial, worst, bound)


def test_two_flips_stay_within_the_two_flip_bound() -> None:
    y_true = np.zeros((10, 2), np.float32)
    y_true[:3, 0] = y_true[:2, 1] = 1
    y_pred = y_true.copy()
    macro = f1_scores(y_true, y_pred).mean()
    flipped = y_pred.copy()
    flipped[0, 1] = flipped[1, 1] = 0  # the rarer label loses both its hits
    assert abs(f1_scores(y_true, flipped).mean() - macro) <= macro_f1_flip_bound(y_true, y_pred, flips=2)


def test_an_accuracy_moves_by_one_row_per_flip() -> None:
    assert accuracy_flip_bound(1000, flips=3) == 0.003
