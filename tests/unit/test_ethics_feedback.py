"""Regret-learning phases: self -> others -> community after >= 50 events with a calm recent mean; never back."""

import pytest

from redheart_models.ethics.feedback import PhaseState, record


def feed(state: PhaseState, felt: list[float], predicted: float | None = 0.2) -> PhaseState:
    for value in felt:
        state = record(state, value, predicted)
    return state


def test_the_phase_advances_after_50_events_when_the_last_20_are_calm() -> None:
    state = feed(PhaseState(), [0.1] * 49)
    assert state.name == "self" and state.events == 49
    state = record(state, 0.1, 0.2)
    assert state.name == "others" and state.events == 0 and state.total == 50 and state.offset is None


def test_a_troubled_recent_mean_holds_the_phase_and_phases_never_go_back() -> None:
    state = feed(PhaseState(), [0.1] * 40 + [0.9] * 20)
    assert state.name == "self" and state.events == 60
    state = feed(state, [0.0] * 20)  # the last 20 are calm now
    assert state.name == "others"
    state = feed(state, [1.0] * 100)
    assert state.name == "others"
    last = feed(feed(state, [0.0] * 50), [0.0] * 100)
    assert last.name == "community" and last.phase == 2


def test_the_calibration_offset_is_the_mean_error_and_is_reported_not_applied() -> None:
    state = feed(PhaseState(), [0.5, 0.3], predicted=0.2)
    assert state.offset == pytest.approx(0.2) and state.version == 2
    report = state.report()
    assert report["applied"] is False and report["offset"] == pytest.approx(0.2) and report["events"] == 2
    assert record(state, 0.5, None).version == 2  # an event without a prediction does not change the offset
