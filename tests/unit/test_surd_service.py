"""The SURD service's request limits and its named, traced response (no Ray: the pure function)."""

import numpy as np
import pytest
from pydantic import ValidationError

from actors.messages import SurdRequest, describe_errors
from actors.surd import decompose_request


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
