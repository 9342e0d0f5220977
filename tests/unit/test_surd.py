"""SURD against exact cases, the paper's canonical systems, invariants, and bad input."""

from itertools import combinations, product

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from redheart_models.surd import MAX_AGENTS, SurdInputError, specific_information, surd, surd_from_series, surd_hd


def gate(function) -> np.ndarray:
    """p(t, a1, a2) for uniform independent binary inputs and t = function(a1, a2)."""
    p = np.zeros((2, 2, 2))
    for a1, a2 in product((0, 1), repeat=2):
        p[function(a1, a2), a1, a2] += 0.25
    return p


@pytest.mark.parametrize("function", [lambda a, b: a & b, lambda a, b: a | b], ids=["AND", "OR"])
def test_and_or(function) -> None:
    result = surd(gate(function))
    assert result.redundant[(1, 2)] == pytest.approx(0.3113, abs=1e-4)
    assert result.synergistic[(1, 2)] == pytest.approx(0.5, abs=1e-4)
    assert result.unique == pytest.approx({1: 0.0, 2: 0.0}, abs=1e-4)
    assert result.info_leak == pytest.approx(0.0, abs=1e-4)


def test_xor_is_pure_synergy() -> None:
    result = surd(gate(lambda a, b: a ^ b))
    assert result.synergistic[(1, 2)] == pytest.approx(1.0, abs=1e-4)
    assert result.redundant[(1, 2)] + sum(result.unique.values()) == pytest.approx(0.0, abs=1e-4)


def test_copy_is_unique() -> None:
    result = surd(gate(lambda a, b: a))
    assert result.unique == pytest.approx({1: 1.0, 2: 0.0}, abs=1e-4)
    assert result.redundant[(1, 2)] + result.synergistic[(1, 2)] == pytest.approx(0.0, abs=1e-4)


def test_duplicated_agent_is_redundant() -> None:
    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[1, 1, 1] = 0.5
    result = surd(p)
    assert result.redundant[(1, 2)] == pytest.approx(1.0, abs=1e-4)
    assert sum(result.unique.values()) + result.synergistic[(1, 2)] == pytest.approx(0.0, abs=1e-4)


def test_counts_are_accepted_and_never_modified() -> None:
    counts = gate(lambda a, b: a & b) * 400
    before = counts.copy()
    assert surd(counts).redundant[(1, 2)] == pytest.approx(0.3113, abs=1e-4)
    np.testing.assert_array_equal(counts, before)


# --- the paper's canonical systems (lag 1), simulated from its equations -----------------------------------


def simulate(step, n: int = 100_000, seed: int = 10) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, w = np.zeros((3, n)), rng.normal(size=(3, n))
    for i in range(n - 1):
        q[:, i + 1] = step(q[:, i], w[:, i])
    return q


def redundant_collider(q, w):
    q2 = 0.5 * q[1] + 0.1 * w[1]
    return 0.3 * q[0] + np.sin(q[1] * q[2]) + 0.001 * w[0], q2, q2  # q3 duplicates q2


SYSTEMS = {
    "mediator": lambda q, w: (np.sin(q[1]) + 0.001 * w[0], np.cos(q[2]) + 0.01 * w[1], 0.5 * q[2] + 0.1 * w[2]),
    "confounder": lambda q, w: (
        np.sin(q[0] + q[2]) + 0.01 * w[0], np.cos(q[1] - q[2]) + 0.01 * w[1], 0.5 * q[2] + 0.1 * w[2]
    ),
    "synergistic_collider": lambda q, w: (
        np.sin(q[1] * q[2]) + 0.001 * w[0], 0.5 * q[1] + 0.1 * w[1], 0.5 * q[2] + 0.1 * w[2]
    ),
    "redundant_collider": redundant_collider,
}


def dominant(result) -> str:
    terms = {f"U{k}": v for k, v in result.unique.items()}
    terms |= {"R" + "".join(map(str, k)): v for k, v in result.redundant.items()}
    terms |= {"S" + "".join(map(str, k)): v for k, v in result.synergistic.items()}
    return max(terms, key=terms.get)


