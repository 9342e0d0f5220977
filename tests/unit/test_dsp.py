"""The trajectory Kalman filter against closed forms and a simulation, and the trajectory features."""

import numpy as np
import pytest

from redheart_models.dsp import (
    KalmanConfig,
    TrajectoryError,
    change_points,
    dominant_period,
    kalman_smooth,
    time_steps,
    trajectory,
)


def test_constant_state_without_process_noise_is_the_running_mean() -> None:
    z = np.random.default_rng(0).normal(3.0, 0.5, size=(50, 1))
    config = KalmanConfig(q=0.0, r=0.25, p0=1e9)  # a diffuse prior: the first observation decides the start
    result = kalman_smooth(z, np.r_[0.0, np.ones(49)], config)
    n = np.arange(1, 51)
    np.testing.assert_allclose(result.filtered[:, 0], np.cumsum(z[:, 0]) / n, rtol=1e-6)
    np.testing.assert_allclose(result.filtered_var[:, 0, 0], 0.25 / n, rtol=1e-6)  # P_n = R / n
    np.testing.assert_allclose(result.smoothed[:, 0], np.full(50, z.mean()), rtol=1e-6)  # all data, every step


def test_covariance_reaches_the_riccati_steady_state() -> None:
    q, r = 0.04, 0.5
    result = kalman_smooth(np.zeros((300, 1)), np.r_[0.0, np.ones(299)], KalmanConfig(q=q, r=r))
    predicted = (q + np.sqrt(q * q + 4 * q * r)) / 2  # the fixed point of P- = P + q with P = P- R / (P- + R)
    assert result.filtered_var[-1, 0, 0] == pytest.approx(predicted * r / (predicted + r), rel=1e-9)


def test_smoothing_beats_the_raw_readings_on_a_simulated_trajectory() -> None:
    rng = np.random.default_rng(1)
    truth = np.cumsum(rng.normal(0, 0.1, size=(200, 3)), axis=0)  # three channels drifting
    observed = truth + rng.normal(0, 0.3, size=truth.shape)
    result = kalman_smooth(observed, np.r_[0.0, np.ones(199)], KalmanConfig(q=0.01, r=0.09))
    rmse = lambda a: float(np.sqrt(np.mean((a - truth) ** 2)))  # noqa: E731
    assert rmse(result.smoothed) < rmse(result.filtered) < 0.6 * rmse(observed)


def test_a_long_silence_lets_the_state_move_further() -> None:
    z = np.array([[0.0], [0.0], [1.0]])
    config = KalmanConfig(q=0.01, r=0.1, time_unit_s=60)
    quick = kalman_smooth(z, time_steps([0, 60, 120], 3, 60), config)
    slow = kalman_smooth(z, time_steps([0, 60, 60 * 60 * 24], 3, 60), config)  # the last reply a day later
    assert slow.filtered[-1, 0] > quick.filtered[-1, 0]


def test_timestamps_out_of_order_or_partial_name_the_field() -> None:
    with pytest.raises(TrajectoryError, match="history.2.timestamp: is earlier"):
        time_steps([0.0, 10.0, 5.0], 3, 60)
    with pytest.raises(TrajectoryError, match="history.1.timestamp"):
        time_steps([0.0, None, 5.0], 3, 60)
    np.testing.assert_array_equal(time_steps(None, 3, 60), [0, 1, 1])


@pytest.mark.parametrize("series", [np.zeros((0, 2)), np.array([[np.nan, 1.0]]), np.zeros(5)])
def test_bad_series_are_refused(series: np.ndarray) -> None:
    with pytest.raises(TrajectoryError, match="series"):
        kalman_smooth(series, np.zeros(len(series)), KalmanConfig())


def test_change_point_of_a_step_and_none_in_noise() -> None:
    rng = np.random.default_rng(2)
    step = np.r_[np.zeros(30), np.full(30, 2.0)] + rng.normal(0, 0.2, 60)
    (found, *_) = change_points(step)
    assert 30 <= found <= 33
    assert change_points(rng.normal(0, 0.2, 60)) == []


def test_dominant_period_of_a_cycle() -> None:
    t = np.arange(96, dtype=float)
    period = dominant_period(t, np.sin(2 * np.pi * t / 12) + 0.1 * np.random.default_rng(3).normal(size=96))
    assert period == pytest.approx(12, rel=0.1)
    assert dominant_period(t[:5], np.arange(5.0)) is None  # too short to call a period


def test_trajectory_describes_each_channel() -> None:
    rising = np.linspace(-0.5, 0.5, 12)
    series = np.c_[rising, np.full(12, 0.2)]
    result = trajectory(series, ["valence", "fear"])
    assert result.trend["valence"] == pytest.approx(1 / 11) and abs(result.trend["fear"]) < 1e-9
    assert result.volatility["fear"] == 0.0 and result.smoothed.shape == (12, 2)
    with pytest.raises(TrajectoryError, match="2 channels"):
        trajectory(np.zeros((3, 3)), ["valence", "fear"])
    single = trajectory(np.array([[0.3, 0.1]]), ["valence", "fear"])  # one utterance: no trend, nothing to detect
    assert single.trend == {"valence": 0.0, "fear": 0.0} and single.change_points == {"valence": [], "fear": []}
