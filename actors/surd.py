"""The Surd deployment: SURD decompositions of user series, and the SURD section of an analysis."""

import asyncio
from collections.abc import Sequence

import numpy as np
from ray import serve

from actors.messages import (
    EmotionTrajectory,
    ModuleRequest,
    ModuleResult,
    SurdRequest,
    SurdResponse,
    SurdResult,
    SurdTerm,
    TraceStep,
)
from redheart_models import surd

VERSION = "surd@1"
CONVERSATION_CHANNELS = 2  # the most variable emotion channels, besides valence's own past: 3 agents
CONVERSATION_BINS = 2  # 2**4 = 16 histogram cells: at least 17 utterances of the person (trajectories hold 40)
CONVERSATION_LAGS = (1, 2)
CITATION = "Martinez-Sanchez, Arranz & Lozano-Duran, Nat. Commun. 15:9296 (2024)"


def decompose(
    target: Sequence[float],
    agents: Sequence[Sequence[float]],
    *,
    target_name: str,
    agent_names: list[str],
    lag: int,
    bins: int,
    max_combs: int | None = None,
) -> SurdResponse:
    """Run SURD (exact, or the high-dimensional variant with `max_combs`) and name its terms."""
    if max_combs is None:
        result = surd.surd_from_series(target, agents, lag, bins)
        formula = f"{VERSION} exact"
    else:
        result = surd.surd_hd(target, agents, lag, bins, max_combs)
        formula = f"{VERSION} hd(max_combs={max_combs})"

    def names(combo: tuple[int, ...]) -> list[str]:
        return [agent_names[i - 1] for i in combo]

    def label(combo: tuple[int, ...]) -> str:
        return "+".join(names(combo))

    total = result.total or 1.0
    terms = [  # clipped at 0 and 1: float rounding leaves terms of -1e-17
        SurdTerm(kind=kind, agents=names(combo), bits=max(bits, 0.0), share=min(max(bits / total, 0.0), 1.0))
        for kind, combo, bits in result.terms()
    ]
    samples = len(target) - lag
    step = TraceStep(
        id="surd",
        name=f"{formula}; {CITATION}",
        inputs={"target": target_name, "agents": agent_names, "samples": samples, "lag": lag, "bins": bins},
        output={"mutual_info_bits": result.total, "info_leak": result.info_leak,
                "dominant": f"{terms[0].kind}:{'+'.join(terms[0].agents)}"},
    )
    return SurdResponse(
        target=target_name,
        agents=agent_names,
        samples=samples,
        lag=lag,
        bins=bins,
        max_combs=max_combs,
        redundant={label(c): v for c, v in result.redundant.items()},
        unique={agent_names[i - 1]: v for i, v in result.unique.items()},
        synergistic={label(c): v for c, v in result.synergistic.items()},
        mutual_info={label(c): v for c, v in result.mutual_info.items()},
        info_leak=result.info_leak,
        target_entropy=result.target_entropy,
        terms=terms,
        trace=[step],
    )


def conversation(trajectory: EmotionTrajectory) -> ModuleResult:
    """Which emotion channels of the person's utterances drive the valence of their next utterance: SURD of
    valence(t + lag) on valence(t) and the CONVERSATION_CHANNELS most variable emotion channels at t, on the raw
    readings (not the smoothed series: the RTS smoother has seen the future), in equal-width bins."""
    values = {name: np.asarray(channel.values) for name, channel in trajectory.channels.items()}
    movers = sorted((c for c in values if c not in ("valence", "neutral") and np.ptp(values[c]) > 0),
                    key=lambda c: (-float(np.var(values[c])), c))[:CONVERSATION_CHANNELS]
    names = ["valence", *movers]
    decompositions = []
    try:
        for lag in CONVERSATION_LAGS:
            if lag == 1 or len(values["valence"]) - lag >= CONVERSATION_BINS ** (len(names) + 1):
                decompositions.append(decompose(values["valence"], [values[n] for n in names], target_name="valence",
                                                agent_names=names, lag=lag, bins=CONVERSATION_BINS))
    except surd.SurdInputError as exc:
        return ModuleResult(module="surd", version=VERSION, status="skipped",
                            detail=f"insufficient data for SURD of this conversation: {exc}")
    first = decompositions[0]
    step = TraceStep(id="surd.agents", name="surd.conversation_agents@1",
                     inputs={"variances": {c: float(np.var(values[c])) for c in movers}, "utterances": trajectory.where},
                     output=names)
    return SurdResult(version=VERSION, status="ok", target="valence", redundant=first.redundant, unique=first.unique,
                      synergistic=first.synergistic, info_leak=first.info_leak, decompositions=decompositions,
                      trace=[step, *(t for d in decompositions for t in d.trace)])


def decompose_request(request: SurdRequest) -> SurdResponse:
    return decompose(
        request.target, request.agents, target_name=request.target_name, agent_names=request.names,
        lag=request.lag, bins=request.bins, max_combs=request.max_combs,
    )


@serve.deployment
class Surd:
    async def decompose(self, request: SurdRequest) -> SurdResponse:
        """Off the event loop: a large decomposition must not stall pings and other requests."""
        return await asyncio.to_thread(decompose_request, request)

    async def analyze(self, request: ModuleRequest, trajectory: EmotionTrajectory | None = None) -> ModuleResult:
        """SURD of the conversation's emotion trajectory (from the Emotion module's answer to the same request)."""
        if trajectory is None:
            return ModuleResult(module="surd", version=VERSION, status="skipped",
                                detail="needs the emotion trajectory of the conversation, which did not come")
        return await asyncio.to_thread(conversation, trajectory)

    async def ping(self) -> bool:
        return True
