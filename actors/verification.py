"""The verification report of an analysis: the five layers' verdicts and the decision (DESIGN.md, "Verification")."""

from typing import Any, Literal

from pydantic import Field

from actors.requests import ANALYSIS_MODULES, PERSON_SPEAKERS, AnalyzeRequest, Strict, Unit
from redheart_models import verification

LayerName = Literal[verification.LAYERS]
Decision = Literal[verification.DECISIONS]


class LayerResult(Strict):
    """One verification layer's verdict. `evaluated` is false when the layer had nothing to check; `score` is the
    share of its `checks` that held (L1: one minus the mean reported uncertainty; L5: completeness)."""

    name: LayerName
    evaluated: bool
    score: Unit
    passed: bool
    checks: int = Field(default=0, ge=0)
    findings: list[str] = Field(default_factory=list, description="`check: what was found`, severity first.")


class VerificationReport(Strict):
    layers: list[LayerResult] = Field(min_length=len(verification.LAYERS), max_length=len(verification.LAYERS))
    risk: Unit
    decision: Decision
    confidence_band: Literal["very_high", "high", "medium", "low", "very_low", "none"]
    vulnerability: Literal["none", "medium", "high"] = "none"
    reasons: list[str] = Field(default_factory=list, description="What set a decision above `pass`: the risk, or a "
                               "layer and its finding.")
    removed: dict[str, int] = Field(default_factory=dict, description="Ungrounded items dropped from the answer.")
    disclaimers: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, report: verification.Report) -> "VerificationReport":
        return cls(
            layers=[LayerResult(name=v.name, evaluated=v.evaluated, score=v.score, passed=v.passed, checks=v.checks,
                                findings=[f"[{f.severity}] {f}" for f in v.findings]) for v in report.layers],
            risk=report.risk, decision=report.decision, confidence_band=report.confidence_band,
            vulnerability=report.vulnerability, reasons=report.reasons,
            removed={path: len(items) for path, items in report.ungrounded.items()}, disclaimers=report.disclaimers)


def analysis_of(request: AnalyzeRequest, language: str, sections: dict[str, dict[str, Any]],
                problems: dict[str, list[str]] | None = None) -> verification.Analysis:
    """What the layers verify: the request and its requested modules' answers (`sections`: module -> its answer
    as JSON values; the crisis module is always requested)."""
    requested = set(request.modules or ANALYSIS_MODULES) | {"crisis"}
    statuses = {m: sections[m]["status"] for m in ANALYSIS_MODULES if m in requested}
    return verification.Analysis(
        text=request.text, language=language, statuses=statuses, sections={m: sections[m] for m in statuses},
        alternatives=request.alternatives, history=[u.text for u in request.history],
        own=[i for i, u in enumerate(request.history) if u.speaker in PERSON_SPEAKERS], locale=request.locale,
        problems=problems or {})
