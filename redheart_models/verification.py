"""The five verification layers' scoring and the final decision (DESIGN.md, "Verification").

Each layer is a deterministic function of what the modules returned. A layer that has nothing to check says so
(`evaluated=False`, score 0): it never claims a check it did not make. Risk = 1 - sum(weight * score), so an
unevaluated layer counts fully against confidence.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from redheart_models.ethics.config import constants

LAYER_WEIGHTS: dict[str, float] = {
    "uncertainty": 0.25,
    "consistency": 0.20,
    "grounding": 0.25,
    "social_context": 0.15,
    "metacognition": 0.15,
}
LAYERS = tuple(LAYER_WEIGHTS)  # in the order of the report
# Hand-set, provisional cut points on risk (configuration, not measurement): pass < .25 <= caution < .50 <=
# human_review < .75 <= abstain. They are to be re-chosen from the fault-injection runs of the verification layers.
DECISION_CUTS: tuple[tuple[float, str], ...] = ((0.25, "pass"), (0.50, "caution"), (0.75, "human_review"))
BAND_CUTS: tuple[tuple[float, str], ...] = ((0.25, "high"), (0.50, "medium"), (0.75, "low"))
PASS_SCORE = 0.5

DISCLAIMERS = {
    "nothing_analysed": "No analysis module produced a result, so this response asserts nothing about the text.",
    "modules_missing": "Not analysed: {modules}.",
    "modules_partial": "Analysed in part: {modules} (each module's detail says what is missing).",
    "crisis": "The text shows a risk of suicide or self-harm (tier {tier}): a person reviews this answer.",
    "crisis_degraded": "The crisis tier comes from the rule engine alone: the classifier was unavailable.",
    "legal": "Legal-risk signal ({domains}): a person reviews this answer. It is a signal with citations, not legal "
             "advice.",
}
COMPLETENESS = {"ok": 1.0, "partial": 0.5}  # how much of a module's answer a status stands for
CRISIS_REVIEW_TIER = 2  # a person at risk: the decision is human_review, whatever the layers say


@dataclass(frozen=True)
class LayerVerdict:
    name: str
    evaluated: bool
    score: float
    passed: bool
    findings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    layers: list[LayerVerdict]
    risk: float
    decision: str
    confidence_band: str
    disclaimers: list[str]


def not_evaluated(name: str, reason: str) -> LayerVerdict:
    return LayerVerdict(name, evaluated=False, score=0.0, passed=False, findings=[f"not evaluated: {reason}"])


def uncertainty_layer(uncertainties: Mapping[str, float | None]) -> LayerVerdict:
    """L1: one minus the mean reported uncertainty of the modules that answered."""
    reported = {m: u for m, u in uncertainties.items() if u is not None}
    if not reported:
        return not_evaluated("uncertainty", "no module reported an uncertainty")
    score = 1.0 - sum(reported.values()) / len(reported)
    findings = [f"{m}: uncertainty {u:.3f}" for m, u in sorted(reported.items())]
    return LayerVerdict("uncertainty", True, score, score >= PASS_SCORE, findings)


def metacognition_layer(statuses: Mapping[str, str]) -> LayerVerdict:
    """L5 completeness: the share of requested analysis modules that answered, a `partial` answer counting half."""
    if not statuses:
        return not_evaluated("metacognition", "no module was requested")
    score = sum(COMPLETENESS.get(s, 0.0) for s in statuses.values()) / len(statuses)
    findings = [f"{m}: {s}" for m, s in sorted(statuses.items())]
    return LayerVerdict("metacognition", True, score, score >= PASS_SCORE, findings)


def _cut(value: float, cuts: tuple[tuple[float, str], ...], last: str) -> str:
    return next((label for bound, label in cuts if value < bound), last)


def verify(statuses: Mapping[str, str], uncertainties: Mapping[str, float | None], crisis_tier: int = 0,
           crisis_degraded: bool = False, legal_risk: Mapping[str, float] | None = None,
           legal_threshold: float | None = None) -> Report:
    """Score the five layers for one analysis and decide. `statuses`: requested analysis module -> status;
    `legal_risk`: the ethics module's risk per legal domain (above `legal_threshold`, by default the ethics
    constants' `legal.review_above`: human review)."""
    answered = {m: u for m, u in uncertainties.items() if statuses.get(m) in COMPLETENESS}
    nothing = "no module output to check" if not answered else "this layer's checks are not implemented yet"
    layers = [
        uncertainty_layer(answered),
        not_evaluated("consistency", nothing),
        not_evaluated("grounding", nothing),
        not_evaluated("social_context", nothing),
        metacognition_layer(statuses),
    ]
    risk = 1.0 - sum(LAYER_WEIGHTS[v.name] * v.score for v in layers)
    risk = min(1.0, max(0.0, risk))
    missing = sorted(m for m, s in statuses.items() if s not in COMPLETENESS)
    partial = sorted(m for m, s in statuses.items() if s == "partial")
    disclaimers = []
    if not answered:
        disclaimers.append(DISCLAIMERS["nothing_analysed"])
    if missing:
        disclaimers.append(DISCLAIMERS["modules_missing"].format(modules=", ".join(missing)))
    if partial:
        disclaimers.append(DISCLAIMERS["modules_partial"].format(modules=", ".join(partial)))
    decision = "abstain" if not answered else _cut(risk, DECISION_CUTS, "abstain")
    if crisis_degraded:
        disclaimers.append(DISCLAIMERS["crisis_degraded"])
    threshold = constants()["legal"]["review_above"] if legal_threshold is None else legal_threshold
    flagged = {d: r for d, r in (legal_risk or {}).items() if r > threshold}
    if flagged:
        disclaimers.append(DISCLAIMERS["legal"].format(domains=", ".join(f"{d} {r:.2f}" for d, r in flagged.items())))
        decision = "human_review"
    if crisis_tier >= CRISIS_REVIEW_TIER:  # a person at risk: a person reviews, even where the rest abstains
        disclaimers.append(DISCLAIMERS["crisis"].format(tier=crisis_tier))
        decision = "human_review"
    band = "none" if not answered else _cut(risk, BAND_CUTS, "none")
    return Report(layers, risk, decision, band, disclaimers)
