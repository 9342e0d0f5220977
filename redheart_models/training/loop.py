"""The training loop: `train_epoch` and `evaluate_head` are plain functions (CPU, no Ray); `train_loop_per_worker`
wires them into Ray Train (DDP, a report and a rank-0 checkpoint every epoch, early stopping, resumption).

Checkpoints are one safetensors file: the unwrapped head's weights (`model.*`), the optimiser's moments
(`optim.*`), and in its metadata the head config, the training config, the epoch, the schedule and the best dev
metric, so a head is rebuilt from the file alone.
"""

import json
import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from redheart_models.training.head import Head, HeadConfig
from redheart_models.training.metrics import evaluate

CHECKPOINT = "checkpoint.safetensors"


@dataclass(frozen=True)
class TrainConfig:
    data_path: str  # .npz with x_train, y_train, x_dev, y_dev
    head: dict  # HeadConfig as a dict
    epochs: int = 30
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05  # of all steps, then cosine decay to 0
    grad_clip: float = 1.0
    patience: int = 4  # epochs without a lower dev loss before stopping
    seed: int = 0
    fail_at_epoch: int | None = None  # fault injection for the resume test: crash once after this epoch


def warmup_cosine(total_steps: int, warmup_fraction: float):
    warmup = max(1, int(total_steps * warmup_fraction))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def train_epoch(model, optimiser, scheduler, x: np.ndarray, y: np.ndarray, config: TrainConfig, epoch: int) -> float:
    """One pass in a seeded random order; returns the mean training loss."""
    model.train()
    order = np.random.default_rng(config.seed + epoch).permutation(len(x))
    losses = []
    for start in range(0, len(order), config.batch_size):
        rows = order[start : start + config.batch_size]
        _, loss = model(torch.from_numpy(x[rows]), torch.from_numpy(y[rows]))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimiser.step()
        scheduler.step()
        losses.append(loss.item())
    return float(np.mean(losses))


@torch.no_grad()
def evaluate_head(head: Head, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    head.eval()
    output, loss = head(torch.from_numpy(x), torch.from_numpy(y))
    return {"dev_loss": float(loss), **evaluate(head.config.kind, y, output.numpy())}


def save_checkpoint(path: Path, head: Head, optimiser, scheduler, config: TrainConfig, state: dict) -> None:
    tensors = {f"model.{k}": v.detach().contiguous() for k, v in head.state_dict().items()}
    optim_state = optimiser.state_dict()
    for index, moments in optim_state["state"].items():
        for name, value in moments.items():
            tensors[f"optim.{index}.{name}"] = torch.as_tensor(value).contiguous()
    metadata = {
        "head": json.dumps(head.config.to_dict()),
        "train": json.dumps(asdict(config)),
        "state": json.dumps(state),
        "param_groups": json.dumps(optim_state["param_groups"]),
        "scheduler": json.dumps(scheduler.state_dict()),
    }
    save_file(tensors, str(path), metadata=metadata)


def read_metadata(path: Path) -> dict:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return {k: json.loads(v) for k, v in handle.metadata().items()}


def load_head(path: Path) -> Head:
    """Rebuild a head from a checkpoint or released file alone; mismatched keys are an error (strict)."""
    metadata = read_metadata(path)
    head = Head(HeadConfig(**metadata["head"]))
    weights = {k.removeprefix("model."): v for k, v in load_file(str(path)).items() if k.startswith("model.")}
    head.load_state_dict(weights, strict=True)
    return head.eval()


def _restore(path: Path, head: Head, optimiser, scheduler) -> dict:
    tensors = load_file(str(path))
    metadata = read_metadata(path)
    head.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)
    moments: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            moments.setdefault(int(index), {})[name] = value
    optimiser.load_state_dict({"state": moments, "param_groups": metadata["param_groups"]})
    scheduler.load_state_dict(metadata["scheduler"])
    return metadata["state"]


