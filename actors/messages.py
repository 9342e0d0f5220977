"""The messages of Red Heart (DESIGN.md, "Messages"): requests, module results, verification, the analysis.

Limits live here, once; the HTTP API, the CLI and the actors all validate with these models, so invalid input
never reaches a module.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from redheart_models import surd

MAX_TEXT_CHARS = 10_000
MAX_ALTERNATIVES = 8
MAX_ALTERNATIVE_CHARS = 2_000
MAX_HISTORY = 200
MAX_SPEAKER_CHARS = 64
PERSON_SPEAKERS = {None, "user"}  # history speakers who are the person the analysis is about
MAX_SURD_SAMPLES = 100_000
MAX_SURD_BINS = 32
MAX_SURD_LAG = 1_000

AnalysisModule = Literal["crisis", "emotion", "ethics", "surd"]
ANALYSIS_MODULES: tuple[AnalysisModule, ...] = ("crisis", "emotion", "ethics", "surd")
Language = Literal["en", "ko"]
LayerName = Literal["uncertainty", "consistency", "grounding", "social_context", "metacognition"]
LAYERS: tuple[LayerName, ...] = ("uncertainty", "consistency", "grounding", "social_context", "metacognition")
Decision = Literal["pass", "caution", "human_review", "abstain"]
Status = Literal["ok", "failed", "timeout", "skipped"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Locale = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", max_length=35)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain at least one non-whitespace character")
    return value


AlternativeText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ALTERNATIVE_CHARS), AfterValidator(_not_blank)
]


class Utterance(_Strict):
    """One turn of a conversation history."""

    text: Text
    timestamp: datetime | None = None
    speaker: Annotated[str, StringConstraints(max_length=MAX_SPEAKER_CHARS)] | None = None

    _text_not_blank = field_validator("text")(_not_blank)


class AnalyzeRequest(_Strict):
    """What a client sends to `POST /v1/analyze`."""

    text: Text
    language: Literal["auto", "en", "ko"] = "auto"
    alternatives: list[AlternativeText] = Field(default_factory=list, max_length=MAX_ALTERNATIVES)
    history: list[Utterance] = Field(default_factory=list, max_length=MAX_HISTORY)
    locale: Locale | None = Field(default=None, description="For crisis resources, e.g. ko-KR, en-US.")
    modules: list[AnalysisModule] | None = Field(
        default=None, description="Modules to run (all if unset). Crisis always runs: it cannot be turned off."
    )
    explain: bool = False
    timestamp: datetime | None = Field(
        default=None, validate_default=True,
        description="When `text` was written (for trajectories); default with a timed history: when it arrives.",
    )

    _text_not_blank = field_validator("text")(_not_blank)

    @field_validator("history")
    @classmethod
    def _history_in_order(cls, history: list[Utterance]) -> list[Utterance]:
        """Timestamps are given for every utterance or for none, and never go back."""
        stamped = [u.timestamp is not None for u in history]
        if any(stamped) and not all(stamped):
            raise ValueError(f"history.{stamped.index(False)}.timestamp is missing: give every utterance one, or none")
        for i in range(1, len(history) if all(stamped) else 0):
            if _utc(history[i].timestamp) < _utc(history[i - 1].timestamp):
                raise ValueError(f"history.{i}.timestamp is earlier than history.{i - 1}.timestamp")
        return history

    @field_validator("timestamp")
    @classmethod
    def _after_history(cls, timestamp: datetime | None, info: ValidationInfo) -> datetime | None:
        history = info.data.get("history") or []
        if not history or history[-1].timestamp is None:
            return timestamp and _utc(timestamp)
        timestamp = _utc(timestamp or datetime.now(UTC))
        if timestamp < _utc(history[-1].timestamp):
            raise ValueError(f"is earlier than history.{len(history) - 1}.timestamp, the last utterance before it")
        return timestamp

    @field_validator("alternatives")
    @classmethod
    def _alternatives_distinct(cls, values: list[str]) -> list[str]:
        """Alternatives are not repeated (ignoring case and spacing): a repeat is no choice."""
        seen: dict[str, int] = {}
        for i, value in enumerate(values):
            key = " ".join(value.casefold().split())
            if key in seen:
                raise ValueError(f"alternatives.{i} repeats alternatives.{seen[key]}: give distinct alternatives")
            seen[key] = i
        return values


SeriesName = Annotated[str, StringConstraints(pattern=r"^[^+]{1,64}$")]  # "+" joins names of agent sets
Series = Annotated[
    list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=3, max_length=MAX_SURD_SAMPLES)
]


class SurdRequest(_Strict):
    """`POST /v1/surd`: which agents' present states drive the target's future state, and how."""

    target: Series
    agents: list[Series] = Field(min_length=1, max_length=surd.MAX_HD_AGENTS)
    target_name: SeriesName = "target"
    agent_names: list[SeriesName] | None = Field(default=None, description="Defaults to agent1, agent2, ...")
    lag: int = Field(default=1, ge=1, le=MAX_SURD_LAG)
    bins: int = Field(default=8, ge=2, le=MAX_SURD_BINS)
    max_combs: int | None = Field(
        default=None, ge=1, le=surd.MAX_HD_AGENTS, description="Examine agent sets up to this size only."
    )

    @field_validator("agents")
    @classmethod
    def _same_length(cls, agents: list[list[float]], info: ValidationInfo) -> list[list[float]]:
        n = len(info.data.get("target", []))
        for i, series in enumerate(agents):
            if len(series) != n:
                raise ValueError(f"agents.{i} has {len(series)} samples but target has {n}: series must align")
        return agents

    @field_validator("agent_names")
    @classmethod
    def _one_name_each(cls, names: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if names is not None:
            if len(names) != len(info.data.get("agents", [])):
                raise ValueError("needs exactly one name per agent")
            if len(set(names)) != len(names):
                raise ValueError("names must be unique")
        return names

    @property
    def names(self) -> list[str]:
        return self.agent_names or [f"agent{i}" for i in range(1, len(self.agents) + 1)]


class FeedbackRequest(_Strict):
    """`POST /v1/feedback`: what a person felt after choosing one of an analysis's alternatives."""

    request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    chosen: int = Field(ge=0, lt=MAX_ALTERNATIVES, description="Index of the alternative chosen.")
    felt_regret: Unit = Field(description="Regret felt afterwards, 0 (none) to 1 (the most).")