@pytest.mark.parametrize(
    ("system", "target", "expected"),
    [
        ("mediator", 0, "U2"),  # q1 <- q2 <- q3: q1's information comes from its direct parent
        ("mediator", 1, "U3"),
        ("confounder", 2, "U3"),  # the confounder drives itself
        ("synergistic_collider", 0, "S23"),
        ("redundant_collider", 0, "R23"),
    ],
)
def test_canonical_systems(system: str, target: int, expected: str) -> None:
    q = simulate(lambda a, b: np.array(SYSTEMS[system](a, b)))
    result = surd_from_series(q[target], q, lag=1, bins=12)  # the paper resolves the states finely too
    assert dominant(result) == expected
    assert 0.0 < result.info_leak < 1.0


def test_confounder_links_both_effects_to_the_cause() -> None:
    q = simulate(lambda a, b: np.array(SYSTEMS["confounder"](a, b)))
    result = surd_from_series(q[1], q, lag=1, bins=12)
    from_q3 = result.unique[3] + result.synergistic[(2, 3)]
    assert from_q3 > 0.8 * result.total
    assert result.unique[1] < 0.05 * result.total  # q1 shares the cause, not a causal link


# --- invariants ---------------------------------------------------------------------------------------------

cells = st.one_of(st.just(0.0), st.floats(1e-3, 1.0))  # empty cells, and masses a histogram can resolve
histograms = st.integers(1, 3).flatmap(
    lambda n: arrays(np.float64, st.tuples(*[st.integers(2, 4)] * (n + 1)), elements=cells)
).filter(lambda p: np.count_nonzero(p.sum(axis=tuple(range(1, p.ndim)))) >= 2)


def without_ties(p: np.ndarray) -> bool:
    """No two agent sets of one size carry the same specific information (see the tie rule in surd.py)."""
    specific = specific_information(p)
    for size in range(2, p.ndim):
        values = np.sort(np.stack([v for c, v in specific.items() if len(c) == size]), axis=0)
        if np.any(np.diff(values, axis=0) < 1e-9):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(histograms)
def test_terms_are_non_negative_and_sum_to_the_mutual_information(p: np.ndarray) -> None:
    result = surd(p)
    terms = [*result.redundant.values(), *result.unique.values(), *result.synergistic.values()]
    assert min(terms) >= -1e-12
    everyone = tuple(range(1, p.ndim))
    assert result.total == pytest.approx(result.mutual_info[everyone], abs=1e-9)
    assert result.info_leak == pytest.approx(1 - result.mutual_info[everyone] / result.target_entropy, abs=1e-9)
    assert -1e-12 <= result.info_leak <= 1 + 1e-12


