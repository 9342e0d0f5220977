"""Conversation trajectories: a multichannel series of per-utterance values (emotion probabilities, valence),
smoothed by a Kalman filter and Rauch-Tung-Striebel smoother, with trend, volatility, change points and the
dominant period.

Model (local level, one state per channel): x_t = x_{t-1} + w_t, w_t ~ N(0, Q dt_t); z_t = x_t + v_t,
v_t ~ N(0, R). dt_t is the time since the previous utterance (in `time_unit` seconds; 1 per step without
timestamps), so a long silence lets the state move further. The state covariance P is carried from step to step
(Kalman 1960); the smoother runs backward over the filtered estimates (Rauch, Tung & Striebel 1965).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

VERSION = "dsp.local_level_kalman@1"


class TrajectoryError(ValueError):
    """Bad input for a trajectory, naming the field at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class KalmanConfig:
    q: float = 0.01  # process noise per time unit: how fast the underlying state may drift
    r: float = 0.05  # observation noise: how much one utterance's reading scatters around the state
    p0: float = 1.0  # prior variance of the first state (around the first observation)
    time_unit_s: float = 60.0  # dt = seconds / time_unit_s when timestamps are given


@dataclass(frozen=True)
class Filtered:
    filtered: np.ndarray  # [n, d] x_{t|t}
    filtered_var: np.ndarray  # [n, d, d] P_{t|t}
    smoothed: np.ndarray  # [n, d] x_{t|n}
    smoothed_var: np.ndarray  # [n, d, d] P_{t|n}
    dt: np.ndarray  # [n] time steps (dt[0] = 0)


def time_steps(timestamps: Sequence[float | None] | None, n: int, unit_s: float) -> np.ndarray:
    """dt per observation: from timestamps (seconds) when all are given, else 1 per step; refuses time going back."""
    if timestamps is None or all(t is None for t in timestamps):
        return np.r_[0.0, np.ones(max(n - 1, 0))]
    if any(t is None for t in timestamps):
        missing = next(i for i, t in enumerate(timestamps) if t is None)
        raise TrajectoryError(f"history.{missing}.timestamp", "give a timestamp for every utterance or for none")
    seconds = np.asarray(timestamps, dtype=np.float64)
    back = np.flatnonzero(np.diff(seconds) < 0)
    if back.size:
        raise TrajectoryError(f"history.{back[0] + 1}.timestamp", "is earlier than the utterance before it")
    return np.r_[0.0, np.diff(seconds) / unit_s]


