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

from actors.api import AnalysisResult
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


def stable_fields(result: dict) -> dict:
    """The fields of DESIGN.md's stable list that do not depend on the request id or the clock."""
    emotion, ethics, crisis = result["emotion"], result["ethics"], result["crisis"]
    return {
        "emotion": {k: emotion[k] for k in ("goemotions", "kote", "ekman", "valence", "cultural")},
        "ethics": {"utility": ethics["utility"], "morality": ethics["morality"], "bentham": ethics["bentham"],
                   "regret": ethics["regret"]},
        "crisis": {k: crisis[k] for k in ("tier", "degraded", "evidence", "response")},
        "verification": {"decision": result["verification"]["decision"], "risk": result["verification"]["risk"],
                         "layers": [{k: layer[k] for k in ("name", "evaluated", "passed")}  # the served one may
                                    for layer in result["verification"]["layers"]]},  # remember the input
    }


def assert_close(local, served, where: str = "") -> None:
    """Equal structure and strings; numbers equal within float tolerance (one process vs a cluster)."""
    if isinstance(local, dict):
        assert local.keys() == served.keys(), where
        for key in local:
            assert_close(local[key], served[key], f"{where}.{key}")
    elif isinstance(local, list):
        assert len(local) == len(served), where
        for i, (a, b) in enumerate(zip(local, served)):
            assert_close(a, b, f"{where}[{i}]")
    elif isinstance(local, float):
        assert local == pytest.approx(served, abs=1e-5), where
    else:
        assert local == served, where


@pytest.mark.parametrize("text", [TEXT, "친구에게 거짓말을 해서 후회돼요"], ids=["en", "ko"])
async def test_cli_analyze_without_a_service_gives_the_services_analysis(text: str, service: str, home: Path) -> None:
    env = {"REDHEART_URL": f"http://127.0.0.1:{free_port()}", "REDHEART_HOME": str(home)}
    args = ("analyze", text, "--alternative", "tell the truth", "--alternative", "say nothing")
    done = run_cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    assert "running the pipeline locally" in done.stderr
    local = json.loads(done.stdout)
    served = httpx.post(f"{service}/v1/analyze", json={"text": text, "alternatives": list(args[3::2])},
                        timeout=60).json()
    statuses = {m: local[m]["status"] for m in ("crisis", "emotion", "ethics", "surd")}
    assert statuses == {"crisis": "ok", "emotion": "ok", "ethics": "ok", "surd": "skipped"}, local
    assert not local["crisis"]["degraded"], local["crisis"]["detail"]
    assert statuses == {m: served[m]["status"] for m in statuses}
    assert_close(stable_fields(local), stable_fields(served))
    assert not processes_mentioning(str(home))
    entry = await find_audit_entry(home, local["request_id"])
    assert entry is not None and entry["id"] == local["audit_id"]


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