@settings(max_examples=100, deadline=None)
@given(histograms.filter(lambda p: p.ndim >= 3 and without_ties(p)), st.randoms())
def test_permuting_agents_permutes_the_result(p: np.ndarray, random) -> None:
    n = p.ndim - 1
    perm = list(range(1, n + 1))
    random.shuffle(perm)  # new agent j is old agent perm[j-1]
    permuted = surd(np.transpose(p, (0, *perm)))
    original = surd(p)

    def old(combo):
        return tuple(sorted(perm[j - 1] for j in combo))

    for j in range(1, n + 1):
        assert permuted.unique[j] == pytest.approx(original.unique[perm[j - 1]], abs=1e-9)
    for combo, value in permuted.synergistic.items():
        assert value == pytest.approx(original.synergistic[old(combo)], abs=1e-9)
    for combo, value in permuted.redundant.items():
        assert value == pytest.approx(original.redundant[old(combo)], abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(histograms.filter(lambda p: p.ndim <= 3), arrays(np.float64, st.integers(2, 4), elements=st.floats(0.01, 1)))
@example(np.r_[np.zeros(4), np.ones(20)].reshape(2, 3, 4), np.full(3, 0.01))  # float-noise ties (found in CI)
def test_an_independent_agent_adds_nothing(p: np.ndarray, noise: np.ndarray) -> None:
    with_noise = surd(p[..., None] * noise / noise.sum())
    alone = surd(p)
    new = p.ndim  # index of the added agent
    assert with_noise.unique[new] == pytest.approx(0.0, abs=1e-9)
    assert sum(v for c, v in with_noise.redundant.items() if new in c) == pytest.approx(0.0, abs=1e-9)
    assert sum(v for c, v in with_noise.synergistic.items() if new in c) == pytest.approx(0.0, abs=1e-9)
    assert with_noise.total == pytest.approx(alone.total, abs=1e-7)  # entropies of near-degenerate p differ by float noise


def test_independent_noise_series_adds_only_sampling_error() -> None:
    rng = np.random.default_rng(1)
    driver = rng.normal(size=50_001)
    target = np.roll(driver, 1) + 0.3 * rng.normal(size=driver.size)
    result = surd_from_series(target, [driver, rng.normal(size=driver.size)], lag=1, bins=6)
    assert result.unique[1] > 0.5
    assert result.unique[2] + result.redundant[(1, 2)] < 0.01  # bits


# --- the high-dimensional variant ---------------------------------------------------------------------------


def test_hd_with_all_sets_equals_the_exact_decomposition() -> None:
    q = simulate(lambda a, b: np.array(SYSTEMS["synergistic_collider"](a, b)), n=20_000)
    exact, hd = surd_from_series(q[0], q, bins=6), surd_hd(q[0], q, bins=6, max_combs=3)
    for field in ("unique", "redundant", "synergistic", "mutual_info"):
        assert getattr(hd, field) == pytest.approx(getattr(exact, field), abs=1e-9)
    assert hd.info_leak == pytest.approx(exact.info_leak, abs=1e-9)


def test_hd_caps_the_sets_examined() -> None:
    q = simulate(lambda a, b: np.array(SYSTEMS["synergistic_collider"](a, b)), n=20_000)
    exact, capped = surd_from_series(q[0], q, bins=6), surd_hd(q[0], q, bins=6, max_combs=1)
    assert capped.synergistic == {} and set(capped.mutual_info) == {(1,), (2,), (3,)}
    assert capped.info_leak >= exact.info_leak - 1e-12  # an upper bound when synergy is not resolved
    assert capped.max_combs == 1


# --- bad input ----------------------------------------------------------------------------------------------

SERIES = np.sin(np.arange(1_000) / 7.0)


def test_lag_0_decomposes_records_observed_together() -> None:
    rng = np.random.default_rng(3)
    a, noise = rng.integers(0, 2, 4000).astype(float), rng.integers(0, 2, 4000).astype(float)
    result = surd_from_series(a, [a, noise], lag=0, bins=2)
    assert result.unique[1] == pytest.approx(1.0, abs=1e-3) and result.unique[2] < 1e-3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: surd_from_series(SERIES, [SERIES[:-1]]), "differ in length"),
        (lambda: surd_from_series(np.r_[SERIES[:-1], np.nan], [SERIES]), "target: contains NaN"),
        (lambda: surd_from_series(SERIES, [np.r_[SERIES[:-1], np.inf]]), "agents.0: contains NaN or infinite"),
        (lambda: surd_from_series(SERIES, [SERIES, np.ones_like(SERIES)]), "agents.1: is constant"),
        (lambda: surd_from_series(SERIES[:50], [SERIES[:50]], bins=8), "too few samples"),
        (lambda: surd_from_series(np.r_[1e6, SERIES[1:]], [SERIES], bins=4), "falls into one of 4 bins"),
        (lambda: surd_from_series(SERIES, [SERIES] * (MAX_AGENTS + 1), bins=2), "agents: 9 agents exceed the limit"),
        (lambda: surd_from_series(SERIES, [SERIES] * 8, bins=8), "bins: 134217728 histogram cells exceed"),
        (lambda: surd_from_series(SERIES, [SERIES], bins=1), "bins: must be"),
        (lambda: surd_from_series(SERIES, [SERIES], lag=-1), "lag: must be"),
        (lambda: surd_hd(SERIES, [SERIES], max_combs=2), "max_combs: must be"),
        (lambda: surd(np.array([0.5, 0.5])), "at least one agent axis"),
        (lambda: surd(-gate(lambda a, b: a)), "negative"),
        (lambda: surd(np.zeros((2, 2))), "empty"),
        (lambda: surd(np.array([[1.0, 1.0], [0.0, 0.0]])), "single state"),
    ],
)
def test_bad_input_is_a_clear_error(call, message: str) -> None:
    with pytest.raises(SurdInputError, match=message):
        call()


def test_all_agent_sets_are_reported() -> None:
    result = surd(np.random.default_rng(0).random((3, 2, 2, 2)))
    sets = [c for k in (2, 3) for c in combinations((1, 2, 3), k)]
    assert list(result.redundant) == sets and list(result.synergistic) == sets
    assert list(result.unique) == [1, 2, 3]
