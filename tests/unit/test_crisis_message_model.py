"""The crisis message model's parts without Ray: hashed n-grams, interval targets, thresholds, save and load."""

from pathlib import Path

import numpy as np
import pytest
import torch

from redheart_models.crisis import ngrams, rules
from redheart_models.crisis.message_model import (
    CUTS,
    RULE_FEATURES,
    MessageModelConfig,
    MessageRisk,
    MessageRiskModel,
    interval_targets,
    rule_features,
)
from redheart_models.training import crisis_messages as mt


def test_ngrams_are_deterministic_normalised_and_see_spacing_variants_alike() -> None:
    (a, wa), (b, _) = ngrams.hashed("죽고 싶다"), ngrams.hashed("죽고싶다")
    assert abs(np.linalg.norm(wa) - 1) < 1e-6
    assert len(set(a) & set(b)) >= 3, "spacing variants share character grams"
    again, _ = ngrams.hashed("죽고 싶다")
    np.testing.assert_array_equal(a, again)
    assert ngrams.grams("I’m  FINE") == ngrams.grams("i'm fine")
    indices, offsets, weights = ngrams.batch(["a b", "", "c"])
    assert offsets.tolist()[0] == 0 and len(offsets) == 3 and len(indices) == len(weights)


def test_interval_labels_teach_only_the_cuts_they_decide() -> None:
    target, known = interval_targets(np.array([0, 1, 2, 3]), np.array([0, 2, 3, 4]))
    assert target.tolist() == [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]
    assert known.tolist() == [[1, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]]


def test_rule_features_read_the_active_tier_and_the_contexts() -> None:
    active = dict(zip(RULE_FEATURES, rule_features(rules.assess("I want to kill myself"))))
    negated = dict(zip(RULE_FEATURES, rule_features(rules.assess("I would never kill myself"))))
    assert active["active_tier_ge2"] == 1 and negated["active_tier_ge2"] == 0 and negated["negated"] == 1


def test_thresholds_reach_their_recall_and_tiers_count_consecutive_cuts() -> None:
    rng = np.random.default_rng(0)
    tier_min = rng.integers(0, 5, 400)
    p = np.clip(tier_min[:, None] / 4 + rng.normal(0, 0.2, (400, CUTS)), 0, 1)
    p = np.minimum.accumulate(p, axis=1)
    thresholds = mt.choose_thresholds(p, tier_min, (0.9, 0.95, 0.9, 0.8))
    predicted = mt.tiers(p, thresholds)
    assert (predicted[tier_min >= 2] >= 2).mean() >= 0.95
    assert mt.tiers(np.array([[0.9, 0.3, 0.2, 0.1]]), np.array([0.95, 0.25, 0.5, 0.5])).tolist() == [2], (
        "the highest cut reached decides: a message at the response cut is tier 2 whatever cut 1's threshold")
    assert mt.tiers(np.array([[0.1, 0.05, 0.0, 0.0]]), np.full(CUTS, 0.5)).tolist() == [0]


def test_group_folds_keep_a_paraphrase_group_together() -> None:
    groups = [f"g{i // 3}" for i in range(300)]
    folds = mt.group_folds(groups)
    assert all(len(set(folds[i:i + 3])) == 1 for i in range(0, 300, 3)) and len(set(folds)) == mt.FOLDS


def test_a_saved_model_loads_to_the_same_probabilities(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = MessageRiskModel(MessageModelConfig(embedding_dim=8, buckets=64))
    torch.nn.init.normal_(model.ngrams.weight)
    risk = MessageRisk(model, np.array([0.5, 0.4, 0.3, 0.2]), "enc@1")
    texts = ["I want to die", "배고파 죽겠다"]
    embeddings = np.random.default_rng(0).normal(size=(2, 8)).astype(np.float32)
    assessments = [rules.assess(t) for t in texts]
    risk.save(tmp_path / "m.safetensors", {"name": "m"})
    loaded = MessageRisk.load(tmp_path / "m.safetensors")
    np.testing.assert_allclose(loaded.probabilities(texts, embeddings, assessments),
                               risk.probabilities(texts, embeddings, assessments), atol=1e-7)
    np.testing.assert_array_equal(loaded.thresholds, risk.thresholds)
    assert loaded.encoder == "enc@1" and loaded.encoder_patch is None


def test_a_saved_encoder_patch_comes_back_byte_for_byte(tmp_path: Path) -> None:
    model = MessageRiskModel(MessageModelConfig(embedding_dim=8, buckets=64))
    patch = {"l11.q.b": np.arange(384, dtype="<f4").tobytes(), "l11.q.w": bytes(range(256)) * 3}
    MessageRisk(model, np.array([0.5, 0.4, 0.3, 0.2]), "enc+patch@1", patch).save(tmp_path / "m.safetensors", {})
    assert MessageRisk.load(tmp_path / "m.safetensors").encoder_patch == patch


def test_a_model_refuses_an_encoder_it_was_not_trained_with() -> None:
    risk = MessageRisk(MessageRiskModel(MessageModelConfig(embedding_dim=8, buckets=64)), np.zeros(CUTS), "enc@1")
    risk.check_encoder("enc@1")
    with pytest.raises(ValueError, match="trained on enc@1"):
        risk.check_encoder("enc@2")


def test_fitting_learns_a_toy_stance() -> None:
    texts = [f"i want to die {i}" for i in range(40)] + [f"my friend wants to die {i}" for i in range(40)]
    rows = mt.Rows(texts, np.array([2] * 40 + [0] * 40), np.array([3] * 40 + [0] * 40), texts,
                   np.ones(80, np.float32))
    features = mt.featurise(texts, np.zeros((80, 4), np.float32))
    model = mt.fit(features, rows, 1e-6, MessageModelConfig(embedding_dim=4), epochs=20)
    p = mt.probabilities(model, features)
    assert p[:40, 1].mean() > 0.8 > 0.2 > p[40:, 1].mean()
