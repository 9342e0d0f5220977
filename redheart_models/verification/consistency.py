"""L2 internal consistency: what containment found wrong, cross-module agreement, derived values recomputed, every
formula step of every trace replayed, and the experience memory's verdict on a repeated input."""

from typing import Any

import numpy as np

from redheart_models.crisis.tiers import RESPONSE_TIER, classifier_cuts, cumulative_tiers, tiers
from redheart_models.verification import replay
from redheart_models.verification.analysis import Analysis
from redheart_models.verification.config import thresholds
from redheart_models.verification.findings import Finding, LayerVerdict, verdict

POSITIVE, NEGATIVE = ("joy",), ("anger", "disgust", "fear", "sadness")
ROUNDING = 1e-6  # the crisis trace records probabilities to 6 places: a tier is not recomputed this close to a cut


def _top_emotion(ekman: dict[str, float]) -> tuple[str, float]:
    """The likeliest Ekman emotion other than neutral."""
    return max(((e, p) for e, p in ekman.items() if e != "neutral"), key=lambda ep: ep[1])


def polarity(ekman: dict[str, float]) -> int:
    """+1 when the top emotion is positive, -1 when negative, 0 for surprise (either)."""
    top, _ = _top_emotion(ekman)
    return 1 if top in POSITIVE else -1 if top in NEGATIVE else 0


def cross_module(analysis: Analysis) -> tuple[int, list[Finding]]:
    """(checks, findings) of the rules between modules; each applies only when both modules answered."""
    t = thresholds()
    crisis, emotion, ethics = (analysis.answered(m) for m in ("crisis", "emotion", "ethics"))
    checks, findings = 0, []
    if emotion is not None:
        checks += 1
        valence, (top, p) = emotion["valence"], _top_emotion(emotion["ekman"])
        limit = t["ekman_valence"]
        if (valence <= -limit["valence"] and top in POSITIVE or valence >= limit["valence"] and top in NEGATIVE) \
                and p >= limit["probability"]:
            findings.append(Finding("ekman_vs_valence", f"valence {valence:+.2f} but the top emotion is {top} {p:.2f}"))
    if crisis is not None and emotion is not None and crisis["tier"] >= RESPONSE_TIER:
        checks += 1
        valence, (top, p) = emotion["valence"], _top_emotion(emotion["ekman"])
        if valence >= t["crisis_positive_valence"] or top == "joy" and p >= t["crisis_joy"]:
            findings.append(Finding("crisis_vs_emotion", f"crisis tier {crisis['tier']} beside valence {valence:+.2f} "
                                    f"and top emotion {top} {p:.2f}: one of the two readings is wrong"))
    if emotion is not None and ethics is not None:
        checks += 1
        valence, utility = emotion["valence"], ethics["utility"]["normalised"]
        mild, feeling, (top, p) = t["valence_utility"], t["feeling_utility"], _top_emotion(emotion["ekman"])
        if valence * utility < 0 and abs(utility) >= mild["utility"] and abs(valence) >= mild["valence"]:
            findings.append(Finding("valence_vs_utility", f"valence {valence:+.2f} against utility {utility:+.2f}"))
        elif valence * utility < 0 and polarity(emotion["ekman"]) * utility < 0 and abs(utility) >= feeling["utility"] \
                and abs(valence) >= feeling["valence"] and p >= feeling["probability"]:
            findings.append(Finding("feeling_vs_utility", f"valence {valence:+.2f} and top emotion {top} {p:.2f} "
                                    f"against utility {utility:+.2f}"))
    if emotion is not None and ethics is not None and analysis.statuses.get("ethics") == "ok":
        checks += 1
        if not ethics_read_emotion(ethics, emotion):
            findings.append(Finding("ethics_vs_emotion", "the emotions the ethics module weighed are not the emotion "
                                    "module's answer", "review"))
    return checks, findings