class FeedbackResponse(_Strict):
    event_id: str
    predicted_regret: Unit
    calibration: dict[str, Any] = Field(description="The regret-learning phase and offset; reported, never applied.")


class ReviewClaim(_Strict):
    """`POST /v1/admin/reviews/claim`: a reviewer takes crisis items to review (urgent first)."""

    reviewer: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
    count: int = Field(default=10, ge=1, le=100)
    stale_ms: int = Field(default=300_000, ge=1_000, description="Take over others' items idle this long.")


def _utc(moment: datetime) -> datetime:
    """Timestamps without a zone are read as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SurdTerm(_Strict):
    kind: Literal["redundant", "unique", "synergistic"]
    agents: list[str]
    bits: float = Field(ge=0.0)
    share: Unit = Field(description="Fraction of the mutual information I(T; A).")


class ModuleRequest(_Strict):
    """What the coordinator sends to each module: the validated request plus what it derived."""

    request_id: str
    text: str
    language: Language
    alternatives: list[str] = Field(default_factory=list)
    history: list[Utterance] = Field(default_factory=list)
    locale: str | None = None
    explain: bool = False
    timestamp: datetime | None = None

    def own_history(self) -> list[tuple[int, Utterance]]:
        """(index, utterance) of the person's own earlier utterances: those whose `speaker` is unset or `user`;
        other speakers (a counsellor, a bot) are not the person at risk or whose emotions are read."""
        return [(i, u) for i, u in enumerate(self.history) if u.speaker in PERSON_SPEAKERS]


class TraceStep(_Strict):
    """One application of a named formula or model: what went in and what came out."""

    id: str
    name: str = Field(description="Formula or model id with its version, e.g. `language.hangul_ratio@1`.")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Name -> value, or the id of an earlier step.")
    output: Any = None


class SurdResponse(_Strict):
    """A SURD decomposition in bits; sets of agents are named by their names joined with "+"."""

    target: str
    agents: list[str]
    samples: int
    lag: int
    bins: int
    max_combs: int | None
    redundant: dict[str, float]
    unique: dict[str, float]
    synergistic: dict[str, float]
    mutual_info: dict[str, float]
    info_leak: float = Field(description="H(T | agents) / H(T): what the agents leave unexplained.")
    target_entropy: float
    terms: list[SurdTerm] = Field(description="All terms, largest first.")
    trace: list[TraceStep]


class ExperienceSurd(_Strict):
    """`GET /v1/surd/experience`: which Bentham dimensions drive the verdict (U_B) or the felt regret, across the
    analyses stored in the experience memory."""

    target: Literal["verdict", "regret"]
    samples: int = Field(description="Stored analyses used (with a reported outcome, for `regret`).")
    required: int
    status: Literal["ok", "insufficient_data"]
    detail: str | None = None
    dropped: list[str] = Field(default_factory=list, description="Dimensions constant over the samples.")
    decomposition: SurdResponse | None = None


class ModuleResult(_Strict):
    """The answer of one module. Module-specific results subclass it and add their typed outputs as fields."""

    module: AnalysisModule
    version: str
    status: Status
    detail: str | None = Field(default=None, description="Why a module was skipped, failed or timed out.")
    uncertainty: Unit | None = None
    trace: list[TraceStep] = Field(default_factory=list)
    latency_ms: float = Field(default=0.0, ge=0.0)


class CrisisEvidence(_Strict):
    """One reason behind the crisis tier: a rule hit (with its span and source), the message model's or the person
    classifier's score, a trend."""

    signal: Literal["rule", "message_model", "classifier", "escalation"]
    where: str = Field(description="`text`, `history.N` (a history item), or `person` (all the speaker's texts).")
    tier: int = Field(ge=0, le=4, description="What this item contributes to the speaker's tier.")
    rule: str | None = None
    kind: str | None = None
    status: str | None = Field(default=None, description="Context reading of a rule hit: active, negated, idiom, ...")
    cue: str | None = None
    span: tuple[int, int] | None = Field(default=None, description="Characters [start, end) of the matched words.")
    source: str | None = Field(default=None, description="Where the expression or the model comes from.")
    score: float | None = None


