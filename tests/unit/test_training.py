"""The training pieces without Ray: head losses, the epoch and evaluation functions, checkpoints, metrics."""

import math

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from redheart_models.families import build, dev_metrics
from redheart_models.head import Head, HeadConfig
from redheart_models.metrics import binary, multilabel, pairwise, regression
from redheart_models.training.loop import (
    TrainConfig,
    load_model,
    lr_range_test,
    parameter_groups,
    restore_checkpoint,
    save_checkpoint,
    train_epoch,
    warmup_cosine,
)


def toy(kind: str, n: int = 256, d: int = 16):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d)).astype(np.float32)
    if kind == "pairwise":
        x = rng.normal(size=(n, 2, d)).astype(np.float32)
        x[:, 0, 0] += 2.0  # the better item is the one with a larger first feature
        return x, np.ones(n, dtype=np.float32), HeadConfig(d, 1, kind, hidden=16)
    if kind == "multilabel":
        y = np.stack([x[:, 0] > 0, x[:, 1] > 0.5], axis=1).astype(np.float32)
        return x, y, HeadConfig(d, 2, kind, hidden=16)
    return x, (x[:, 0] + 0.1 * x[:, 1]).astype(np.float32), HeadConfig(d, 1, "regression", hidden=16)


@pytest.mark.parametrize("kind", ["multilabel", "regression", "pairwise"])
def test_a_few_epochs_learn_the_toy_task(kind: str, tmp_path) -> None:
    x, y, config = toy(kind)
    torch.manual_seed(0)
    head = Head(config)
    train_config = TrainConfig(data_path="unused", model=config.to_dict(), batch_size=32, lr=1e-2)
    optimiser = torch.optim.AdamW(head.parameters(), lr=train_config.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, warmup_cosine(20 * 8, 0.05))
    before = dev_metrics("head", head, x, y)["dev_loss"]
    losses = [train_epoch(head, optimiser, scheduler, x, y, train_config, epoch) for epoch in range(20)]
    after = dev_metrics("head", head, x, y)
    assert losses[-1] < losses[0] and after["dev_loss"] < before
    headline = {"multilabel": "macro_f1", "regression": "pearson", "pairwise": "pairwise_accuracy"}[kind]
    assert after[headline] > 0.8


def test_checkpoint_round_trip_restores_model_optimiser_and_schedule(tmp_path) -> None:
    x, y, config = toy("multilabel")
    head = Head(config)
    train_config = TrainConfig(data_path="unused", model=config.to_dict(), batch_size=64)
    optimiser = torch.optim.AdamW(head.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, warmup_cosine(100, 0.1))
    train_epoch(head, optimiser, scheduler, x, y, train_config, 0)
    path = tmp_path / "checkpoint.safetensors"
    save_checkpoint(path, head, optimiser, scheduler, train_config, {"epoch": 0, "history": []})

    clone = Head(config)
    clone_optimiser = torch.optim.AdamW(clone.parameters(), lr=1e-3)
    clone_scheduler = torch.optim.lr_scheduler.LambdaLR(clone_optimiser, warmup_cosine(100, 0.1))
    state = restore_checkpoint(path, clone, clone_optimiser, clone_scheduler)
    assert state["epoch"] == 0 and clone_scheduler.last_epoch == scheduler.last_epoch
    for a, b in zip(head.state_dict().values(), clone.state_dict().values()):
        assert torch.equal(a, b)
    moments = optimiser.state_dict()["state"][0]["exp_avg"]
    assert torch.equal(clone_optimiser.state_dict()["state"][0]["exp_avg"], moments)
    family, loaded = load_model(path)
    assert family == "head" and loaded.config == config


def test_loading_refuses_mismatched_weights(tmp_path) -> None:
    x, y, config = toy("regression")
    head = Head(config)
    path = tmp_path / "checkpoint.safetensors"
    optimiser = torch.optim.AdamW(head.parameters())
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, warmup_cosine(10, 0.1))
    save_checkpoint(path, head, optimiser, scheduler, TrainConfig("unused", config.to_dict()), {})
    tensors = load_file(str(path))
    tensors["model.extra.weight"] = torch.zeros(1)
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        load_model(path)


def test_a_head_rate_gives_the_head_its_own_parameter_group() -> None:
    class Tuned(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)

    model = Tuned()
    one = parameter_groups(model, TrainConfig(data_path="x", model={}, lr=1e-4))
    assert len(one) == 1 and len(one[0]["params"]) == 4
    encoder, head = parameter_groups(model, TrainConfig(data_path="x", model={}, lr=1e-4, head_lr=1e-2))
    assert {id(p) for p in encoder["params"]} == {id(p) for p in model.encoder.parameters()}
    assert head["lr"] == 1e-2 and {id(p) for p in head["params"]} == {id(p) for p in model.head.parameters()}


