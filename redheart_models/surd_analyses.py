"""What Red Heart decomposes with SURD (surd.py): a user's series, a conversation's emotion trajectory and crisis
risk, and the analyses of the experience memory. Pure: the Surd deployment turns these into messages."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from redheart_models import surd
from redheart_models.ethics.bentham import DIMENSIONS
from redheart_models.trace import Step

VERSION = "surd@1"
CONVERSATION_CHANNELS = 2  # the most variable emotion channels, besides valence's own past: 3 agents
CONVERSATION_BINS = 2  # 2**4 = 16 histogram cells: at least 17 utterances of the person (trajectories hold 40)
CONVERSATION_LAGS = (1, 2)
CITATION = "Martinez-Sanchez, Arranz & Lozano-Duran, Nat. Commun. 15:9296 (2024)"
EXPERIENCE_MIN = 100  # stored analyses before a decomposition across them is reported
EXPERIENCE_BINS = 2
EXPERIENCE_MAX_COMBS = 2  # ten dimensions: pairs at most (the high-dimensional variant), 2**3 cells per histogram


@dataclass(frozen=True)
class Conversation:
    """SURD of a conversation; `skipped` says why there is none."""

    decompositions: list[dict] = field(default_factory=list)  # each as `decompose` returns it
    notes: list[str] = field(default_factory=list)
    agents_step: Step | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class Experience:
    target: str
    samples: int
    required: int
    status: str
    detail: str | None = None
    dropped: list[str] = field(default_factory=list)
    decomposition: dict | None = None


def decompose(target: Sequence[float], agents: Sequence[Sequence[float]], *, target_name: str,
              agent_names: list[str], lag: int, bins: int, max_combs: int | None = None) -> dict:
    """Run SURD (exact, or the high-dimensional variant with `max_combs`) and name its terms: sets of agents by
    their names joined with "+", the terms largest first, in bits (the fields of the SurdResponse message)."""
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
        {"kind": kind, "agents": names(combo), "bits": max(bits, 0.0), "share": min(max(bits / total, 0.0), 1.0)}
        for kind, combo, bits in result.terms()
    ]
    samples = len(target) - lag
    step = Step(id="surd", name=f"{formula}; {CITATION}",
                inputs={"target": target_name, "agents": agent_names, "samples": samples, "lag": lag, "bins": bins},
                output={"mutual_info_bits": result.total, "info_leak": result.info_leak,
                        "dominant": f"{terms[0]['kind']}:{'+'.join(terms[0]['agents'])}"})
    return {
        "target": target_name, "agents": agent_names, "samples": samples, "lag": lag, "bins": bins,
        "max_combs": max_combs,
        "redundant": {label(c): v for c, v in result.redundant.items()},
        "unique": {agent_names[i - 1]: v for i, v in result.unique.items()},
        "synergistic": {label(c): v for c, v in result.synergistic.items()},
        "mutual_info": {label(c): v for c, v in result.mutual_info.items()},
        "info_leak": result.info_leak, "target_entropy": result.target_entropy, "terms": terms, "trace": [vars(step)],
    }


def _lagged(target: np.ndarray, agents: dict[str, np.ndarray], target_name: str) -> list[dict]:
    """Decompositions of target(t + lag) for each lag the samples allow (lag 1 always; it fails loudly if short)."""
    out = []
    for lag in CONVERSATION_LAGS:
        if lag == 1 or len(target) - lag >= CONVERSATION_BINS ** (len(agents) + 1):
            out.append(decompose(target, list(agents.values()), target_name=target_name, agent_names=list(agents),
                                 lag=lag, bins=CONVERSATION_BINS))
    return out


def conversation(channels: Mapping[str, Sequence[float]], where: list[str],
                 risk: Sequence[float] | None = None) -> Conversation:
    """Which emotion channels of the person's utterances drive the valence of their next utterance, and their next
    crisis risk: SURD of target(t + lag) on the target's own value and the CONVERSATION_CHANNELS most variable
    emotion channels at t, on the raw readings (not the smoothed series: the RTS smoother has seen the future), in
    equal-width bins. `channels`: each channel's reading per utterance, oldest first (`where` names them); `risk`:
    the crisis classifier's series over the person's last texts (the message last), aligned with the tail."""
    values = {name: np.asarray(series) for name, series in channels.items()}
    movers = sorted((c for c in values if c not in ("valence", "neutral") and np.ptp(values[c]) > 0),
                    key=lambda c: (-float(np.var(values[c])), c))[:CONVERSATION_CHANNELS]
    names = ["valence", *movers]
    try:
        decompositions = _lagged(values["valence"], {n: values[n] for n in names}, "valence")
    except surd.SurdInputError as exc:
        return Conversation(skipped=f"insufficient data for SURD of this conversation: {exc}")
    notes = []
    if risk:
        n = min(len(risk), len(values["valence"]))
        agents = {"crisis_risk": np.asarray(risk[-n:])} | {m: values[m][-n:] for m in movers}
        try:
            decompositions += _lagged(agents["crisis_risk"], agents, "crisis_risk")
        except surd.SurdInputError as exc:
            notes.append(f"crisis_risk: insufficient data over the last {n} utterances: {exc}")
    else:
        notes.append("crisis_risk: no risk series (the crisis classifier did not answer)")
    step = Step(id="surd.agents", name="surd.conversation_agents@1",
                inputs={"variances": {c: float(np.var(values[c])) for c in movers}, "utterances": where},
                output=names)
    return Conversation(decompositions, notes, step)


def experience(records: list[dict], felt: dict[str, float], target: str) -> Experience:
    """SURD across stored analyses (lag 0: records observed together): the verdict U_B, or the regret people
    reported afterwards, on the ten Bentham dimensions; pairs of dimensions at most, 2 bins each."""
    rows = records if target == "verdict" else [r for r in records if r["request_id"] in felt]
    common = {"target": target, "samples": len(rows), "required": EXPERIENCE_MIN}
    if len(rows) < EXPERIENCE_MIN:
        what = "stored analyses" if target == "verdict" else "stored analyses with a reported outcome"
        return Experience(**common, status="insufficient_data",
                          detail=f"insufficient data (n = {len(rows)} < {EXPERIENCE_MIN} {what})")
    y = [r["score"] for r in rows] if target == "verdict" else [felt[r["request_id"]] for r in rows]
    dimensions = {d: np.array([r["dimensions"][d] for r in rows]) for d in DIMENSIONS}
    varying = {d: v for d, v in dimensions.items() if np.ptp(v) > 0}
    dropped = sorted(set(dimensions) - set(varying))
    try:
        result = decompose(y, list(varying.values()), target_name=target, agent_names=list(varying), lag=0,
                           bins=EXPERIENCE_BINS, max_combs=min(EXPERIENCE_MAX_COMBS, len(varying)))
    except surd.SurdInputError as exc:
        return Experience(**common, status="insufficient_data", dropped=dropped,
                          detail=f"insufficient data: {exc.field}: {exc}")
    return Experience(**common, status="ok", dropped=dropped, decomposition=result)
