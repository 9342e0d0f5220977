"""Replays an ethics answer from its trace with the verification's own replay (redheart_models/verification/
replay.py): every formula step recomputes, and every number of the answer is the output of the step that made it,
fed by the steps before it (used by the unit and integration tests)."""

from typing import Any

from redheart_models.verification import replay

EXACT = 1e-9  # the answer and its trace come from one computation


def check(ethics: dict[str, Any], steps: list[dict[str, Any]]) -> int:
    """Assert the answer follows from its trace; returns how many formula steps were replayed."""
    replayed, found = replay.formula_steps("ethics", steps, EXACT)
    _, unlinked = replay.answer_links("ethics", {**ethics, "trace": steps}, EXACT)
    assert not found + unlinked, [str(f) for f in found + unlinked]
    return replayed
