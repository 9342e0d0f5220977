"""The training steps, without Ray: `train_epoch` (bf16 autocast on a GPU), the schedule, checkpoints and resuming
from them; `cluster/jobs/train_loop.py` wires them into Ray Train (DDP, a report and a rank-0 checkpoint every
epoch, early stopping).

Checkpoints are one safetensors file: the unwrapped model's weights (`model.*`), the optimiser's moments
(`optim.*`), and in its metadata the model family and config, the training config, the epoch, the schedule and
the best dev metric, so a model is rebuilt from the file alone.
"""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from redheart_models.families import Family, as_input, build

CHECKPOINT = "checkpoint.safetensors"


@dataclass(frozen=True)
class TrainConfig:
    data_path: str  # .npz with x_train, y_train, x_dev, y_dev (x: embeddings, or texts for `finetune`)
    model: dict  # the family's config as a dict
    family: Family = "head"
    epochs: int = 30
    batch_size: int = 256
    lr: float = 1e-3
    head_lr: float | None = None  # fine-tuning: the head's own rate (the encoder keeps `lr`); None: one rate
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05  # of all steps, then cosine decay to 0
    grad_clip: float = 1.0
    patience: int = 4  # epochs without a lower dev loss before stopping
    seed: int = 0
    mixed_precision: bool = True  # bf16 autocast where the worker has a GPU; CPU runs stay float32
    fail_at_epoch: int | None = None  # fault injection for the resume test: crash once after this epoch


def parameter_groups(module: torch.nn.Module, config: TrainConfig) -> list[dict]:
    """One group at `lr`; with `head_lr`, a fine-tuned model's head learns at its own rate (a fresh head needs a
    rate that would wreck the pretrained encoder)."""
    if config.head_lr is None or not hasattr(module, "head"):
        return [{"params": list(module.parameters())}]
    head = {id(p) for p in module.head.parameters()}
    return [{"params": [p for p in module.parameters() if id(p) not in head]},
            {"params": list(module.head.parameters()), "lr": config.head_lr}]


def warmup_cosine(total_steps: int, warmup_fraction: float):
    warmup = max(1, int(total_steps * warmup_fraction))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def train_epoch(model, optimiser, scheduler, x: np.ndarray, y: np.ndarray, config: TrainConfig, epoch: int,
                device: torch.device | None = None) -> float:
    """One pass in a seeded random order; returns the mean training loss."""
    device = device or torch.device("cpu")
    model.train()
    order = np.random.default_rng(config.seed + epoch).permutation(len(x))
    losses = []
    autocast = config.mixed_precision and device.type == "cuda"
    for start in range(0, len(order), config.batch_size):
        rows = order[start : start + config.batch_size]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            _, loss = model(as_input(x[rows], device), torch.from_numpy(y[rows]).to(device))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimiser.step()
        scheduler.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def save_checkpoint(path: Path, model: torch.nn.Module, optimiser, scheduler, config: TrainConfig, state: dict) -> None:
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    optim_state = optimiser.state_dict()
    for index, moments in optim_state["state"].items():
        for name, value in moments.items():
            tensors[f"optim.{index}.{name}"] = torch.as_tensor(value).cpu().contiguous()
    metadata = {
        "family": json.dumps(config.family),
        "model": json.dumps(model.config.to_dict()),
        "train": json.dumps(asdict(config)),
        "state": json.dumps(state),
        "param_groups": json.dumps(optim_state["param_groups"]),
        "scheduler": json.dumps(scheduler.state_dict()),
    }
    save_file(tensors, str(path), metadata=metadata)


def read_metadata(path: Path) -> dict:
    with safe_open(str(path), framework="pt") as handle:
        return {k: json.loads(v) for k, v in handle.metadata().items()}


def load_model(path: Path) -> tuple[Family, torch.nn.Module]:
    """Rebuild a model from a checkpoint alone; mismatched keys are an error (strict)."""
    metadata = read_metadata(path)
    model = build(metadata["family"], metadata["model"])
    weights = {k.removeprefix("model."): v for k, v in load_file(str(path)).items() if k.startswith("model.")}
    model.load_state_dict(weights, strict=True)
    return metadata["family"], model.eval()


def restore_checkpoint(path: Path, model: torch.nn.Module, optimiser, scheduler) -> dict:
    tensors = load_file(str(path))
    metadata = read_metadata(path)
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)
    moments: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            moments.setdefault(int(index), {})[name] = value
    optimiser.load_state_dict({"state": moments, "param_groups": metadata["param_groups"]})
    scheduler.load_state_dict(metadata["scheduler"])
    return metadata["state"]


def lr_range_test(
    family: Family, config: dict, x: np.ndarray, y: np.ndarray, lr_min: float = 1e-6, lr_max: float = 1.0,
    steps: int = 100, batch_size: int = 256, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Smith's LR range test (2017): raise the LR exponentially over `steps` mini-batches, record the smoothed
    loss, stop when it diverges. Suggests the LR where the smoothed loss falls fastest."""
    torch.manual_seed(seed)
    model = build(family, config)
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr_min)
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))
    rng = np.random.default_rng(seed)
    smoothed, losses = 0.0, []
    for step, lr in enumerate(lrs):
        for group in optimiser.param_groups:
            group["lr"] = lr
        rows = rng.choice(len(x), size=min(batch_size, len(x)), replace=False)
        _, loss = model(as_input(x[rows], torch.device("cpu")), torch.from_numpy(y[rows]))
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
