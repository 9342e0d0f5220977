"""A smoke training run with Ray Train on the session's local cluster: 2 CPU workers, a checkpoint, a report."""

import json
from pathlib import Path

import numpy as np
import pytest

from cluster.jobs.train import main
from cluster.runtime import Runtime
from redheart_models.training.loop import load_head, read_metadata

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the module: the second run embeds nothing."""
    return tmp_path_factory.mktemp("embeddings")


def train(tmp_path: Path, data_dir: Path, cache_dir: Path, *extra: str) -> dict:
    argv = ["valence", "--data-dir", str(data_dir), "--out", str(tmp_path / "runs"), "--name", "smoke",
            "--cache-dir", str(cache_dir), "--workers", "2", "--cpus-per-worker", "0.2", "--limit", "400",
            "--batch-size", "32", *extra]
    assert main(argv) == 0
    return json.loads((tmp_path / "runs" / "smoke" / "report.json").read_text())


def test_two_workers_train_checkpoint_and_report(runtime: Runtime, data_dir: Path, tmp_path: Path, cache_dir) -> None:
    report = train(tmp_path, data_dir, cache_dir, "--epochs", "4")
    history = report["history"]
    assert [row["epoch"] for row in history] == [0, 1, 2, 3]
    assert history[-1]["train_loss"] < history[0]["train_loss"], "the loss falls"
    assert report["rows"] == {"train": 400, "dev": 100}
    assert report["files"]["vader/nytEditorialSnippets_GroundTruth.txt"].startswith("7d8fbcce")
    assert report["best"]["pearson"] > report["best"]["baseline_pearson"]
    head = load_head(Path(report["checkpoint"]))
    assert head.config.kind == "regression" and head.config.in_dim == 384
    assert read_metadata(Path(report["checkpoint"]))["train"]["lr"] == 1e-3
    for name in report["plots"]:
        assert (tmp_path / "runs" / "smoke" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(report["plots"]) == {"loss.png", "scatter.png"}


def test_a_crash_resumes_from_the_next_epoch(runtime: Runtime, data_dir: Path, tmp_path: Path, cache_dir) -> None:
    report = train(tmp_path, data_dir, cache_dir, "--epochs", "3", "--fail-at-epoch", "0")
    assert report["final"]["resumed_from"] == 1
    assert report["final"]["epoch"] == 2
    assert np.isfinite(report["best"]["dev_loss"])
