"""The Bentham formulas: signs, bounds, the transforms of 1.11, and the six layers' rules."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redheart_models.ethics import bentham
from redheart_models.ethics.config import constants

EKMAN = {"anger": 0.0, "disgust": 0.0, "fear": 0.0, "joy": 0.0, "neutral": 1.0, "sadness": 0.0, "surprise": 0.0}
B = constants()["bentham"]
L = constants()["layers"]
BOUNDS = {"low": L["low"], "high": L["high"]}
unit = st.floats(0, 1)


def dims(**values: float) -> dict[str, float]:
    return dict.fromkeys(bentham.DIMENSIONS, 0.5) | {"external_cost": 0.0, "self_damage": 0.0} | values


def base(tone: float, d: dict[str, float]) -> float:
    return bentham.base(tone=tone, dimensions=d, weights=dict(B["weights"]), costs=B["costs"], centred=B["centred"])


def test_the_transforms_are_those_of_section_1_11() -> None:
    assert bentham.transform("intensity", 0.25) == 0.5
    assert bentham.transform("duration", 1.0) == pytest.approx(math.log(2))
    assert bentham.transform("certainty", 0.5) == 0.5
    assert bentham.transform("purity", 0.6) == pytest.approx(1 / (1 + math.exp(-1)))


@given(tone=st.floats(-1, 1), x=unit)
def test_the_tone_signs_the_score_and_costs_only_subtract(tone: float, x: float) -> None:
    plain = base(tone, dims())
    assert math.copysign(1, plain) == math.copysign(1, tone) or abs(plain) < 1e-12
    assert base(tone, dims(external_cost=x)) <= plain + 1e-12
    assert base(tone, dims(self_damage=x)) <= plain + 1e-12
    assert base(tone, dims(redistribution=0.5)) == pytest.approx(plain)  # a neutral redistribution adds nothing


def test_dimension_formulas() -> None:
    assert bentham.intensity(tone=-0.6, neutral=0.2) == pytest.approx(0.7)
    assert bentham.duration(hours=B["duration_max_hours"], max_hours=B["duration_max_hours"]) == 1.0
    assert bentham.certainty(hedging=0.5, utility_std=0.5, scale=1.0) == 0.25
    assert bentham.propinquity(delay_hours=24, unit_hours=24, floor=0.1) == 0.5
    assert bentham.propinquity(delay_hours=1e6, unit_hours=24, floor=0.1) == 0.1
    assert bentham.fecundity(intensity=0.8, chain=False, without_chain=0.5) == 0.4
    assert bentham.purity(ekman=EKMAN | {"joy": 0.6, "sadness": 0.3}) == pytest.approx(0.5)
    assert bentham.purity(ekman=EKMAN) == 1.0
    assert bentham.extent(people=1, others=False, floor=0.1) == 0.1
    assert bentham.extent(people=1000, others=False, floor=0.1) == 1.0
    assert bentham.extent(people=1, others=True, floor=0.1) == pytest.approx(math.log10(2) / 3)
    weights = {"others": 0.6, "community": 0.4}
    assert bentham.external_cost(impacts={"others": -0.5, "community": 0.0}, weights=weights) == pytest.approx(0.3)
    assert bentham.external_cost(impacts={"self": -0.9}, weights={"self": 1.0}) == 0.0
    assert bentham.self_damage(impacts={"self": -0.4}) == 0.4
    assert bentham.redistribution(give=1, take=0) == 0.75 and bentham.redistribution(give=0, take=3) == 0.0


@given(structural=unit, community=st.booleans(), delay=st.floats(0, 1e6), urgency=unit, people=st.integers(1, 10**9),
       flags=st.tuples(st.booleans(), st.booleans()), salience=st.lists(unit, min_size=3, max_size=3),
       probabilities=st.lists(unit, min_size=7, max_size=7), load=unit, uncertainty=unit)
def test_every_layer_weight_stays_within_its_bounds(structural, community, delay, urgency, people, flags, salience,
                                                    probabilities, load, uncertainty) -> None:
    weights = [
        bentham.contextual(structural=structural, community=community, **L["contextual"], **BOUNDS),
        bentham.temporal(delay_hours=delay, urgency=urgency, **L["temporal"], **BOUNDS),
        bentham.social(people=people, influential=flags[0], vulnerable=flags[1], **L["social"], **BOUNDS),
        bentham.ethical(salience=dict(zip(("a", "b", "c"), salience)), **L["ethical"], **BOUNDS),
        bentham.emotional(ekman=dict(zip(EKMAN, probabilities)), **L["emotional"], **BOUNDS),
        bentham.cognitive(load=load, uncertainty=uncertainty, **L["cognitive"], **BOUNDS),
    ]
    assert all(L["low"] <= w <= L["high"] for w in weights)


def test_layer_rules() -> None:
    assert bentham.contextual(structural=0.2, community=True, **L["contextual"], **BOUNDS) == pytest.approx(1.25)
    assert bentham.contextual(structural=0.0, community=False, **L["contextual"], **BOUNDS) == 1.0
    assert bentham.temporal(delay_hours=0, urgency=0.9, **L["temporal"], **BOUNDS) == pytest.approx(1.4)
    assert bentham.temporal(delay_hours=8760, urgency=0.5, **L["temporal"], **BOUNDS) == 0.5  # discount floor
    assert bentham.social(people=1000, influential=False, vulnerable=True, **L["social"], **BOUNDS) == \
        pytest.approx(1.3 * 1.4)
    assert bentham.ethical(salience={"life": 1.0, "justice": 0.5, "autonomy": 0.5}, **L["ethical"], **BOUNDS) == 1.5
    assert bentham.ethical(salience={"life": 0.1}, **L["ethical"], **BOUNDS) == pytest.approx(1 - 0.3 * 0.2)
    joy = bentham.emotional(ekman=EKMAN | {"neutral": 0.0, "joy": 1.0}, **L["emotional"], **BOUNDS)
    assert joy == pytest.approx(1 + 0.3 * 0.85)
    grief = bentham.emotional(ekman=EKMAN | {"neutral": 0.0, "sadness": 0.5, "fear": 0.5}, **L["emotional"], **BOUNDS)
    assert grief == pytest.approx((1 + 0.3 * (-0.8)) * 1.3)  # the (sadness, fear) synergy
    assert bentham.cognitive(load=0.9, uncertainty=0.8, **L["cognitive"], **BOUNDS) == pytest.approx(0.72)
    assert bentham.score(base=0.5, layers={"a": 2.0, "b": 0.5}) == 0.5
    assert bentham.score(base=0.5, layers={}) == 0.5
