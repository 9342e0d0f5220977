"""The five verification layers over one analysis and the decision (DESIGN.md, "Verification").

Each layer is a pure function of the request and what the modules answered; a layer with nothing to check says so
(`evaluated=False`, score 0) and counts fully against confidence. Risk = 1 - sum(weight x score), the weights
reweighed by the person's vulnerability (L4). The decision is the strictest of the risk cut (tightened with
vulnerability) and the findings' severities; a person at risk or a legal risk is always `human_review`. Every
decision above `pass` names the layer and the finding (or the risk) that caused it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from redheart_models.ethics.config import constants
from redheart_models.verification.analysis import Analysis
from redheart_models.verification.config import thresholds
from redheart_models.verification.consistency import consistency_layer
from redheart_models.verification.findings import SEVERITY_DECISION, Finding, LayerVerdict, verdict
from redheart_models.verification.grounding import Grounding, grounding_layer
from redheart_models.verification.social import Context, social_layer
from redheart_models.verification.uncertainty import uncertainty_layer

LAYERS = ("uncertainty", "consistency", "grounding", "social_context", "metacognition")  # in the report's order
DECISIONS = ("pass", "caution", "human_review", "abstain")  # from the least to the most reserved
# A person reads these whatever the rest says, even where it abstains: a person at risk, a legal risk, an analysis
# whose crisis module did not answer (a person at risk may be missed).
ALWAYS_REVIEWED = {"person_at_risk", "legal_risk", "crisis_unanswered"}
T = TypeVar("T")

DISCLAIMERS = {
    "nothing_analysed": "No analysis module produced a result, so this response asserts nothing about the text.",
    "modules_missing": "Not analysed: {modules}.",
    "modules_partial": "Analysed in part: {modules} (each module's detail says what is missing).",
    "withheld": "Withheld: the answer of {modules} failed its integrity checks.",
    "crisis": "The text shows a risk of suicide or self-harm (tier {tier}): a person reviews this answer.",
    "crisis_degraded": "The crisis tier comes from the rule engine alone: the classifier was unavailable.",
    "legal": "Legal-risk signal ({domains}): a person reviews this answer. It is a signal with citations, not legal "
             "advice.",
    "minor": "The writer may be a minor: the analysis is held to stricter thresholds.",
    "malformed": "Part of this answer could not be read to write its disclaimers: a person reviews it.",
}


@dataclass(frozen=True)
class Report:
    """The five verdicts, risk, decision and its reasons, the vulnerability, and the items to drop as ungrounded."""

    layers: list[LayerVerdict]
    risk: float
    decision: str
    confidence_band: str
    disclaimers: list[str]
    vulnerability: str = "none"
    reasons: list[str] = field(default_factory=list)
    ungrounded: dict[str, list[int]] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        """Some layer found a fault (caution or review): not an answer to remember as the right one."""
        return any(f.fault and f.severity != "note" for layer in self.layers for f in layer.findings)


def metacognition_layer(analysis: Analysis) -> LayerVerdict:
    """L5 completeness: the share of the applicable modules (requested and not skipped) that answered, a `partial`
    answer counting as the configuration says; a module that failed or timed out is a finding."""
    weight = thresholds()["completeness"]
    applicable = {m: s for m, s in sorted(analysis.statuses.items()) if s != "skipped"}
    findings = [Finding("crisis_unanswered" if m == "crisis" and s not in weight else "completeness", f"{m}: {s}",
                        "note" if s in weight else "review" if m == "crisis" else "caution")
                for m, s in applicable.items() if s != "ok"]
    crisis = analysis.answered("crisis")
    if crisis is not None and crisis.get("degraded"):
        findings.append(Finding("crisis_degraded", "the crisis tier comes from the rules alone"))
    layer = verdict("metacognition", len(applicable), findings)
    if not applicable:
        return layer
    score = sum(weight.get(s, 0.0) for s in applicable.values()) / len(applicable)
    return LayerVerdict(layer.name, True, score, layer.passed, findings, layer.checks)


def layer_weights(vulnerability: str) -> dict[str, float]:
    """The layer weights times the vulnerability's multipliers, renormalised to sum to one."""
    t = thresholds()
    raw = {name: w * t["vulnerability_multipliers"].get(vulnerability, {}).get(name, 1.0)
           for name, w in t["layer_weights"].items()}
    total = sum(raw.values())
    return {name: w / total for name, w in raw.items()}


def band(confidence: float) -> str:
    """The confidence band (original_system.md 1.20, L5) of 1 - risk."""
    return next((name for name, low in thresholds()["confidence_bands"].items() if confidence >= low), "very_low")


