"""Fixtures shared by all test kinds; `runtime` and `service` start one local Ray cluster per session."""

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from actors.settings import Settings
from cluster.runtime import Runtime
from cluster.serving import deploy
from tests.tiny_bert import save_tiny_bert

READY_TIMEOUT_S = 180
ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--data-dir", default=str(ROOT.parent / "shared" / "data"), help="the shared datasets")


@pytest.fixture(scope="session")
def data_dir(request: pytest.FixtureRequest) -> Path:
    path = Path(request.config.getoption("--data-dir"))
    if not path.is_dir():
        pytest.skip(f"no datasets at {path} (pass --data-dir)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain `text` (e.g. a data directory)."""
    out = subprocess.run(["pgrep", "-af", text], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


def wait_ready(url: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"service at {url} not ready within {timeout_s} s")


def short_tempdir(prefix: str) -> Path:
    """A data directory under /tmp: unix socket paths must stay under ~100 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_tempdir("rh-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings(home=home)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT saved like a hub model (tests/tiny_bert.py)."""
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def runtime() -> Iterator[Runtime]:
    home = short_tempdir("rh-it-")
    runtime = Runtime(Settings(home=home, ray_num_cpus=2)).start()
    yield runtime
    runtime.shutdown()
    leftovers = processes_mentioning(str(home))
    shutil.rmtree(home, ignore_errors=True)
    assert not leftovers, f"processes left behind: {leftovers}"


# Deadlines are about speed, and tests do not assert speed (benchmarks measure it): the test service gives every
# module time to answer on a loaded 2-core machine, so what a test asserts is what the modules compute.
PATIENT = {"Crisis": {"classifier_timeout_s": 30.0},
           "VerificationCoordinator": {"module_timeouts_s": {"crisis": 40.0, "emotion": 40.0, "ethics": 40.0,
                                                             "surd": 60.0}}}


@pytest.fixture(scope="session")
def service(runtime: Runtime) -> str:
    """Base URL of the Red Heart app deployed from ray_config.yaml (with PATIENT deadlines), once it is ready."""
    url = deploy(runtime, port=free_port(), user_config=PATIENT)
    wait_ready(url)
    return url
