"""The service as a user runs it: `redheart serve`, `serve run ray_config.yaml`, and the `redheart` CLI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from actors.messages import AnalysisResult
from actors.settings import Settings
from actors.stores.audit import AuditLog
from actors.stores.connection import connect
from cluster.runtime import Runtime
from tests.conftest import free_port, processes_mentioning, wait_ready

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
TEXT = "I lied to my friend and now I regret it"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "redheart", *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )


def wait_for_line(path: Path, text: str, process: subprocess.Popen, timeout_s: float = 180) -> None:
    """Wait until the process has written `text` to its log (what a user waits for after `make run`)."""
    deadline = time.monotonic() + timeout_s
    while text not in path.read_text():
        assert process.poll() is None, f"exited with {process.returncode}: {path.read_text()[-2000:]}"
        assert time.monotonic() < deadline, f"no {text!r} within {timeout_s} s"
        time.sleep(0.5)


def stop(process: subprocess.Popen, sig: int) -> int:
    process.send_signal(sig)
    return process.wait(timeout=120)


async def find_audit_entry(home: Path, request_id: str) -> dict | None:
    with Runtime(Settings(home=home), with_ray=False) as runtime:
        client = connect(runtime.redis_url)
        try:
            return await AuditLog(client, maxlen=1_000, include_text=False).find(request_id)
        finally:
            await client.aclose()


async def test_acknowledged_analysis_survives_a_redis_crash_and_a_restart(home: Path, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [BIN / "redheart", "serve", "--port", str(port)], env={**os.environ, "REDHEART_HOME": str(home)},
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_line(tmp_path / "serve.log", "Red Heart is ready after", server)
        status = run_cli("status", "--url", f"http://127.0.0.1:{port}", env={})
        assert status.returncode == 0 and json.loads(status.stdout)["ready"] is True
        response = httpx.post(f"http://127.0.0.1:{port}/v1/analyze", json={"text": TEXT}, timeout=60).json()
        assert response["audit_id"]

        os.kill(int((home / "redis" / "redis.pid").read_text()), signal.SIGKILL)
    finally:
        assert stop(server, signal.SIGTERM) == 0
        log.close()
    assert not processes_mentioning(str(home)), "redheart serve left processes behind"

    entry = await find_audit_entry(home, response["request_id"])  # the runtime restarted on the same directory
    assert entry is not None and entry["id"] == response["audit_id"]
    assert entry["result"]["request_id"] == response["request_id"]


def test_cli_analyze_uses_the_running_service(service: str) -> None:
    done = run_cli("analyze", TEXT, "--alternative", "tell the truth", "--alternative", "say nothing",
                   env={"REDHEART_URL": service})
    assert done.returncode == 0, done.stderr
    result = AnalysisResult.model_validate_json(done.stdout)
    assert result.language == "en" and result.audit_id
    assert "locally" not in done.stderr
    status = run_cli("status", env={"REDHEART_URL": service})
    assert status.returncode == 0 and json.loads(status.stdout)["checks"]["redis"] is True


async def test_cli_analyze_runs_locally_when_no_service_answers(home: Path) -> None:
    env = {"REDHEART_URL": f"http://127.0.0.1:{free_port()}", "REDHEART_HOME": str(home)}
    done = run_cli("analyze", "친구에게 거짓말을 해서 후회돼요", env=env)
    assert done.returncode == 0, done.stderr
    assert "running the pipeline locally" in done.stderr
    result = AnalysisResult.model_validate_json(done.stdout)
    assert result.language == "ko"
    assert not processes_mentioning(str(home))
    entry = await find_audit_entry(home, result.request_id)
    assert entry is not None and entry["id"] == result.audit_id


def test_serve_run_ray_config_yaml(home: Path, tmp_path: Path) -> None:
    port = free_port()
    config = yaml.safe_load((ROOT / "ray_config.yaml").read_text())
    config["http_options"]["port"] = port
    (tmp_path / "ray_config.yaml").write_text(yaml.safe_dump(config))
    log = (tmp_path / "serve-run.log").open("w")
    server = subprocess.Popen(
        [BIN / "serve", "run", str(tmp_path / "ray_config.yaml")], cwd=ROOT,
        env={**os.environ, "REDHEART_HOME": str(home)}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        result = httpx.post(f"http://127.0.0.1:{port}/v1/analyze", json={"text": TEXT}, timeout=60).json()
        assert AnalysisResult.model_validate(result).audit_id
        assert (home / "redis" / "appendonly.aof").exists(), "the embedded Redis serves REDHEART_HOME"
    finally:
        stop(server, signal.SIGINT)
        log.close()
    assert not processes_mentioning(str(home)), "serve run left processes behind"
