"""What crosses the coordinator-module boundary (DESIGN.md, "Messages"): the module request, trace steps, and each
module's typed result (also the sections of the analysis a client receives)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from actors.requests import PERSON_SPEAKERS, AnalysisModule, Language, Strict, Unit, Utterance

Status = Literal["ok", "partial", "failed", "timeout", "skipped"]  # partial: answered without an upstream module


class SurdTerm(Strict):
    kind: Literal["redundant", "unique", "synergistic"]
    agents: list[str]
    bits: float = Field(ge=0.0)
    share: Unit = Field(description="Fraction of the mutual information I(T; A).")


class ModuleRequest(Strict):
    """What the coordinator sends to each module: the validated request plus what it derived."""

    request_id: str
    text: str
    language: Language
    alternatives: list[str] = Field(default_factory=list)
    history: list[Utterance] = Field(default_factory=list)
    locale: str | None = None
    timestamp: datetime | None = None

    def own_history(self) -> list[tuple[int, Utterance]]:
        """(index, utterance) of the person's own earlier utterances: those whose `speaker` is unset or `user`;
        other speakers (a counsellor, a bot) are not the person at risk or whose emotions are read."""
        return [(i, u) for i, u in enumerate(self.history) if u.speaker in PERSON_SPEAKERS]


class TraceStep(Strict):
    """One application of a named formula or model: what went in and what came out."""

    id: str
    name: str = Field(description="Formula or model id with its version, e.g. `language.hangul_ratio@1`.")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Name -> value, or the id of an earlier step.")
    output: Any = None


class SurdResponse(Strict):
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


class ModuleResult(Strict):
    """The answer of one module. Module-specific results subclass it and add their typed outputs as fields."""

    module: AnalysisModule
    version: str
    status: Status
    detail: str | None = Field(default=None, description="Why a module was skipped, failed, timed out or partial.")
    uncertainty: Unit | None = None
    trace: list[TraceStep] = Field(default_factory=list)
    latency_ms: float = Field(default=0.0, ge=0.0)


class CrisisEvidence(Strict):
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


class CrisisResource(Strict):
    name: str
    contact: str
    hours: str
    source: str


class CrisisResponse(Strict):
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


class ChannelTrajectory(Strict):
    """One channel of a conversation trajectory (DESIGN.md: Kalman-smoothed, with trend and spectral features)."""

    values: list[float] = Field(description="The reading of each utterance, oldest first.")
    smoothed: list[float] = Field(description="Kalman-smoothed value at each utterance (uses later readings too).")
    trend: float = Field(description="Theil-Sen slope per step (per minute with timestamps).")
    volatility: float = Field(description="Standard deviation of the step-to-step changes.")
    change_points: list[int] = Field(description="Utterance indices where a CUSUM detects a shift.")
    dominant_period: float | None = Field(description="Period of the strongest Welch frequency; null if too short.")


class EmotionTrajectory(Strict):
    utterances: int
    where: list[str] = Field(description="Each point's source, oldest first: `history.N` or `text`.")
    timed: bool = Field(description="True when timestamps set the steps; else one step per utterance.")
    channels: dict[str, ChannelTrajectory]


class SentenceEmotion(Strict):
    """The reading of one sentence of the message (what the ethics calculus weighs per stakeholder)."""

    span: tuple[int, int] = Field(description="Characters [start, end) of the sentence in the message.")
    valence: float = Field(ge=-1.0, le=1.0)
    ekman: dict[str, Unit]


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
    sentences: list[SentenceEmotion] = Field(default_factory=list, description="Each sentence of the message.")
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


class EthicsUtility(Strict):
    mean: float = Field(description="U(s) of the message: the ensemble's mean Bradley-Terry logit.")
    std: float = Field(ge=0.0, description="Spread of the ensemble's members.")
    normalised: float = Field(ge=-1.0, le=1.0, description="tanh((U - mean of training scenarios) / their std).")


class Bentham(Strict):
    dimensions: dict[str, Unit] = Field(description="The ten dimensions, each 0..1.")
    layers: dict[str, float] = Field(description="The six layers' weights (0.3..2.5; 1 for a layer switched off).")
    layers_enabled: dict[str, bool]
    tone: float = Field(ge=-1.0, le=1.0, description="Stakeholder-weighted tone: the sign of pleasure or pain.")
    base: float
    score: float = Field(description="U_B = base x product of the layers.")


class StakeholderGroup(Strict):
    impact: float
    weight: Unit
    critical_loss: bool
    sentences: list[int]


class Stakeholders(Strict):
    groups: dict[str, StakeholderGroup]
    reversed: bool = Field(description="The speaker's critical loss put self first (self > others > community).")


class RegretView(Strict):
    utility: float = Field(ge=-1.0, le=1.0)
    regret: Unit


class Regret(Strict):
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


class LegalHit(Strict):
    domain: str
    pattern: str
    statute: str
    span: tuple[int, int]
    weight: Unit
    context: Literal["active", "negated", "question"]


class LegalRisk(Strict):
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
    bentham: Bentham | None = Field(description="Null when the emotion readings are missing (status `partial`).")
    stakeholders: Stakeholders | None = Field(description="Null when the emotion readings are missing.")
    regret: list[Regret] = Field(description="One entry per alternative; empty without alternatives.")
    alternatives_from: Literal["request", "text"] | None = None
    legal: LegalRisk
    calibration: dict[str, Any] | None = Field(default=None, description="Regret-learning phase; never applied.")
    notes: list[str] = Field(default_factory=list)
