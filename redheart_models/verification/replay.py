"""Replay: every formula step of a trace recomputes to its recorded output, and every number of an answer is the
output of the step that made it (so neither a trace step nor a reported number can be altered unseen).

Model steps (a trained layer's output) are not recomputed here, only linked: re-running a model is the service's
job (the experience memory compares a repeat with what was answered before).
"""

import math
from collections.abc import Callable, Iterator
from typing import Any

from redheart_models.crisis import fusion  # noqa: F401 - it registers the crisis formulas
from redheart_models.emotion import cultural, labels
from redheart_models.ethics import bentham, legal, regret, stakeholders  # noqa: F401 - they register the formulas
from redheart_models.trace import replay, replayable
from redheart_models.verification.findings import Finding


def differences(before: Any, now: Any, tolerance: float, path: str = "") -> list[str]:
    """Paths where two JSON values differ (numbers beyond `tolerance`, absolute and relative), at most ten."""
    if isinstance(before, dict) and isinstance(now, dict):
        out = [f"{path}.{k}".lstrip(".") for k in sorted(before.keys() ^ now.keys())]
        for k in sorted(before.keys() & now.keys()):
            out += differences(before[k], now[k], tolerance, f"{path}.{k}")
        return out[:10]
    if isinstance(before, list) and isinstance(now, list):
        if len(before) != len(now):
            return [path.lstrip(".")]
        return [d for i, (a, b) in enumerate(zip(before, now)) for d in differences(a, b, tolerance, f"{path}.{i}")][:10]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (before, now))
    if numbers and math.isclose(before, now, rel_tol=tolerance, abs_tol=tolerance):
        return []
    return [] if before == now else [path.lstrip(".")]


def close(a: Any, b: Any, tolerance: float) -> bool:
    """Equal JSON values, numbers within `tolerance` (absolute and relative)."""
    return not differences(a, b, tolerance)


def formula_steps(module: str, steps: list[dict[str, Any]], tolerance: float) -> tuple[int, list[Finding]]:
    """(steps replayed, findings): each formula step recomputed from its recorded inputs; ids must be unique."""
    findings, replayed = [], 0
    ids = [s["id"] for s in steps]
    if len(set(ids)) != len(ids):
        findings.append(Finding("trace_ids", f"{module}: step ids repeat", "review"))
    for step in steps:
        if not replayable(step["name"]):
            continue
        replayed += 1
        try:
            again = replay(step["name"], step["inputs"])
        except Exception as exc:  # noqa: BLE001 - a step whose inputs were altered may not even compute
            findings.append(Finding("trace_replay", f"{step['id']} does not recompute ({type(exc).__name__})", "review"))
            continue
        if not close(again, step["output"], tolerance):
            findings.append(Finding("trace_replay", f"{step['id']} recomputes to a different output", "review"))
    return replayed, findings


Link = tuple[str, Callable[[], Any], Callable[[], Any]]  # (what, the answer's value, the trace's value)