class CrisisResource(_Strict):
    name: str
    contact: str
    hours: str
    source: str


class CrisisResponse(_Strict):
    """A fixed, reviewed text and the resources of the request's locale; nothing in it is generated."""

    template_id: str
    text: str
    resources: list[CrisisResource]
    region: str


class CrisisResult(ModuleResult):
    module: Literal["crisis"] = "crisis"
    tier: int = Field(ge=0, le=4)
    tier_name: str
    degraded: bool = Field(description="True when the tier comes without the classifier (it failed or was late).")
    concern_other: bool = Field(description="Risk words about someone else: the speaker may need help to help.")
    evidence: list[CrisisEvidence] = Field(default_factory=list)
    response: CrisisResponse | None = None
    review_id: str | None = Field(default=None, description="Human review queue entry (tier >= 2).")
    urgent: bool = False
    risk_series: list[float] = Field(
        default_factory=list, description="The classifier's P(ideation or above) for each of the speaker's last "
        "texts, oldest first, the message last (empty without the classifier).")


class ChannelTrajectory(_Strict):
    """One channel of a conversation trajectory (DESIGN.md: Kalman-smoothed, with trend and spectral features)."""

    values: list[float] = Field(description="The reading of each utterance, oldest first.")
    smoothed: list[float] = Field(description="Kalman-smoothed value at each utterance (uses later readings too).")
    trend: float = Field(description="Theil-Sen slope per step (per minute with timestamps).")
    volatility: float = Field(description="Standard deviation of the step-to-step changes.")
    change_points: list[int] = Field(description="Utterance indices where a CUSUM detects a shift.")
    dominant_period: float | None = Field(description="Period of the strongest Welch frequency; null if too short.")


class EmotionTrajectory(_Strict):
    utterances: int
    where: list[str] = Field(description="Each point's source, oldest first: `history.N` or `text`.")
    timed: bool = Field(description="True when timestamps set the steps; else one step per utterance.")
    channels: dict[str, ChannelTrajectory]


class EmotionResult(ModuleResult):
    """DESIGN.md's stable emotion fields, plus what the mixture of experts did and the conversation's trajectory."""

    module: Literal["emotion"] = "emotion"
    goemotions: dict[str, Unit] = Field(description="GoEmotions-28 label -> probability.")
    kote: dict[str, Unit] = Field(description="KOTE-44 label -> probability.")
    ekman: dict[str, Unit] = Field(description="Ekman-7 -> probability (max over the mapped labels).")
    ekman_from: Literal["goemotions", "kote"]
    valence: float = Field(ge=-1.0, le=1.0)
    cultural: dict[str, Unit] = Field(description="jeong, han, chemyeon: means of KOTE probabilities (a mapping).")
    detected: dict[str, list[str]] = Field(description="Label set -> labels at or above their tuned thresholds.")
    experts: list[int] = Field(description="The experts the gate routed the text to.")
    trajectory: EmotionTrajectory | None = None


class SurdResult(ModuleResult):
    """SURD of a conversation: which emotion channels of the person's utterances drive the next valence (and the
    next crisis risk). The stable fields hold valence's decomposition at lag 1 (bits; agent sets named by their
    channels joined with "+")."""

    module: Literal["surd"] = "surd"
    target: str
    redundant: dict[str, float]
    unique: dict[str, float]
    synergistic: dict[str, float]
    info_leak: float
    decompositions: list[SurdResponse] = Field(description="One per target and lag examined, valence lag 1 first.")
    notes: list[str] = Field(default_factory=list, description="Targets that could not be decomposed, and why.")