def train_loop_per_worker(raw: dict) -> None:
    """One Ray Train worker: its shard of the training rows, the whole dev split, DDP on the head."""
    import ray.train
    import ray.train.torch

    config = TrainConfig(**raw)
    torch.set_num_threads(1)  # workers share the machine's cores
    torch.manual_seed(config.seed)
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    with np.load(config.data_path) as data:
        x_train, y_train = data["x_train"][rank::world], data["y_train"][rank::world]
        x_dev, y_dev = data["x_dev"], data["y_dev"]
    head = Head(HeadConfig(**config.head))
    optimiser = torch.optim.AdamW(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    total_steps = config.epochs * math.ceil(len(x_train) / config.batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, warmup_cosine(total_steps, config.warmup_fraction))
    # Early stopping and the kept checkpoint follow the dev loss: smooth, and defined before any label is
    # predicted above a threshold (thresholded metrics such as macro-F1 sit at 0 for the first epochs).
    state = {"epoch": -1, "best": math.inf, "best_epoch": -1, "bad_epochs": 0, "resumed_from": None, "history": []}
    checkpoint = ray.train.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as directory:
            state = _restore(Path(directory) / CHECKPOINT, head, optimiser, scheduler)
        state["resumed_from"] = state["epoch"] + 1
    model = ray.train.torch.prepare_model(head)
    for epoch in range(state["epoch"] + 1, config.epochs):
        train_loss = train_epoch(model, optimiser, scheduler, x_train, y_train, config, epoch)
        dev = evaluate_head(head, x_dev, y_dev)
        improved = dev["dev_loss"] < state["best"]
        state.update(epoch=epoch, bad_epochs=0 if improved else state["bad_epochs"] + 1)
        if improved:
            state.update(best=dev["dev_loss"], best_epoch=epoch)
        metrics = {"epoch": epoch, "train_loss": train_loss, **dev, "best_dev_loss": state["best"],
                   "best_epoch": state["best_epoch"], "resumed_from": state["resumed_from"]}
        state["history"].append(metrics)  # kept in the checkpoint: Ray keeps only the best checkpoints' metrics
        with tempfile.TemporaryDirectory() as directory:
            if rank == 0:
                save_checkpoint(Path(directory) / CHECKPOINT, head, optimiser, scheduler, config, state)
                ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(directory))
            else:
                ray.train.report(metrics)
        if config.fail_at_epoch == epoch and state["resumed_from"] is None:
            raise RuntimeError(f"injected failure after epoch {epoch}")
        if state["bad_epochs"] >= config.patience:
            break


def lr_range_test(
    config: HeadConfig, x: np.ndarray, y: np.ndarray, lr_min: float = 1e-6, lr_max: float = 1.0, steps: int = 100,
    batch_size: int = 256, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Smith's LR range test (2017): raise the LR exponentially over `steps` mini-batches, record the smoothed
    loss, stop when it diverges. Suggests the LR where the smoothed loss falls fastest."""
    torch.manual_seed(seed)
    head = Head(config)
    head.train()
    optimiser = torch.optim.AdamW(head.parameters(), lr=lr_min)
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))
    rng = np.random.default_rng(seed)
    smoothed, losses = 0.0, []
    for step, lr in enumerate(lrs):
        for group in optimiser.param_groups:
            group["lr"] = lr
        rows = rng.choice(len(x), size=min(batch_size, len(x)), replace=False)
        _, loss = head(torch.from_numpy(x[rows]), torch.from_numpy(y[rows]))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        smoothed = 0.9 * smoothed + 0.1 * loss.item()
        losses.append(smoothed / (1 - 0.9 ** (step + 1)))  # bias-corrected exponential average
        if step > 10 and losses[-1] > 4 * min(losses):
            break
    losses = np.asarray(losses)
    lrs = lrs[: len(losses)]
    # steepest descent between the noisy first tenth and the minimum; a tenth of the minimum's LR as a fallback
    start, end = len(losses) // 10, int(np.argmin(losses))
    if end - start < 3:
        return lrs, losses, float(lrs[end] / 10)
    slopes = np.gradient(losses, np.log(lrs))
    return lrs, losses, float(lrs[start + int(np.argmin(slopes[start:end]))])