def ethics_read_emotion(ethics: dict[str, Any], emotion: dict[str, Any]) -> bool:
    """The ethics module was handed the emotion module's answer: the per-sentence readings it records are the
    emotion answer's sentences (valence and Ekman)."""
    step = next((s for s in ethics.get("trace", []) if s["id"] == "ethics.readings"), None)
    if step is None:
        return False
    sentences = [{"valence": s["valence"], "ekman": s["ekman"]} for s in emotion.get("sentences", [])]
    weighed = [{"valence": r.get("valence"), "ekman": r.get("ekman")} for r in step["output"]]
    return replay.close(weighed, sentences, thresholds()["tolerance"]["derived"])


def crisis_models(crisis: dict[str, Any], tolerance: float) -> tuple[int, list[Finding]]:
    """The crisis tier is the fusion step's output; the models' tiers follow from their probabilities and
    thresholds, and the evidence and the fusion carry the steps' numbers (the models' own tiers may be above the
    fused one: fusion caps the classifier)."""
    steps = {s["id"]: s for s in crisis.get("trace", [])}
    if "crisis.fusion" not in steps:
        return 1, [Finding("crisis_trace", "the crisis answer has no fusion step", "review")]
    fusion, findings, checks = steps["crisis.fusion"], [], 1
    if fusion["output"] != crisis["tier"]:
        findings.append(Finding("crisis_trace", f"tier {crisis['tier']} is not the fusion step's {fusion['output']}",
                                "review"))
    evidence = {e["signal"]: e for e in crisis.get("evidence", [])}
    for signal, step_id, fused in (("message_model", "crisis.message_model", "message_tier"),
                                   ("classifier", "crisis.classifier", "classifier_tier")):
        step = steps.get(step_id)
        if step is None:
            continue
        checks += 1
        p, tier = step["output"]["p_at_least"], step["output"]["tier"]
        item = evidence.get(signal, {})
        agrees = fusion["inputs"].get(fused) == tier and item.get("tier") == tier and replay.close(
            item.get("score"), p[RESPONSE_TIER - 1], tolerance)
        if signal == "message_model":
            cuts = np.array(step["inputs"]["thresholds"])
            recomputed = tiers(np.array([p]), cuts)
        else:
            cuts = classifier_cuts(step["inputs"]["ideation_threshold"])
            recomputed = cumulative_tiers(np.array([p]), step["inputs"]["ideation_threshold"])
        at_a_cut = any(abs(v - c) < ROUNDING for v, c in zip(p, cuts))
        cumulative = all(0.0 <= b <= a <= 1.0 for a, b in zip(p, p[1:]))  # P(tier >= k) falls with k
        if not (agrees and cumulative and (at_a_cut or int(recomputed[0]) == tier)):
            findings.append(Finding("crisis_trace", f"the {signal}'s tier, evidence and trace disagree", "review"))
    return checks, findings


def consistency_layer(analysis: Analysis, memory: list[Finding] | None = None) -> LayerVerdict:
    """L2 over everything that answered. `memory`: the experience memory's findings on this input (None when the
    memory was not consulted, e.g. it is down)."""
    tolerance = thresholds()["tolerance"]["derived"]
    checks = sum(analysis.answered(m) is not None for m in analysis.statuses) + len(analysis.problems)  # integrity
    findings = [Finding("output_integrity", f"{m}: {'; '.join(p)} (its answer is withheld)")
                for m, p in sorted(analysis.problems.items()) if p]
    n, found = cross_module(analysis)
    checks, findings = checks + n, findings + found
    for module, section in sorted(analysis.sections.items()):
        if analysis.answered(module) is None:
            continue
        parts = [replay.formula_steps(module, section.get("trace", []), tolerance),
                 replay.answer_links(module, section, tolerance)]
        if module == "crisis":
            parts.append(crisis_models(section, tolerance))
        for n, found in parts:
            checks, findings = checks + n, findings + found
    if memory is not None:
        checks, findings = checks + 1, findings + memory
    return verdict("consistency", checks, findings)
