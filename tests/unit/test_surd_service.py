"""The SURD service's request limits and its named, traced response (no Ray: the pure function)."""

import numpy as np
import pytest
from pydantic import ValidationError

from actors.messages import ChannelTrajectory, EmotionTrajectory
from actors.requests import SurdRequest
from actors.surd import conversation, decompose_request, experience
from redheart_models.surd_analyses import EXPERIENCE_MIN
from services.errors import describe_errors


def xor_series(n: int = 4_001, seed: int = 0) -> tuple[list[float], list[list[float]]]:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    target = np.r_[0, a[:-1] ^ b[:-1]]  # target(t + 1) = a(t) xor b(t)
    return target.astype(float).tolist(), [a.astype(float).tolist(), b.astype(float).tolist()]


def test_named_terms_and_trace() -> None:
    target, agents = xor_series()
    response = decompose_request(SurdRequest(target=target, agents=agents, agent_names=["joy", "anger"], bins=2))
    top = response.terms[0]
    assert (top.kind, top.agents) == ("synergistic", ["joy", "anger"])
    assert top.bits == pytest.approx(1.0, abs=0.01) and top.share == pytest.approx(1.0, abs=0.01)
    assert response.synergistic["joy+anger"] == pytest.approx(1.0, abs=0.01)
    assert set(response.unique) == {"joy", "anger"} and response.samples == 4_000
    (step,) = response.trace
    assert step.name.startswith("surd@1 exact") and "Nat. Commun. 15:9296" in step.name
    assert step.inputs["samples"] == 4_000 and step.output["dominant"] == "synergistic:joy+anger"


def test_max_combs_uses_the_high_dimensional_variant() -> None:
    target, agents = xor_series()
    response = decompose_request(SurdRequest(target=target, agents=agents, bins=2, max_combs=1))
    assert response.synergistic == {} and response.max_combs == 1
    assert response.info_leak == pytest.approx(1.0, abs=0.01)  # no single agent says anything about XOR
    assert response.trace[0].name.startswith("surd@1 hd(max_combs=1)")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target": [1, 2, 3, 4], "agents": [[1, 2, 3]]}, "agents"),
        ({"target": [1, 2, float("nan")], "agents": [[1, 2, 3]]}, "target.2"),
        ({"target": [1, 2, 3], "agents": [[1, 2, 3]] * 17}, "agents"),
        ({"target": [1, 2, 3], "agents": [[1, 2, 3]], "bins": 33}, "bins"),
        ({"target": [1, 2, 3], "agents": [[1, 2, 3]], "lag": 0}, "lag"),
        ({"target": [1, 2, 3], "agents": [[1, 2, 3]], "agent_names": ["a", "b"]}, "agent_names"),
        ({"target": [1, 2, 3], "agents": [[1, 2, 3], [3, 2, 1]], "agent_names": ["a", "a"]}, "agent_names"),
        ({"target": [1, 2, 3], "agents": [[1, 2, 3]], "agent_names": ["a+b"]}, "agent_names.0"),
    ],
)
def test_request_limits_name_the_field(payload: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SurdRequest.model_validate(payload)
    assert describe_errors(info.value.errors())[0]["field"] == field


def trajectory(n: int, seed: int = 0) -> EmotionTrajectory:
    """A conversation whose valence follows the sadness of the utterance before it (and nothing else)."""
    rng = np.random.default_rng(seed)
    channels = {c: rng.random(n) * 0.2 for c in ("anger", "disgust", "fear", "joy", "surprise", "neutral",
                                                 "jeong", "han", "chemyeon")}
    channels["sadness"] = rng.integers(0, 2, n) * 0.8 + rng.random(n) * 0.1
    channels["joy"] = rng.random(n) * 0.6  # the most variable of the rest: an agent that drives nothing
    channels["valence"] = np.r_[0.0, 0.5 - channels["sadness"][:-1]]
    return EmotionTrajectory(
        utterances=n, where=[f"history.{i}" for i in range(n - 1)] + ["text"], timed=False,
        channels={c: ChannelTrajectory(values=v.tolist(), smoothed=v.tolist(), trend=0.0, volatility=0.0,
                                       change_points=[], dominant_period=None) for c, v in channels.items()},
    )


def test_a_conversation_is_decomposed_on_valence_and_its_most_variable_channels() -> None:
    result = conversation(trajectory(40))
    assert result.status == "ok" and result.target == "valence"
    assert result.trace[0].output == ["valence", "sadness", "joy"], "valence's past and the two most variable"
    assert [d.lag for d in result.decompositions] == [1, 2]
    assert max(result.unique, key=result.unique.get) == "sadness"
    assert result.unique["sadness"] > 0.5 and result.unique["joy"] < 0.1
    assert result.redundant == result.decompositions[0].redundant


def test_crisis_risk_is_decomposed_over_the_aligned_tail_of_the_conversation() -> None:
    convo = trajectory(40)
    sadness = np.asarray(convo.channels["sadness"].values)
    risk = np.r_[0.05, 0.1 + 0.8 * sadness[:-1]][-20:]  # the classifier's last 20 texts: risk follows sadness
    result = conversation(convo, risk.tolist())
    decomposed = [d for d in result.decompositions if d.target == "crisis_risk"]
    assert [d.lag for d in decomposed] == [1, 2] and decomposed[0].samples == 19
    assert decomposed[0].agents == ["crisis_risk", "sadness", "joy"]
    assert max(decomposed[0].unique, key=decomposed[0].unique.get) == "sadness"
    flat = conversation(convo, [0.01] * 20)
    assert [d.target for d in flat.decompositions] == ["valence", "valence"]
    assert flat.notes[0].startswith("crisis_risk: insufficient data") and "constant" in flat.notes[0]


def test_a_short_conversation_is_insufficient_data_not_a_number() -> None:
    result = conversation(trajectory(10))
    assert result.status == "skipped"
    assert "insufficient data" in result.detail and "too few samples" in result.detail


def records(n: int, seed: int = 0) -> list[dict]:
    """Stored analyses whose verdict follows intensity, with `duration` constant (the default of every text)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        dims = {d: float(rng.random()) for d in ("intensity", "certainty", "propinquity", "fecundity", "purity",
                                                 "extent", "external_cost", "redistribution", "self_damage")}
        out.append({"request_id": f"r{i}", "dimensions": dims | {"duration": 0.25},
                    "score": 2 * dims["intensity"] - 1 + 0.05 * rng.random()})
    return out


def test_the_experience_memory_tells_which_dimensions_drive_the_verdict() -> None:
    result = experience(records(400), {}, "verdict")
    assert result.status == "ok" and result.samples == 400 and result.dropped == ["duration"]
    d = result.decomposition
    assert d.max_combs == 2 and d.lag == 0 and "duration" not in d.agents
    assert max(d.unique, key=d.unique.get) == "intensity" and d.unique["intensity"] > 0.5


def test_the_experience_memory_needs_enough_analyses_and_outcomes() -> None:
    few = experience(records(EXPERIENCE_MIN - 1), {}, "verdict")
    assert few.status == "insufficient_data" and few.decomposition is None
    assert few.detail == f"insufficient data (n = {EXPERIENCE_MIN - 1} < {EXPERIENCE_MIN} stored analyses)"
    felt = {f"r{i}": 0.5 for i in range(10)}
    regret = experience(records(400), felt, "regret")
    assert regret.samples == 10 and "with a reported outcome" in regret.detail