def test_warmup_then_cosine() -> None:
    factor = warmup_cosine(100, 0.1)
    assert factor(0) == pytest.approx(0.1) and factor(9) == pytest.approx(1.0)
    assert factor(55) == pytest.approx(0.5) and factor(100) == pytest.approx(0.0)
    assert all(factor(s) >= factor(s + 1) for s in range(10, 100))


def test_metrics_report_their_trivial_baselines() -> None:
    y = np.array([[1, 0], [0, 0], [1, 1], [0, 0]], dtype=np.float32)
    perfect = multilabel(y, y)
    assert perfect["macro_f1"] == 1.0 and perfect["baseline_macro_f1"] == pytest.approx((2 / 3 + 2 / 5) / 2)
    assert pairwise(np.array([[1.0, 0.0], [0.0, 1.0]]))["pairwise_accuracy"] == 0.5
    scores = regression(np.array([0.1, 0.5, 0.9]), np.array([0.2, 0.4, 1.0]))
    assert scores["pearson"] > 0.9 and math.isclose(scores["baseline_mae"], 0.8 / 3)


def test_binary_metrics_count_rare_positives_with_f1_and_auroc() -> None:
    y = np.array([0, 0, 1, 1, 0, 1], dtype=np.float32)
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.9])
    pairs = [(p > n) + 0.5 * (p == n) for p in scores[y == 1] for n in scores[y == 0]]
    m = binary(y, scores)
    assert m["auroc"] == pytest.approx(np.mean(pairs)) and m["baseline_auroc"] == 0.5
    assert m["f1"] == pytest.approx(0.8) and m["baseline_f1"] == pytest.approx(2 * 3 / (3 + 6))
    assert binary(np.zeros(3, dtype=np.float32), np.array([0.2, 0.7, 0.1]))["auroc"] == 0.5


def test_lr_range_test_suggests_a_rate_where_the_loss_falls() -> None:
    x, y, config = toy("regression", n=512)
    lrs, losses, suggested = lr_range_test("head", config.to_dict(), x, y, steps=80, batch_size=64)
    assert len(lrs) == len(losses) and np.all(np.diff(lrs) > 0)
    assert 1e-5 < suggested < 1.0
    before = losses[np.searchsorted(lrs, suggested) - 5]
    after = losses[min(np.searchsorted(lrs, suggested) + 5, len(losses) - 1)]
    assert after < before, "the loss falls around the suggested rate"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("multilabel", {"loss.png", "per_label_f1.png", "confusion.png", "reliability.png"}),
        ("regression", {"loss.png", "scatter.png"}),
        ("pairwise", {"loss.png", "margins.png"}),
    ],
)
def test_run_plots_are_written_as_png(tmp_path, kind: str, expected: set[str]) -> None:
    from redheart_models.training.plots import plot_run

    x, y, config = toy(kind)
    with torch.no_grad():
        output = Head(config)(torch.from_numpy(x))[0].numpy()
    history = [{"epoch": e, "train_loss": 1 / (e + 1), "dev_loss": 1.2 / (e + 1)} for e in range(3)]
    written = plot_run(history, kind, ["a", "b"], y, output, tmp_path)
    assert {p.name for p in written} == expected
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in written)


def test_an_ensemble_learns_and_its_members_spread() -> None:
    x, y, config = toy("pairwise")
    torch.manual_seed(0)
    model = build("ensemble", {"head": config.to_dict(), "members": 3})
    train_config = TrainConfig(data_path="unused", model=model.config.to_dict(), family="ensemble", batch_size=32,
                               lr=1e-2)
    optimiser = torch.optim.AdamW(model.parameters(), lr=train_config.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, warmup_cosine(10 * 8, 0.05))
    for epoch in range(10):
        train_epoch(model, optimiser, scheduler, x, y, train_config, epoch)
    assert dev_metrics("ensemble", model, x, y)["pairwise_accuracy"] > 0.8
    members = model.members(torch.from_numpy(x)).detach()
    assert members.shape == (3, len(x), 2) and members.std(dim=0).mean() > 0, "members differ"
    assert torch.allclose(members.mean(dim=0), model(torch.from_numpy(x))[0].detach(), atol=1e-6)


def test_korean_labels_are_drawn_with_hangul_glyphs(tmp_path) -> None:
    import warnings

    from redheart_models.training.plots import plot_dev

    rng = np.random.default_rng(0)
    y = (rng.random((40, 3)) < 0.4).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = plot_dev("multilabel", ["기쁨", "슬픔", "서러움"], y, rng.normal(size=(40, 3)), tmp_path)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert written and not missing, missing
