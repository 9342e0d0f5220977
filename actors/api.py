"""What the HTTP API answers beyond a module's result: the whole analysis, feedback, the experience SURD."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from actors.messages import CrisisResult, EmotionResult, EthicsResult, ModuleResult, SurdResponse, SurdResult, TraceStep
from actors.requests import Language, Strict, Unit
from actors.verification import VerificationReport


class FeedbackResponse(Strict):
    event_id: str
    predicted_regret: Unit
    calibration: dict[str, Any] = Field(description="The regret-learning phase and offset; reported, never applied.")


class ExperienceSurd(Strict):
    """`GET /v1/surd/experience`: which Bentham dimensions drive the verdict (U_B) or the felt regret, across the
    analyses stored in the experience memory."""

    target: Literal["verdict", "regret"]
    samples: int = Field(description="Stored analyses used (with a reported outcome, for `regret`).")
    required: int
    status: Literal["ok", "insufficient_data"]
    detail: str | None = None
    dropped: list[str] = Field(default_factory=list, description="Dimensions constant over the samples.")
    decomposition: SurdResponse | None = None


class AnalysisResult(Strict):
    """Everything Red Heart says about one request. Field names of the module sections are a stable contract."""

    request_id: str
    language: Language
    created_at: datetime
    crisis: CrisisResult = Field(description="Always present: crisis handling survives every other module.")
    emotion: EmotionResult | ModuleResult = Field(description="An EmotionResult when the module answered.")
    ethics: EthicsResult | ModuleResult = Field(description="An EthicsResult when the module answered.")
    surd: SurdResult | ModuleResult = Field(description="A SurdResult when a conversation could be decomposed.")
    verification: VerificationReport
    trace: list[TraceStep] = Field(default_factory=list, description="Steps of the coordinator itself.")
    versions: dict[str, str] = Field(default_factory=dict, description="Module -> model/formula version.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    audit_id: str | None = Field(default=None, description="Audit-stream entry; null if it could not be written.")