class EthicsUtility(_Strict):
    mean: float = Field(description="U(s) of the message: the ensemble's mean Bradley-Terry logit.")
    std: float = Field(ge=0.0, description="Spread of the ensemble's members.")
    normalised: float = Field(ge=-1.0, le=1.0, description="tanh((U - mean of training scenarios) / their std).")


class Bentham(_Strict):
    dimensions: dict[str, Unit] = Field(description="The ten dimensions, each 0..1.")
    layers: dict[str, float] = Field(description="The six layers' weights (0.3..2.5; 1 for a layer switched off).")
    layers_enabled: dict[str, bool]
    tone: float = Field(ge=-1.0, le=1.0, description="Stakeholder-weighted tone: the sign of pleasure or pain.")
    base: float
    score: float = Field(description="U_B = base x product of the layers.")


class StakeholderGroup(_Strict):
    impact: float
    weight: Unit
    critical_loss: bool
    sentences: list[int]


class Stakeholders(_Strict):
    groups: dict[str, StakeholderGroup]
    reversed: bool = Field(description="The speaker's critical loss put self first (self > others > community).")


class RegretView(_Strict):
    utility: float = Field(ge=-1.0, le=1.0)
    regret: Unit


class Regret(_Strict):
    alternative: str
    language: Language
    utility: float = Field(ge=-1.0, le=1.0, description="Normalised utility (neutral view).")
    utility_mean: float
    utility_std: float = Field(ge=0.0)
    regret: Unit = Field(description="(max_j u_j - u_i) / 2; 0 for the best (and tied) alternatives.")
    best: bool
    diversity: float = Field(ge=0.0)
    views: dict[str, RegretView]
    recommendation: str
    anticipated: dict[str, float] = Field(description="Anticipated regret `intensity` (0..1) and `duration_hours`.")


class LegalHit(_Strict):
    domain: str
    pattern: str
    statute: str
    span: tuple[int, int]
    weight: Unit
    context: Literal["active", "negated", "question"]


class LegalRisk(_Strict):
    risk: dict[str, Unit]
    max_risk: Unit
    review: bool = Field(description="A domain's risk is above the threshold: a person reviews.")
    threshold: Unit
    hits: list[LegalHit]
    notice: str


class EthicsResult(ModuleResult):
    """DESIGN.md's stable ethics fields (`utility`, `morality`, `bentham`, `regret`), stakeholders and legal risk."""

    module: Literal["ethics"] = "ethics"
    utility: EthicsUtility
    morality: Unit | None = Field(description="P(the act is clearly morally wrong); null without a released model.")
    bentham: Bentham
    stakeholders: Stakeholders
    regret: list[Regret] = Field(description="One entry per alternative; empty without alternatives.")
    alternatives_from: Literal["request", "text"] | None = None
    legal: LegalRisk
    calibration: dict[str, Any] | None = Field(default=None, description="Regret-learning phase; never applied.")
    notes: list[str] = Field(default_factory=list)


class LayerResult(_Strict):
    """One verification layer's verdict. `evaluated` is false when the layer had nothing to check."""

    name: LayerName
    evaluated: bool
    score: Unit
    passed: bool
    findings: list[str] = Field(default_factory=list)


class VerificationReport(_Strict):
    layers: list[LayerResult] = Field(min_length=len(LAYERS), max_length=len(LAYERS))
    risk: Unit
    decision: Decision
    confidence_band: Literal["high", "medium", "low", "none"]
    disclaimers: list[str] = Field(default_factory=list)


class AnalysisResult(_Strict):
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


BODY_MESSAGES = {
    "json_invalid": "the request body is not valid JSON",
    "model_attributes_type": "the request body must be a JSON object such as {\"text\": \"...\"}",
    "missing": "the request body is missing; send a JSON object such as {\"text\": \"...\"}",
}


def describe_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI validation errors as `{field, message, limit}` items, without echoing the input back."""
    described = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        if error.get("type") == "json_invalid":
            loc = []
        field = ".".join(loc) or "body"
        ctx = error.get("ctx") or {}
        if field == "body":
            error = {**error, "msg": BODY_MESSAGES.get(error.get("type"), error.get("msg", "invalid"))}
        limit = next((ctx[k] for k in ("max_length", "min_length", "ge", "le", "expected", "pattern") if k in ctx), None)
        item = {"field": field, "message": f"{field}: {error.get('msg', 'invalid')}", "type": error.get("type")}
        if limit is not None:
            item["limit"] = limit
        described.append(item)
    return described