def _ethics_links(ethics: dict[str, Any], steps: dict[str, dict[str, Any]]) -> Iterator[Link]:
    out = lambda step_id: steps[step_id]["output"]  # noqa: E731
    inputs = lambda step_id, name: steps[step_id]["inputs"][name]  # noqa: E731
    b = ethics.get("bentham")
    if b is not None:
        yield "bentham.dimensions", lambda: b["dimensions"], lambda: {d: out(f"ethics.{d}") for d in bentham.DIMENSIONS}
        yield "bentham.tone", lambda: b["tone"], lambda: out("ethics.tone")
        yield "bentham.base", lambda: b["base"], lambda: out("ethics.base")
        yield "bentham.score", lambda: b["score"], lambda: out("ethics.score")
        for name in bentham.LAYERS:
            if b["layers_enabled"][name]:
                yield f"bentham.layers.{name}", lambda n=name: b["layers"][n], lambda n=name: out(f"ethics.layer.{n}")
        yield "ethics.base inputs", lambda: inputs("ethics.base", "dimensions"), lambda: b["dimensions"]
        yield "ethics.base tone", lambda: inputs("ethics.base", "tone"), lambda: out("ethics.tone")
        yield "ethics.score inputs", lambda: inputs("ethics.score", "base"), lambda: out("ethics.base")
        yield ("ethics.score layers", lambda: inputs("ethics.score", "layers"),
               lambda: {n: out(f"ethics.layer.{n}") for n in bentham.LAYERS if b["layers_enabled"][n]})
        yield "ethics.tone inputs", lambda: inputs("ethics.tone", "impacts"), lambda: out("ethics.impacts")
        yield ("ethics.impacts inputs", lambda: inputs("ethics.impacts", "tones"),
               lambda: [out(f"ethics.tone.{i}") for i in range(len(inputs("ethics.impacts", "tones")))])
        for g in ethics["stakeholders"]["groups"]:
            yield f"stakeholders.{g}.impact", lambda g=g: ethics["stakeholders"]["groups"][g]["impact"], lambda g=g: out("ethics.impacts")[g]
            yield f"stakeholders.{g}.weight", lambda g=g: ethics["stakeholders"]["groups"][g]["weight"], lambda g=g: out("ethics.weights")[g]
    for i, r in enumerate(ethics.get("regret", [])):
        yield f"regret.{i}.utility", lambda r=r: r["utility"], lambda i=i: out("ethics.regret.neutral.utility")[i]
        yield f"regret.{i}.regret", lambda r=r: r["regret"], lambda i=i: out("ethics.regret.neutral.regret")[i]
        yield f"regret.{i}.recommendation", lambda r=r: r["recommendation"], lambda i=i: out(f"ethics.regret.{i}.recommendation")
        yield f"regret.{i}.intensity", lambda r=r: r["anticipated"]["intensity"], lambda i=i: out(f"ethics.regret.{i}.intensity")
        yield f"regret.{i}.duration", lambda r=r: r["anticipated"]["duration_hours"], lambda i=i: out(f"ethics.regret.{i}.duration")
        for view in r["views"]:
            yield (f"regret.{i}.{view}.utility", lambda r=r, v=view: r["views"][v]["utility"],
                   lambda i=i, v=view: out(f"ethics.regret.{v}.utility")[i])
            yield (f"regret.{i}.{view}.regret", lambda r=r, v=view: r["views"][v]["regret"],
                   lambda i=i, v=view: out(f"ethics.regret.{v}.regret")[i])
    for domain in ethics["legal"]["risk"]:
        yield f"legal.{domain}", lambda d=domain: ethics["legal"]["risk"][d], lambda d=domain: out(f"ethics.legal.{d}")
    yield "legal.max_risk", lambda: ethics["legal"]["max_risk"], lambda: max(ethics["legal"]["risk"].values())
    alternatives = lambda: out("ethics.alternatives")  # noqa: E731
    for view in ("optimistic", "neutral", "pessimistic") if ethics.get("regret") else ():
        yield (f"ethics.regret.{view}.utility inputs", lambda v=view: [inputs(f"ethics.regret.{v}.utility", "means"),
                                                                       inputs(f"ethics.regret.{v}.utility", "stds")],
               lambda: [alternatives()["means"], alternatives()["stds"]])
    for i, r in enumerate(ethics.get("regret", [])):
        yield f"regret.{i}.utility_mean", lambda r=r: [r["utility_mean"], r["utility_std"]], \
            lambda i=i: [alternatives()["means"][i], alternatives()["stds"][i]]
    if b is not None:
        for i, reading in enumerate(out("ethics.readings")):
            yield f"ethics.z.{i} inputs", lambda i=i: inputs(f"ethics.z.{i}", "utility"), lambda r=reading: r["utility"]
            yield f"ethics.tone.{i} inputs", lambda i=i: inputs(f"ethics.tone.{i}", "valence"), \
                lambda r=reading: r["valence"]
    yield "utility.normalised", lambda: ethics["utility"]["normalised"], lambda: out("ethics.utility.normalised")[0]
    yield "utility", lambda: [ethics["utility"]["mean"], ethics["utility"]["std"]], \
        lambda: [out("ethics.utility")["mean"], out("ethics.utility")["std"]]
    yield "uncertainty", lambda: ethics["uncertainty"], lambda: out("ethics.uncertainty")
    if ethics.get("morality") is not None:
        yield "morality", lambda: ethics["morality"], lambda: out("ethics.morality")


