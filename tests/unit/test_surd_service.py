"""The SURD service's request limits and its named, traced response (no Ray: the pure function)."""

import numpy as np
import pytest
from pydantic import ValidationError

from actors.messages import ChannelTrajectory, EmotionTrajectory, SurdRequest, describe_errors
from actors.surd import conversation, decompose_request


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


def test_a_short_conversation_is_insufficient_data_not_a_number() -> None:
    result = conversation(trajectory(10))
    assert result.status == "skipped"
    assert "insufficient data" in result.detail and "too few samples" in result.detail
