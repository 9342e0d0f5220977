"""Regret over alternatives: the best has none, ties share it, three views, thresholds, choices found in text."""

import pytest

from redheart_models.ethics import regret
from redheart_models.ethics.assessment import Option, _regret
from redheart_models.ethics.config import constants
from redheart_models.trace import Tracer

U = constants()["utility"]


def run(*options: tuple[float, float]) -> list[dict]:
    return _regret(Tracer(), [Option(f"option {i}", m, s) for i, (m, s) in enumerate(options)], load=0.4)


def test_the_best_alternative_has_no_regret_and_the_others_positive_regret() -> None:
    out = run((3.0, 0.2), (-2.0, 0.5), (0.0, 0.1))
    assert [o["best"] for o in out] == [True, False, False]
    assert out[0]["regret"] == 0.0 and out[1]["regret"] > out[2]["regret"] > 0
    for o in out:
        views = o["views"]
        assert views["pessimistic"]["utility"] <= views["neutral"]["utility"] <= views["optimistic"]["utility"]
        assert 0 <= o["anticipated"]["intensity"] <= 1 and 0.5 <= o["anticipated"]["duration_hours"] <= 4320


def test_ties_are_all_best_and_one_alternative_has_nothing_to_regret() -> None:
    tied = run((1.0, 0.1), (1.0, 0.3))
    assert [o["regret"] for o in tied] == [0.0, 0.0] and all(o["best"] for o in tied)
    alone = run((-1.0, 0.2))
    assert alone[0]["regret"] == 0.0 and alone[0]["best"]
    assert run() == []


def test_regret_is_half_the_gap_in_normalised_utility() -> None:
    assert regret.regret(utilities=[0.8, -0.2], tie=U["tie"]) == [0.0, pytest.approx(0.5)]


@pytest.mark.parametrize(
    ("utility", "r", "diversity", "expected"),
    [(0.5, 0.0, 0.01, "actively pursue"), (0.5, 0.0, 0.5, "cautious pursuit"), (0.2, 0.5, 0.0, "conditional"),
     (-0.5, 0.0, 0.0, "not recommended"), (0.0, 0.8, 0.0, "not recommended"), (0.0, 0.65, 0.0, "needs analysis")],
)
def test_recommendation_thresholds_of_section_1_14(utility, r, diversity, expected) -> None:
    thresholds = constants()["regret"]["recommend"]
    assert regret.recommendation(utility=utility, regret=r, diversity=diversity, **thresholds) == expected


def test_anticipated_regret_formulas_of_section_1_15() -> None:
    c = constants()["regret"]
    assert regret.intensity(regret=0.5, uncertainty=0.2, cognitive_load=0.5, cognitive_gain=0.2) == \
        pytest.approx(0.5 * 1.3)
    hours = regret.duration_hours(regret=0.2, uncertainty=0.0, cognitive_load=0.0, days=c["duration_days"],
                                  bounds=c["duration_hours"])
    assert hours == pytest.approx((0.5 + 2 * 0.2) * 24 * 0.7)


@pytest.mark.parametrize(
    ("text", "language", "options"),
    [
        ("Should I tell my friend the truth or keep quiet?", "en", ["tell my friend the truth", "keep quiet"]),
        ("I can't decide: should I quit my job or stay another year?", "en", ["quit my job", "stay another year"]),
        ("회사를 그만둘까 계속 다닐까 고민이야.", "ko", ["회사를 그만둘까", "계속 다닐까"]),
        ("사실대로 말할까, 아니면 그냥 모른 척할까?", "ko", ["사실대로 말할까", "그냥 모른 척할까"]),
        ("I like tea or coffee.", "en", []),
        ("오늘 뭐 먹을까?", "ko", []),
    ],
)
def test_choices_are_found_in_the_text(text, language, options) -> None:
    assert regret.detect_choice(text, language) == options
