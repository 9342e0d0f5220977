"""`ray job submit -- python -m cluster.jobs.train ...` on a dashboard-enabled cluster, as on a real cluster."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, processes_mentioning, short_tempdir

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def head_node():
    """A one-node cluster of its own (own ports and temp dir, so nothing else on the machine is touched)."""
    temp = short_tempdir("rh-job-")
    dashboard = free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}  # the job CLI and the cluster must agree (see notes)
    # every port of its own: the test session's cluster already holds Ray's defaults (the job agent's 52365)
    ports = {"port": free_port(), "dashboard-port": dashboard, "dashboard-agent-listen-port": free_port(),
             "dashboard-agent-grpc-port": free_port(), "ray-client-server-port": free_port(),
             "metrics-export-port": free_port(), "runtime-env-agent-port": free_port()}
    subprocess.run([BIN / "ray", "start", "--head", "--num-cpus=2", "--include-dashboard=true",
                    "--dashboard-host=127.0.0.1", f"--temp-dir={temp}", "--disable-usage-stats",
                    *(f"--{name}={number}" for name, number in ports.items())],
                   check=True, env=env, capture_output=True, timeout=120)
    try:
        yield f"http://127.0.0.1:{dashboard}", env
    finally:
        for line in processes_mentioning(str(temp)):
            os.kill(int(line.split()[0]), 9)
        shutil.rmtree(temp, ignore_errors=True)


def test_a_training_job_submitted_to_a_cluster_trains_and_reports(head_node, data_dir: Path, tmp_path: Path) -> None:
    address, env = head_node
    out = tmp_path / "runs"
    command = [BIN / "ray", "job", "submit", f"--address={address}", f"--working-dir={ROOT}", "--",
               sys.executable, "-m", "cluster.jobs.train", "valence", "--data-dir", str(data_dir.resolve()),
               "--out", str(out), "--name", "job", "--cache-dir", "/tmp/redheart-test-cache", "--limit", "200",
               "--epochs", "2", "--workers", "2", "--cpus-per-worker", "0.5", "--batch-size", "32"]
    deadline = time.monotonic() + 60  # the dashboard's job agent registers a few seconds after `ray start` returns
    while True:
        finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
        if "No available agent" not in finished.stderr or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "succeeded" in finished.stdout
    report = json.loads((out / "job" / "report.json").read_text())
    assert report["rows"] == {"train": 200, "dev": 50} and len(report["history"]) == 2
