"""The SURD Ray job on the session's local cluster: targets x lags as parallel tasks, same numbers as serial."""

import json
from pathlib import Path

import numpy as np
import pytest

from actors.surd import response
from cluster.jobs.surd import main
from cluster.runtime import Runtime
from redheart_models.surd_analyses import decompose

pytestmark = pytest.mark.integration


def write_mediator(path: Path, n: int = 20_100) -> np.ndarray:
    rng = np.random.default_rng(7)
    q, w = np.zeros((3, n)), rng.normal(size=(3, n))
    for i in range(n - 1):
        q[:, i + 1] = np.sin(q[1, i]) + 0.001 * w[0, i], np.cos(q[2, i]) + 0.01 * w[1, i], 0.5 * q[2, i] + 0.1 * w[2, i]
    q = q[:, 100:]  # without the start-up transient, whose outliers would stretch the bins
    np.savetxt(path, q.T, delimiter=",", header="q1,q2,q3", comments="")
    return q


def test_targets_times_lags_in_parallel(runtime: Runtime, tmp_path: Path) -> None:
    q = write_mediator(tmp_path / "series.csv")
    out = tmp_path / "surd.json"
    argv = ["--data", str(tmp_path / "series.csv"), "--targets", "q1,q3", "--lags", "1,2", "--bins", "10",
            "--task-cpus", "0.1", "--out", str(out)]
    assert main(argv) == 0
    results = json.loads(out.read_text())
    assert [(r["target"], r["lag"]) for r in results] == [("q1", 1), ("q1", 2), ("q3", 1), ("q3", 2)]
    first = results[0]
    assert (first["terms"][0]["kind"], first["terms"][0]["agents"]) == ("unique", ["q2"])
    serial = decompose(q[0], q, target_name="q1", agent_names=["q1", "q2", "q3"], lag=1, bins=10)
    assert first == response(serial).model_dump(mode="json")


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        ("a,b\n1,2\n3,x\n", ["--targets", "a"], "series.csv:3"),
        ("a,b\n1,2\n3,4\n", ["--targets", "c"], "unknown series ['c']"),
        ("a,b\n" + "".join(f"{i},1\n" for i in range(50)), ["--targets", "a", "--bins", "2"], "agents.1: is constant"),
    ],
)
def test_bad_input_exits_2(runtime: Runtime, tmp_path: Path, capsys, content: str, argv: list[str], message: str):
    (tmp_path / "series.csv").write_text(content)
    assert main(["--data", str(tmp_path / "series.csv"), "--out", str(tmp_path / "o.json"), *argv]) == 2
    assert message in capsys.readouterr().err