def kalman_smooth(z: np.ndarray, dt: np.ndarray, config: KalmanConfig) -> Filtered:
    """Filter and smooth observations z [n, d] taken dt [n] apart (F = H = I, Q = q dt I, R = r I)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or len(z) == 0:
        raise TrajectoryError("series", "needs at least one observation of at least one channel")
    if not np.isfinite(z).all():
        raise TrajectoryError("series", "must be finite numbers")
    n, d = z.shape
    eye = np.eye(d)
    r = config.r * eye
    x_f, p_f = np.zeros((n, d)), np.zeros((n, d, d))
    x_p, p_p = np.zeros((n, d)), np.zeros((n, d, d))
    x, p = z[0].copy(), config.p0 * eye
    for t in range(n):
        if t:  # predict: the state stays where it was, its uncertainty grows with the time that passed
            p = p + config.q * dt[t] * eye
        x_p[t], p_p[t] = x, p
        gain = p @ np.linalg.inv(p + r)  # update with the observation
        x = x + gain @ (z[t] - x)
        p = (eye - gain) @ p
        x_f[t], p_f[t] = x, p
    x_s, p_s = x_f.copy(), p_f.copy()
    for t in range(n - 2, -1, -1):
        c = p_f[t] @ np.linalg.inv(p_p[t + 1])
        x_s[t] = x_f[t] + c @ (x_s[t + 1] - x_p[t + 1])
        p_s[t] = p_f[t] + c @ (p_s[t + 1] - p_p[t + 1]) @ c.T
    return Filtered(x_f, p_f, x_s, p_s, dt)


def theil_sen(t: np.ndarray, y: np.ndarray) -> float:
    """Median of pairwise slopes (Sen 1968), robust to a few outlying utterances; 0 with fewer than 2 points."""
    i, j = np.triu_indices(len(t), k=1)
    keep = t[j] > t[i]
    return float(np.median((y[j] - y[i])[keep] / (t[j] - t[i])[keep])) if keep.any() else 0.0


def change_points(y: np.ndarray, threshold_sd: float = 4.0, drift_sd: float = 0.5) -> list[int]:
    """Indices where a two-sided CUSUM (Page 1954) of y's deviations from its running mean crosses
    threshold_sd standard deviations of its first differences; the statistic restarts after each change."""
    if len(y) < 4:
        return []
    sigma = float(np.std(np.diff(y))) or 1e-12
    points, high, low, start = [], 0.0, 0.0, 0
    for t in range(1, len(y)):
        mean = float(np.mean(y[start:t]))
        high = max(0.0, high + (y[t] - mean) / sigma - drift_sd)
        low = max(0.0, low - (y[t] - mean) / sigma - drift_sd)
        if high > threshold_sd or low > threshold_sd:
            points.append(t)
            high, low, start = 0.0, 0.0, t
    return points


def dominant_period(t: np.ndarray, y: np.ndarray, min_points: int = 8) -> float | None:
    """The period (in time units) of the strongest non-zero frequency of y by Welch's method (Hann-windowed
    half-overlapping segments of the series resampled to its median step), or None when too short or flat."""
    if len(y) < min_points or np.ptp(y) == 0:
        return None
    step = float(np.median(np.diff(t))) or 1.0
    grid = np.arange(t[0], t[-1] + step / 2, step)
    u = np.interp(grid, t, y) - np.mean(y)
    size = max(min_points, len(u) // 2)
    window = np.hanning(size)
    segments = [u[s : s + size] * window for s in range(0, len(u) - size + 1, max(1, size // 2))]
    power = np.mean([np.abs(np.fft.rfft(seg)) ** 2 for seg in segments], axis=0)
    freqs = np.fft.rfftfreq(size, d=step)
    if len(power) < 2 or power[1:].max() <= 0:
        return None
    return float(1.0 / freqs[1 + int(np.argmax(power[1:]))])


@dataclass(frozen=True)
class Trajectory:
    channels: list[str]
    smoothed: np.ndarray  # [n, d]
    trend: dict[str, float]  # per time unit, Theil-Sen on the readings (robust on its own; smoothing would flatten it)
    volatility: dict[str, float]  # std of the raw series' first differences
    change_points: dict[str, list[int]]
    dominant_period: dict[str, float | None]


def trajectory(series: np.ndarray, channels: Sequence[str], timestamps: Sequence[float | None] | None = None,
               config: KalmanConfig = KalmanConfig()) -> Trajectory:
    """Smooth a [n, d] series of per-utterance values and describe each channel."""
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 2 or series.shape[1] != len(channels):
        raise TrajectoryError("series", f"must be [utterances, {len(channels)} channels], got {series.shape}")
    dt = time_steps(timestamps, len(series), config.time_unit_s)
    result = kalman_smooth(series, dt, config)
    t = np.cumsum(dt)
    smooth = result.smoothed
    return Trajectory(
        list(channels),
        smooth,
        {c: theil_sen(t, series[:, k]) for k, c in enumerate(channels)},
        {c: float(np.std(np.diff(series[:, k]))) if len(series) > 1 else 0.0 for k, c in enumerate(channels)},
        {c: change_points(series[:, k]) for k, c in enumerate(channels)},
        {c: dominant_period(t, smooth[:, k]) for k, c in enumerate(channels)},
    )
