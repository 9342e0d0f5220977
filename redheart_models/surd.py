"""SURD: synergistic, unique and redundant causality, with the information leak.

Martinez-Sanchez, Arranz & Lozano-Duran, "Decomposing causality into its synergistic, unique, and redundant
components", Nature Communications 15:9296 (2024); reference implementation Computational-Turbulence-Group/SURD.

The mutual information I(T; A) between a target's future state T and agents A = (A1..An) is split into
redundant terms I_R (one per set of >= 2 agents), unique terms I_U (one per agent) and synergistic terms I_S
(one per set of >= 2 agents), all >= 0 and summing to I(T; A). What no agent explains is the information leak
H(T | A) / H(T). Logs are base 2 (bits). Numerics follow the reference: 1e-14 is added to every histogram cell
before normalising, and log2 of 0, NaN or inf counts as 0.

Ties. Specific informations are rounded to 1e-12 bits (so float noise never breaks a tie) and ordered with a
stable sort, starting from the canonical order of agent sets
(by size, then lexicographically); the second ordering, after the exclusion step, is stable too. So when a set
and one of its subsets carry exactly the same information, the subset comes first and the information is
attributed to redundancy/uniqueness, not to synergy; among tied sets of one size the lexicographically first
takes the increment. For up to 4 agents this is the order NumPy's default sort gives the reference
implementation. Only exact ties among agent sets of equal size make the result depend on how agents are
numbered; ties among single agents never do (the later ones add zero).
"""

from dataclasses import dataclass
from itertools import combinations

import numpy as np

EPS = 1e-14
TIE_DECIMALS = 12  # specific informations are compared to 1e-12 bits
MAX_AGENTS = 8  # 2**8 - 1 agent sets; beyond that use `surd_hd` with `max_combs`
MAX_HD_AGENTS = 16  # redundancy is still reported for every agent set: 2**16
MAX_CELLS = 2**24  # cells of one joint histogram (128 MiB of float64)

Combo = tuple[int, ...]


class SurdInputError(ValueError):
    """Input SURD cannot decompose honestly: `field` names the input, the message the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)  # both in args, so the error survives pickling across Ray
        self.field = field
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


@dataclass(frozen=True)
class SurdResult:
    """A SURD decomposition in bits. Agent indices are 1-based (axis i of the histogram is agent i)."""

    redundant: dict[Combo, float]
    unique: dict[int, float]
    synergistic: dict[Combo, float]
    mutual_info: dict[Combo, float]
    info_leak: float
    target_entropy: float
    max_combs: int | None = None  # set by `surd_hd`: only agent sets up to this size were examined

    @property
    def total(self) -> float:
        """Sum of all terms: I(T; A) for the exact decomposition."""
        return sum(self.redundant.values()) + sum(self.unique.values()) + sum(self.synergistic.values())

    def terms(self) -> list[tuple[str, Combo, float]]:
        """Every term as (kind, agent set, bits), largest first."""
        terms = [("unique", (agent,), bits) for agent, bits in self.unique.items()]
        terms += [("redundant", combo, bits) for combo, bits in self.redundant.items()]
        terms += [("synergistic", combo, bits) for combo, bits in self.synergistic.items()]
        return sorted(terms, key=lambda term: -term[2])


def _log2(x: np.ndarray) -> np.ndarray:
    """log2 with 0, NaN and inf mapped to 0, as in the reference."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log2(x)
    out[~np.isfinite(out)] = 0.0
    return out


def _entropy(p: np.ndarray) -> float:
    return float(-(p * _log2(p)).sum())


def _smooth(counts: np.ndarray) -> np.ndarray:
    """A normalised copy with EPS added to every cell (never modifies the caller's array)."""
    p = np.asarray(counts, dtype=np.float64) + EPS
    return p / p.sum()


def _specific_info(p_ta: np.ndarray, p_a: np.ndarray, p_t: np.ndarray, combo: tuple[int, ...]) -> np.ndarray:
    """Specific mutual information per target state: sum_a p(a|t) [log2 p(t|a) - log2 p(t)]."""
    return ((p_ta / p_t) * (_log2(p_ta / p_a) - _log2(p_t))).sum(axis=combo).ravel()


def specific_information(p: np.ndarray) -> dict[Combo, np.ndarray]:
    """Specific mutual information I(T=t; A_s) of every non-empty agent set s, in canonical order.

    The marginals are summed straight from the smoothed joint, as in the reference, so equal informations tie
    bit for bit as they do there.
    """
    return _specific_of_smoothed(_smooth(_check_histogram(p)))


def _specific_of_smoothed(p: np.ndarray) -> dict[Combo, np.ndarray]:
    agent_axes = tuple(range(1, p.ndim))
    p_t = p.sum(axis=agent_axes, keepdims=True)  # p(t), shape [Nt, 1, ..., 1]
    specific = {}
    for size in range(1, p.ndim):
        for combo in combinations(agent_axes, size):
            rest = tuple(a for a in agent_axes if a not in combo)
            p_ta = p.sum(axis=rest, keepdims=True)  # p(t, a_s)
            p_a = p.sum(axis=(0, *rest), keepdims=True)  # p(a_s)
            specific[combo] = _specific_info(p_ta, p_a, p_t, combo)
    return specific


