"""Replays an ethics answer from its trace: every formula step recomputes, and every number of the answer is the
output of the step that made it, fed by the steps before it (used by the unit and integration tests)."""

import math
from typing import Any

from redheart_models.ethics import bentham
from redheart_models.trace import replay, replayable


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def check(ethics: dict[str, Any], steps: list[dict[str, Any]]) -> int:
    """Assert the answer follows from its trace; returns how many formula steps were replayed."""
    by_id = {s["id"]: s for s in steps}
    assert len(by_id) == len(steps), "step ids are unique"
    replayed = 0
    for step in steps:
        if replayable(step["name"]):
            assert _close(replay(step["name"], step["inputs"]), step["output"]), step["id"]
            replayed += 1
    out = lambda step_id: by_id[step_id]["output"]  # noqa: E731
    b = ethics["bentham"]
    assert _close(b["dimensions"], {d: out(f"ethics.{d}") for d in bentham.DIMENSIONS})
    assert _close(by_id["ethics.base"]["inputs"]["dimensions"], b["dimensions"])
    assert by_id["ethics.base"]["inputs"]["tone"] == b["tone"] == out("ethics.tone")
    assert by_id["ethics.score"]["inputs"]["base"] == b["base"] == out("ethics.base")
    enabled = {name: out(f"ethics.layer.{name}") for name in bentham.LAYERS if b["layers_enabled"][name]}
    assert _close(by_id["ethics.score"]["inputs"]["layers"], enabled)
    assert _close(b["layers"], {name: enabled.get(name, 1.0) for name in bentham.LAYERS})
    assert b["score"] == out("ethics.score")
    assert by_id["ethics.tone"]["inputs"]["impacts"] == out("ethics.impacts")
    tones = by_id["ethics.impacts"]["inputs"]["tones"]
    assert tones == [out(f"ethics.tone.{i}") for i in range(len(tones))]
    for g, group in ethics["stakeholders"]["groups"].items():
        assert group["impact"] == out("ethics.impacts")[g] and group["weight"] == out("ethics.weights")[g]
    for i, r in enumerate(ethics["regret"]):
        assert r["utility"] == out("ethics.regret.neutral.utility")[i]
        assert r["regret"] == out("ethics.regret.neutral.regret")[i]
        assert r["recommendation"] == out(f"ethics.regret.{i}.recommendation")
        assert r["anticipated"]["intensity"] == out(f"ethics.regret.{i}.intensity")
        assert r["anticipated"]["duration_hours"] == out(f"ethics.regret.{i}.duration")
        for view, v in r["views"].items():
            assert v["utility"] == out(f"ethics.regret.{view}.utility")[i]
    for domain, risk in ethics["legal"]["risk"].items():
        assert risk == out(f"ethics.legal.{domain}")
    assert ethics["legal"]["max_risk"] == max(ethics["legal"]["risk"].values())
    assert ethics["utility"]["normalised"] == out("ethics.utility.normalised")[0]
    assert ethics["uncertainty"] == out("ethics.uncertainty")
    return replayed
