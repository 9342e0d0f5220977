"""What clients send (DESIGN.md, "Messages"): the requests of the HTTP API and the CLI, and their limits.

Limits live here, once; the HTTP API, the CLI and the actors all validate with these models, so invalid input
never reaches a module.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from redheart_models import surd

REQUEST_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"  # X-Request-ID headers and the request ids feedback names

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

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]

Locale = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", max_length=35)]

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain at least one non-whitespace character")
    return value


AlternativeText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ALTERNATIVE_CHARS), AfterValidator(_not_blank)
]


class Utterance(Strict):
    """One turn of a conversation history."""

    text: Text
    timestamp: datetime | None = None
    speaker: Annotated[str, StringConstraints(max_length=MAX_SPEAKER_CHARS)] | None = None

    _text_not_blank = field_validator("text")(_not_blank)


class AnalyzeRequest(Strict):
    """What a client sends to `POST /v1/analyze`."""

    text: Text
    language: Literal["auto", "en", "ko"] = "auto"
    alternatives: list[AlternativeText] = Field(default_factory=list, max_length=MAX_ALTERNATIVES)
    history: list[Utterance] = Field(default_factory=list, max_length=MAX_HISTORY)
    locale: Locale | None = Field(default=None, description="For crisis resources, e.g. ko-KR, en-US.")
    modules: list[AnalysisModule] | None = Field(
        default=None, description="Modules to run (all if unset). Crisis always runs: it cannot be turned off."
    )
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


class SurdRequest(Strict):
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


class FeedbackRequest(Strict):
    """`POST /v1/feedback`: what a person felt after choosing one of an analysis's alternatives."""

    request_id: Annotated[str, StringConstraints(pattern=REQUEST_ID_PATTERN)]
    chosen: int = Field(ge=0, lt=MAX_ALTERNATIVES, description="Index of the alternative chosen.")
    felt_regret: Unit = Field(description="Regret felt afterwards, 0 (none) to 1 (the most).")


class ReviewClaim(Strict):
    """`POST /v1/admin/reviews/claim`: a reviewer takes crisis items to review (urgent first)."""

    reviewer: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
    count: int = Field(default=10, ge=1, le=100)
    stale_ms: int = Field(default=300_000, ge=1_000, description="Take over others' items idle this long.")


def _utc(moment: datetime) -> datetime:
    """Timestamps without a zone are read as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