def _mutual_info(specific: dict[Combo, np.ndarray], p_t: np.ndarray) -> dict[Combo, float]:
    """I(T; A_s) = sum_t p(t) I(T=t; A_s)."""
    return {combo: float((values * p_t.ravel()).sum()) for combo, values in specific.items()}


def _assign(specific: dict[Combo, np.ndarray], p_t: np.ndarray, n_agents: int) -> tuple[dict, dict]:
    """The per-target-state ordering, exclusion and increment assignment of the paper."""
    combos = list(specific)  # canonical order: by size, then lexicographic
    sizes = np.array([len(c) for c in combos])
    redundant: dict[Combo, float] = {c: 0.0 for k in range(1, n_agents + 1) for c in combinations(range(1, n_agents + 1), k)}
    synergistic: dict[Combo, float] = {c: 0.0 for c in combos if len(c) > 1}
    # informations equal to 1e-12 bits are ties: sums over different axes round differently (float noise of
    # ~1e-16 would otherwise order a set before its equal subset and call the subset's information synergy)
    table = np.round(np.stack([specific[c] for c in combos]), TIE_DECIMALS)  # [n_combos, n_target_states]
    for t, weight in enumerate(p_t.ravel()):
        # 1. order the specific informations of all agent sets, ascending
        order = np.argsort(table[:, t], kind="stable")
        values = table[order, t].copy()
        ordered_sizes = sizes[order]
        # 2. exclusion: a set of size l+1 below the best set of size l adds nothing new
        for size in range(1, ordered_sizes.max()):
            best = values[ordered_sizes == size].max()
            values[(ordered_sizes == size + 1) & (values < best)] = 0.0
        # 3. reorder and take increments from 0
        reorder = np.argsort(values, kind="stable")
        increments = np.diff(values[reorder], prepend=0.0) * weight
        # 4. a singleton's increment is redundancy of the agents still in play (unique when one is left);
        #    that agent then drops out. A larger set's increment is its synergy.
        remaining = list(range(1, n_agents + 1))
        for increment, index in zip(increments, order[reorder]):
            combo = combos[index]
            if len(combo) == 1:
                redundant[tuple(remaining)] += float(increment)
                remaining.remove(combo[0])
            else:
                synergistic[combo] += float(increment)
    return redundant, synergistic


def _result(
    redundant: dict, synergistic: dict, mutual_info: dict, info_leak: float, h_t: float, max_combs: int | None = None
) -> SurdResult:
    """Split the redundancy dict into unique (single agents) and redundant (sets) terms."""
    return SurdResult(
        redundant={c: v for c, v in redundant.items() if len(c) > 1},
        unique={c[0]: v for c, v in redundant.items() if len(c) == 1},
        synergistic=synergistic,
        mutual_info=mutual_info,
        info_leak=info_leak,
        target_entropy=h_t,
        max_combs=max_combs,
    )


