"""Smoke training runs with Ray Train on the session's local cluster (2 CPU workers, a checkpoint, a report): a
head on cached embeddings, the emotion mixture of experts, and an `hf` encoder fine-tuned end to end."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from cluster.jobs.train import main
from cluster.runtime import Runtime
from redheart_models.release import load_released
from redheart_models.training.loop import load_model, read_metadata
from redheart_models.training.publish import release

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the module: the second run embeds nothing."""
    return tmp_path_factory.mktemp("embeddings")


def train(tmp_path: Path, data_dir: Path, cache_dir: Path, *extra: str, task: str = "valence") -> dict:
    argv = [task, "--data-dir", str(data_dir), "--out", str(tmp_path / "runs"), "--name", "smoke",
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
    family, head = load_model(Path(report["checkpoint"]))
    assert family == "head" and head.config.kind == "regression" and head.config.in_dim == 384
    assert read_metadata(Path(report["checkpoint"]))["train"]["lr"] == 1e-3
    for name in report["plots"]:
        assert (tmp_path / "runs" / "smoke" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(report["plots"]) == {"loss.png", "scatter.png"}


def test_a_crash_resumes_from_the_next_epoch(runtime: Runtime, data_dir: Path, tmp_path: Path, cache_dir) -> None:
    report = train(tmp_path, data_dir, cache_dir, "--epochs", "3", "--fail-at-epoch", "0")
    assert report["final"]["resumed_from"] == 1
    assert report["final"]["epoch"] == 2
    assert np.isfinite(report["best"]["dev_loss"])


def test_the_mixture_of_experts_trains_on_both_label_sets(runtime: Runtime, data_dir: Path, tmp_path: Path,
                                                         cache_dir) -> None:
    report = train(tmp_path, data_dir, cache_dir, "--epochs", "2", "--hidden", "32", task="emotion")
    assert report["family"] == "moe" and report["rows"] == {"train": 400, "dev": 100}
    assert report["history"][-1]["train_loss"] < report["history"][0]["train_loss"]
    assert {"goemotions.macro_f1", "kote.macro_f1", "goemotions.ekman_macro_f1"} <= set(report["best"])
    assert len(report["thresholds"]["goemotions"]) == 28 and len(report["thresholds"]["kote"]) == 44
    experts = report["experts"]
    assert len(experts) == 4 and sum(e["load"] for e in experts) == pytest.approx(1.0, abs=1e-5)
    assert {"goemotions_per_label_f1.png", "kote_reliability.png"} <= set(report["plots"])
    path = release(Path(report["checkpoint"]), report, "emotion-smoke", "test", out_dir=tmp_path / "weights")
    released = load_released(path, report["encoder"])
    assert released.family == "moe" and set(released.thresholds) == {"goemotions", "kote"}


def test_an_hf_encoder_fine_tunes_end_to_end(runtime: Runtime, data_dir: Path, tmp_path: Path, tiny_model_dir,
                                             cache_dir) -> None:
    """The same command as `--finetune minilm --use-gpu` on a cluster, on a tiny random BERT and CPU workers."""
    report = train(tmp_path, data_dir, cache_dir, "--finetune", str(tiny_model_dir), "--epochs", "3", "--lr", "3e-3",
                   "--limit", "256", "--hidden", "32", task="goemotions")
    assert report["family"] == "finetune" and report["encoder"].startswith(f"hf-{tiny_model_dir.name}@")
    assert report["history"][-1]["train_loss"] < report["history"][0]["train_loss"], "the loss falls"
    family, model = load_model(Path(report["checkpoint"]))
    assert family == "finetune"
    assert read_metadata(Path(report["checkpoint"]))["model"]["encoder"] == str(tiny_model_dir)
    path = release(Path(report["checkpoint"]), report, "tuned", "test", out_dir=tmp_path / "weights")
    released = load_released(path, None)  # 4-bit deltas on disk, float32 again in memory
    texts = ["I am so happy for you!", "This is awful."]
    with torch.no_grad():
        np.testing.assert_allclose(released.model(texts)[0].numpy(), model.eval()(texts)[0].numpy(), atol=0.05)
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["quantisation"].startswith("4-bit")
    assert card["dev_metrics"]["dev_loss"] == pytest.approx(card["dev_metrics_float32"]["dev_loss"], abs=0.05)


def test_a_pairwise_task_fine_tunes_with_its_own_head_rate(runtime: Runtime, data_dir: Path, tmp_path: Path,
                                                          tiny_model_dir, cache_dir) -> None:
    """ETHICS utilitarianism pairs through the encoder (both scenarios of a pair), the head at its own rate."""
    report = train(tmp_path, data_dir, cache_dir, "--finetune", str(tiny_model_dir), "--epochs", "3", "--lr", "1e-4",
                   "--head-lr", "3e-3", "--limit", "128", "--hidden", "32", "--max-length", "32", task="ethics-util")
    assert report["family"] == "finetune" and report["rows"] == {"train": 128, "dev": 32}
    assert report["history"][-1]["train_loss"] < report["history"][0]["train_loss"], "the loss falls"
    assert 0 <= report["best"]["pairwise_accuracy"] <= 1
    metadata = read_metadata(Path(report["checkpoint"]))
    assert metadata["train"]["head_lr"] == 3e-3 and metadata["model"]["max_length"] == 32