def _disclaimers(analysis: Analysis, context_findings: list[Finding], legal_threshold: float) -> list[str]:
    statuses = analysis.statuses
    out = []
    if not any(analysis.answered(m) is not None for m in statuses):
        out.append(DISCLAIMERS["nothing_analysed"])
    missing = sorted(m for m, s in statuses.items() if s in ("failed", "timeout") and m not in analysis.problems)
    if missing:
        out.append(DISCLAIMERS["modules_missing"].format(modules=", ".join(missing)))
    if analysis.problems:
        out.append(DISCLAIMERS["withheld"].format(modules=", ".join(sorted(analysis.problems))))
    partial = sorted(m for m, s in statuses.items() if s == "partial")
    if partial:
        out.append(DISCLAIMERS["modules_partial"].format(modules=", ".join(partial)))
    crisis = analysis.answered("crisis")
    if crisis is not None and crisis.get("degraded"):
        out.append(DISCLAIMERS["crisis_degraded"])
    checks = {f.check for f in context_findings}
    if "likely_minor" in checks:
        out.append(DISCLAIMERS["minor"])
    ethics = analysis.answered("ethics")
    if "legal_risk" in checks and ethics is not None:
        flagged = {d: r for d, r in ethics["legal"]["risk"].items() if r > legal_threshold}
        out.append(DISCLAIMERS["legal"].format(domains=", ".join(f"{d} {r:.2f}" for d, r in flagged.items())))
    if "person_at_risk" in checks:
        out.append(DISCLAIMERS["crisis"].format(tier=crisis["tier"]))
    return out


def _malformed(name: str, exc: Exception) -> LayerVerdict:
    """The verdict of a layer that could not read an answer (a field missing or of the wrong type)."""
    finding = Finding("malformed_answer", f"an answer could not be checked ({type(exc).__name__})", "review")
    return LayerVerdict(name, evaluated=True, score=0.0, passed=False, findings=[finding], checks=1)


def _guarded(name: str, compute: Callable[[], T], fallback: Callable[[LayerVerdict], T]) -> T:
    """A layer's result; a check that raises on a malformed answer becomes that layer's review finding, so
    verification never takes the analysis (and its crisis answer) down."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - any answer, however malformed, is verified
        return fallback(_malformed(name, exc))


def verify(analysis: Analysis, memory: list[Finding] | None = None, legal_threshold: float | None = None) -> Report:
    """Score the five layers for one analysis and decide. `memory`: the answer memory's findings on this input
    (None when it was not consulted); `legal_threshold`: by default the ethics constants' `legal.review_above`."""
    t = thresholds()
    legal_threshold = constants()["legal"]["review_above"] if legal_threshold is None else legal_threshold
    context = _guarded("social_context", lambda: social_layer(analysis, legal_threshold),
                       lambda v: Context(v, "high"))  # unknown vulnerability: the strictest
    tighten = t["tighten"][context.vulnerability]
    grounding = _guarded("grounding", lambda: grounding_layer(analysis), lambda v: Grounding(v))
    layers = [
        _guarded("uncertainty", lambda: uncertainty_layer(analysis, t["uncertainty_limit"] * tighten), lambda v: v),
        _guarded("consistency", lambda: consistency_layer(analysis, memory), lambda v: v),
        grounding.verdict, context.verdict,
        _guarded("metacognition", lambda: metacognition_layer(analysis), lambda v: v),
    ]
    risk = weighted_risk(layers, layer_weights(context.vulnerability))
    answered = any(analysis.answered(m) is not None for m in analysis.statuses)
    cuts = {name: cut * tighten for name, cut in t["decision_cuts"].items()}
    by_risk = next((name for name, cut in cuts.items() if risk < cut), "abstain") if answered else "abstain"
    decision, reasons = by_risk, [] if by_risk == "pass" else [
        f"risk {risk:.2f}" + (f" >= {list(cuts.values())[DECISIONS.index(by_risk) - 1]:.2f}" if answered else
                              ": no module answered")]
    for layer in layers:
        for finding in layer.findings:
            bound = SEVERITY_DECISION.get(finding.severity)
            if bound is None:
                continue
            reasons.append(f"{layer.name}: {finding}")
            if finding.check in ALWAYS_REVIEWED:
                decision = "human_review"
            elif decision != "abstain" and DECISIONS.index(bound) > DECISIONS.index(decision):
                decision = bound
    confidence_band = band(1.0 - risk) if answered else "none"
    try:
        disclaimers = _disclaimers(analysis, context.verdict.findings, legal_threshold)
    except Exception:  # noqa: BLE001 - a malformed answer already sends the analysis to a person
        disclaimers = [DISCLAIMERS["malformed"]]
    return Report(layers, risk, decision, confidence_band, disclaimers, context.vulnerability, reasons,
                  grounding.ungrounded)


def weighted_risk(layers: list[LayerVerdict], weights: dict[str, float]) -> float:
    """1 - the weighted mean score of the layers that evaluated something (a layer with nothing to check says so
    and is left out, the others' weights renormalised); 1 when none did."""
    evaluated = [v for v in layers if v.evaluated]
    total = sum(weights[v.name] for v in evaluated)
    return 1.0 if not total else min(1.0, max(0.0, 1.0 - sum(weights[v.name] * v.score for v in evaluated) / total))
