"""Regret-learning phases from reported outcomes (original_system.md 1.16): self -> others -> community.

A user reports, for an analysed request, the regret they felt (0..1) after choosing. Each report is an event of
the current phase. The phase advances when it holds at least 50 events and the mean of its last 20 felt regrets is
below 0.3; phases never go back. The calibration offset is the mean of (felt - predicted) regret over the current
phase's events: it is versioned (one version per event that changed it) and reported with every regret answer,
never applied to the answer by itself.
"""

from dataclasses import asdict, dataclass, field

from redheart_models.ethics.config import constants


@dataclass(frozen=True)
class PhaseState:
    phase: int = 0
    events: int = 0  # events of the current phase
    total: int = 0  # all events
    recent: list[float] = field(default_factory=list)  # the current phase's last felt regrets, newest last
    error_sum: float = 0.0  # sum of (felt - predicted) over the current phase's events with a prediction
    errors: int = 0
    version: int = 0

    @property
    def name(self) -> str:
        return constants()["feedback"]["phases"][self.phase]

    @property
    def offset(self) -> float | None:
        return self.error_sum / self.errors if self.errors else None

    def to_dict(self) -> dict:
        return asdict(self)

    def report(self) -> dict:
        """What an answer says about the calibration: never applied to it."""
        c = constants()["feedback"]
        return {"phase": self.name, "phase_index": self.phase, "events_in_phase": self.events, "events": self.total,
                "offset": self.offset, "version": self.version, "applied": False,
                "advance_rule": f">= {c['min_events']} events and mean of the last {c['recent']} felt regrets "
                                f"< {c['calm_mean']}"}


def record(state: PhaseState, felt: float, predicted: float | None) -> PhaseState:
    """The state after one reported outcome."""
    c = constants()["feedback"]
    recent = (state.recent + [felt])[-c["recent"]:]
    error_sum, errors = state.error_sum, state.errors
    if predicted is not None:
        error_sum, errors = error_sum + felt - predicted, errors + 1
    after = PhaseState(state.phase, state.events + 1, state.total + 1, recent, error_sum, errors,
                       state.version + (predicted is not None))
    calm = len(recent) >= c["recent"] and sum(recent) / len(recent) < c["calm_mean"]
    if after.events >= c["min_events"] and calm and after.phase + 1 < len(c["phases"]):
        return PhaseState(after.phase + 1, 0, after.total, [], 0.0, 0, after.version + 1)
    return after