def _emotion_links(emotion: dict[str, Any], steps: dict[str, dict[str, Any]]) -> Iterator[Link]:
    out = lambda step_id: steps[step_id]["output"]  # noqa: E731
    source = emotion[emotion["ekman_from"]]
    groups = labels.EKMAN_FROM_GOEMOTIONS if emotion["ekman_from"] == "goemotions" else labels.EKMAN_FROM_KOTE
    yield "ekman", lambda: emotion["ekman"], lambda: labels.ekman(source, groups)
    yield "ekman (trace)", lambda: emotion["ekman"], lambda: out("emotion.ekman")
    yield "valence", lambda: emotion["valence"], lambda: out("emotion.valence")
    yield "cultural", lambda: emotion["cultural"], lambda: cultural.composites(emotion["kote"])
    for name in cultural.COMPOSITES:
        yield f"cultural.{name} (trace)", lambda n=name: emotion["cultural"][n], lambda n=name: out(f"emotion.cultural.{n}")
    for label_set in ("goemotions", "kote"):
        yield (f"{label_set} top (trace)", lambda s=label_set: _top(emotion[s], out(f"emotion.{s}")["top"]),
               lambda s=label_set: out(f"emotion.{s}")["top"])
    gate = lambda: out("emotion.gate")  # noqa: E731
    yield "experts (trace)", lambda: emotion["experts"], lambda: [e for e, w in enumerate(gate()["routing"]) if w > 0]
    yield "gate is a softmax", lambda: sum(gate()["gate"]), lambda: 1.0
    yield "routing sums to one", lambda: sum(gate()["routing"]), lambda: 1.0
    yield ("routing is the gate's top-k", lambda: sorted(e for e, w in enumerate(gate()["routing"]) if w > 0),
           lambda: sorted(sorted(range(len(gate()["gate"])), key=lambda e: -gate()["gate"][e])[:len(emotion["experts"])]))
    if emotion.get("trajectory"):
        channels = emotion["trajectory"]["channels"]
        yield ("trajectory (trace)", lambda: {c: {k: v[k] for k in ("trend", "volatility", "change_points")}
                                              for c, v in channels.items() if c in out("emotion.trajectory")},
               lambda: out("emotion.trajectory"))
    for label_set in ("goemotions", "kote"):
        yield (f"detected.{label_set} (trace)", lambda s=label_set: emotion["detected"][s],
               lambda s=label_set: out(f"emotion.{s}")["detected"])
    yield "sentences (trace)", lambda: [{"valence": s["valence"], "ekman": s["ekman"]} for s in emotion["sentences"]], \
        lambda: out("emotion.sentences")


def _top(probabilities: dict[str, float], recorded: dict[str, float]) -> dict[str, float]:
    """The answer's labels with the largest probabilities, as many as the trace recorded."""
    return dict(sorted(probabilities.items(), key=lambda kv: -kv[1])[:len(recorded)])


LINKS: dict[str, Callable[[dict[str, Any], dict[str, dict[str, Any]]], Iterator[Link]]] = {
    "ethics": _ethics_links, "emotion": _emotion_links,
}


def answer_links(module: str, section: dict[str, Any], tolerance: float) -> tuple[int, list[Finding]]:
    """(links checked, findings): the module's reported numbers against the trace steps (or the values) that
    produced them. A missing step or value is a finding too: an answer must carry the trace of its numbers."""
    if module not in LINKS:
        return 0, []
    steps = {s["id"]: s for s in section.get("trace", [])}
    try:
        links = list(LINKS[module](section, steps))
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        return 1, [Finding("answer_trace", f"{module}: the answer is malformed ({type(exc).__name__})", "review")]
    checked, findings = 0, []
    for what, reported, derived in links:
        checked += 1
        try:
            agree = close(reported(), derived(), tolerance)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            findings.append(Finding("answer_trace", f"{module}.{what}: no trace for it ({type(exc).__name__})", "review"))
            continue
        if not agree:
            findings.append(Finding("answer_trace", f"{module}.{what} is not what its trace computed", "review"))
    return checked, findings
