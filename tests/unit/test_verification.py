import pytest

from redheart_models.verification import LAYER_WEIGHTS, verify


def test_nothing_analysed_abstains_with_full_risk() -> None:
    report = verify({"crisis": "skipped", "emotion": "skipped"}, {"crisis": None, "emotion": None})
    assert report.decision == "abstain"
    assert report.confidence_band == "none"
    assert report.risk == 1.0
    assert not any(layer.evaluated for layer in report.layers[:4])
    assert "asserts nothing" in report.disclaimers[0]
    assert "crisis, emotion" in report.disclaimers[1]


def test_risk_is_one_minus_weighted_layer_scores() -> None:
    report = verify({"crisis": "ok", "emotion": "ok", "ethics": "failed"}, {"crisis": 0.1, "emotion": 0.3, "ethics": 0.9})
    uncertainty, *_, metacognition = report.layers
    assert uncertainty.score == pytest.approx(1 - (0.1 + 0.3) / 2)  # the failed module's number is not used
    assert metacognition.score == pytest.approx(2 / 3)
    expected = 1 - LAYER_WEIGHTS["uncertainty"] * 0.8 - LAYER_WEIGHTS["metacognition"] * 2 / 3
    assert report.risk == pytest.approx(expected)
    assert report.decision == "human_review"  # layers not yet implemented count fully against confidence
    assert report.disclaimers == ["Not analysed: ethics."]


def test_weights_sum_to_one() -> None:
    assert sum(LAYER_WEIGHTS.values()) == pytest.approx(1.0)
    assert [layer.name for layer in verify({}, {}).layers] == list(LAYER_WEIGHTS)


def test_a_person_at_risk_goes_to_human_review_even_where_the_rest_abstains() -> None:
    statuses = {"crisis": "ok", "emotion": "skipped", "ethics": "skipped"}
    assert verify(statuses, {"crisis": None}, crisis_tier=1).decision == "abstain"
    report = verify(statuses, {"crisis": None}, crisis_tier=3, crisis_degraded=True)
    assert report.decision == "human_review"
    assert any("tier 3" in d for d in report.disclaimers) and any("rule engine alone" in d for d in report.disclaimers)


def test_a_legal_risk_above_the_threshold_goes_to_human_review() -> None:
    statuses = {"crisis": "ok", "ethics": "ok"}
    calm = verify(statuses, {"ethics": 0.1}, legal_risk={"criminal": 0.7, "privacy": 0.2})
    assert not any("Legal-risk" in d for d in calm.disclaimers)
    flagged = verify({"crisis": "skipped"}, {}, legal_risk={"criminal": 0.8, "privacy": 0.75}, legal_threshold=0.7)
    assert flagged.decision == "human_review"
    assert any("criminal 0.80, privacy 0.75" in d and "not legal advice" in d for d in flagged.disclaimers)


def test_a_partial_answer_counts_half_and_is_named() -> None:
    report = verify({"crisis": "ok", "ethics": "partial"}, {"crisis": 0.2, "ethics": 0.4})
    metacognition = next(v for v in report.layers if v.name == "metacognition")
    assert metacognition.score == 0.75 and "ethics: partial" in metacognition.findings
    assert next(v for v in report.layers if v.name == "uncertainty").findings == [
        "crisis: uncertainty 0.200", "ethics: uncertainty 0.400"]
    assert "Analysed in part: ethics (each module's detail says what is missing)." in report.disclaimers
    assert not any(d.startswith("Not analysed") for d in report.disclaimers)


def test_the_legal_threshold_defaults_to_the_ethics_constant() -> None:
    assert verify({"crisis": "ok"}, {}, legal_risk={"criminal": 0.71}).decision == "human_review"
    assert verify({"crisis": "ok"}, {}, legal_risk={"criminal": 0.69}).decision != "human_review"