def _check_histogram(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim < 2:
        raise SurdInputError("p", f"needs a target axis and at least one agent axis; got {p.ndim} axis")
    if p.ndim - 1 > MAX_AGENTS:
        raise SurdInputError("p", f"{p.ndim - 1} agents exceed the limit of {MAX_AGENTS}; use surd_hd with max_combs")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise SurdInputError("p", "has negative, NaN or infinite cells")
    if p.sum() <= 0:
        raise SurdInputError("p", "is empty (sums to 0)")
    if p.shape[0] < 2 or np.count_nonzero(p.sum(axis=tuple(range(1, p.ndim)))) < 2:
        raise SurdInputError("p", "the target takes a single state: there is no information to decompose")
    return p


def surd(p: np.ndarray) -> SurdResult:
    """Decompose I(T; A) for a joint histogram or distribution `p`: axis 0 is T, axes 1..n are the agents.

    `p` may hold counts; it is copied, smoothed with EPS and normalised, never modified.
    """
    p = _smooth(_check_histogram(p))
    specific = _specific_of_smoothed(p)
    n_agents = p.ndim - 1
    p_t = p.sum(axis=tuple(range(1, p.ndim)), keepdims=True)
    h_t = _entropy(p_t)
    h_t_given_a = _entropy(p) - _entropy(p.sum(axis=0))  # H(T|A) = H(T, A) - H(A)
    redundant, synergistic = _assign(specific, p_t, n_agents)
    return _result(redundant, synergistic, _mutual_info(specific, p_t), h_t_given_a / h_t, h_t)


def check_series(target, agents, lag: int, bins: int, max_combs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate series for SURD and return them as arrays; `SurdInputError.field` names the culprit."""
    target = np.asarray(target, dtype=np.float64)
    agents = np.atleast_2d(np.asarray(agents, dtype=np.float64))
    n_agents = agents.shape[0]
    if target.ndim != 1 or agents.ndim != 2:
        raise SurdInputError("target", f"must be one series; got shape {target.shape}")
    limit = MAX_AGENTS if max_combs is None else MAX_HD_AGENTS
    if n_agents > limit:
        hint = "; use max_combs" if max_combs is None else ""
        raise SurdInputError("agents", f"{n_agents} agents exceed the limit of {limit}{hint}")
    if agents.shape[1] != target.shape[0]:
        raise SurdInputError("agents", f"series differ in length: target has {target.shape[0]}, agents {agents.shape[1]}")
    if not isinstance(bins, int | np.integer) or bins < 2:
        raise SurdInputError("bins", f"must be an integer >= 2; got {bins!r}")
    if not isinstance(lag, int | np.integer) or not 0 <= lag < target.shape[0]:
        raise SurdInputError("lag", f"must be an integer in [0, {target.shape[0] - 1}]; got {lag!r}")
    if max_combs is not None and (not isinstance(max_combs, int | np.integer) or not 1 <= max_combs <= n_agents):
        raise SurdInputError("max_combs", f"must be an integer in [1, {n_agents}]; got {max_combs!r}")
    for field, series in [("target", target), *((f"agents.{i}", a) for i, a in enumerate(agents))]:
        if not np.all(np.isfinite(series)):
            raise SurdInputError(field, "contains NaN or infinite values")
        if np.ptp(series) == 0:
            raise SurdInputError(field, "is constant: it carries no information")
    largest = n_agents if max_combs is None else max_combs
    samples, cells = target.shape[0] - lag, bins ** (largest + 1)
    if cells > MAX_CELLS:
        raise SurdInputError("bins", f"{cells} histogram cells exceed the limit of {MAX_CELLS}; use fewer bins or max_combs")
    if samples < cells:
        raise SurdInputError(
            "target",
            f"too few samples for the bins: {samples} samples after lag {lag} for {cells} histogram cells "
            f"({bins} bins, {largest} agents + target); use fewer bins or agents, or more data",
        )
    if np.ptp(_discretise(target, bins)[lag:]) == 0:
        raise SurdInputError("target", f"every sample after lag {lag} falls into one of {bins} bins (an outlier?)")
    return target, agents


def _discretise(series: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bins over [min, max] (as numpy.histogram with an integer `bins`): indices 0..bins-1."""
    low, high = series.min(), series.max()
    return np.minimum(((series - low) / (high - low) * bins).astype(np.int64), bins - 1)


def _histogram(states: np.ndarray, bins: int) -> np.ndarray:
    """Joint counts of the rows of `states` (each row already discretised to 0..bins-1)."""
    shape = (bins,) * states.shape[0]
    return np.bincount(np.ravel_multi_index(tuple(states), shape), minlength=bins ** states.shape[0]).reshape(shape)


def _lagged_states(target: np.ndarray, agents: np.ndarray, lag: int, bins: int) -> np.ndarray:
    """Rows: the binned target at t + lag, then each binned agent at t (lag 0: samples taken together)."""
    future = _discretise(target, bins)[lag:]
    present = np.stack([_discretise(a, bins)[:len(a) - lag] for a in agents])
    return np.vstack([future, present])


def surd_from_series(target, agents, lag: int = 1, bins: int = 8) -> SurdResult:
    """SURD of `target(t + lag)` on `agents(t)`: agents is [n_agents, n_samples]; each series binned on its range.

    Include the target's own past as an agent when its self-causality matters. Lag 0 decomposes records observed
    together (no time order), e.g. stored analyses.
    """
    target, agents = check_series(target, agents, lag, bins)
    return surd(_histogram(_lagged_states(target, agents, lag, bins), bins))


def surd_hd(target, agents, lag: int = 1, bins: int = 8, max_combs: int = 2) -> SurdResult:
    """The paper's high-dimensional variant: only agent sets of size <= `max_combs` are examined.

    Each set gets its own histogram of (T, set), so memory grows as bins**(max_combs + 1), not bins**(n + 1).
    Synergy among more than `max_combs` agents is not resolved; `info_leak` is then 1 - max examined MI / H(T),
    an upper bound of the true leak.
    """
    target, agents = check_series(target, agents, lag, bins, max_combs)
    n_agents = agents.shape[0]
    states = _lagged_states(target, agents, lag, bins)
    p_t = _smooth(np.bincount(states[0], minlength=bins)).reshape((bins,) + (1,) * n_agents)
    h_t = _entropy(p_t)
    specific = {}
    for size in range(1, max_combs + 1):
        for combo in combinations(range(1, n_agents + 1), size):
            shape = [1] * (n_agents + 1)
            shape[0] = bins
            for axis in combo:
                shape[axis] = bins
            p_ta = _smooth(_histogram(states[(0, *combo),], bins)).reshape(shape)
            specific[combo] = _specific_info(p_ta, p_ta.sum(axis=0, keepdims=True), p_t, combo)
    mutual_info = _mutual_info(specific, p_t)
    redundant, synergistic = _assign(specific, p_t, n_agents)
    info_leak = 1.0 - max(mutual_info.values()) / h_t
    return _result(redundant, synergistic, mutual_info, info_leak, h_t, max_combs)
