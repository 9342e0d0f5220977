"""The verification report of an analysis: the five layers' verdicts and the decision (DESIGN.md, "Verification")."""

from typing import Literal

from pydantic import Field

from actors.requests import Strict, Unit
from redheart_models import verification

LayerName = Literal[verification.LAYERS]
Decision = Literal["pass", "caution", "human_review", "abstain"]


class LayerResult(Strict):
    """One verification layer's verdict. `evaluated` is false when the layer had nothing to check."""

    name: LayerName
    evaluated: bool
    score: Unit
    passed: bool
    findings: list[str] = Field(default_factory=list)


class VerificationReport(Strict):
    layers: list[LayerResult] = Field(min_length=len(verification.LAYERS), max_length=len(verification.LAYERS))
    risk: Unit
    decision: Decision
    confidence_band: Literal["high", "medium", "low", "none"]
    disclaimers: list[str] = Field(default_factory=list)
