"""The Surd deployment: SURD decompositions of user series, and the SURD section of an analysis."""

import asyncio
import dataclasses
from collections.abc import Sequence

from ray import serve

from actors.api import ExperienceSurd
from actors.messages import (
    EmotionTrajectory,
    ModuleRequest,
    ModuleResult,
    SurdResponse,
    SurdResult,
    TraceStep,
)
from actors.requests import SurdRequest
from actors.stores.connection import connect
from actors.stores.experience import ExperienceMemory
from redheart_models import surd_analyses

VERSION = surd_analyses.VERSION


def response(decomposition: dict) -> SurdResponse:
    return SurdResponse.model_validate(decomposition)


def decompose_request(request: SurdRequest) -> SurdResponse:
    return response(surd_analyses.decompose(
        request.target, request.agents, target_name=request.target_name, agent_names=request.names,
        lag=request.lag, bins=request.bins, max_combs=request.max_combs,
    ))


def conversation(trajectory: EmotionTrajectory, risk: Sequence[float] | None = None) -> ModuleResult:
    """The SURD section of an analysis, from the emotion trajectory (and the crisis risk series)."""
    found = surd_analyses.conversation({c: ch.values for c, ch in trajectory.channels.items()}, trajectory.where, risk)
    if found.skipped:
        return ModuleResult(module="surd", version=VERSION, status="skipped", detail=found.skipped)
    decompositions = [response(d) for d in found.decompositions]
    first = decompositions[0]
    return SurdResult(version=VERSION, status="ok", target="valence", redundant=first.redundant, unique=first.unique,
                      synergistic=first.synergistic, info_leak=first.info_leak, decompositions=decompositions,
                      notes=found.notes,
                      trace=[TraceStep(**vars(found.agents_step)), *(t for d in decompositions for t in d.trace)])


def experience(records: list[dict], felt: dict[str, float], target: str) -> ExperienceSurd:
    return ExperienceSurd.model_validate(dataclasses.asdict(surd_analyses.experience(records, felt, target)))


@serve.deployment
class Surd:
    def __init__(self, redis_url: str | None = None) -> None:
        self.memory = ExperienceMemory(connect(redis_url)) if redis_url else None

    async def experience(self, target: str) -> ExperienceSurd:
        """SURD across the analyses in the experience memory (see `experience`)."""
        if self.memory is None:
            raise RuntimeError("this Surd deployment has no Redis: no experience memory")
        records, felt = await asyncio.gather(self.memory.records(), self.memory.felt_regret())
        return await asyncio.to_thread(experience, records, felt, target)

    async def decompose(self, request: SurdRequest) -> SurdResponse:
        """Off the event loop: a large decomposition must not stall pings and other requests."""
        return await asyncio.to_thread(decompose_request, request)

    async def analyze(self, request: ModuleRequest, trajectory: EmotionTrajectory | None = None,
                      risk: list[float] | None = None) -> ModuleResult:
        """SURD of the conversation's emotion trajectory and crisis risk (from the Emotion and Crisis modules'
        answers to the same request)."""
        if trajectory is None:
            return ModuleResult(module="surd", version=VERSION, status="skipped",
                                detail="needs the emotion trajectory of the conversation, which did not come")
        return await asyncio.to_thread(conversation, trajectory, risk)

    async def ping(self) -> bool:
        return True
