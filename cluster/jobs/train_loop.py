"""The Ray Train worker loop: the plain steps of redheart_models/training/loop.py wired to Ray Train (sharding by
rank, the worker's device, DDP, a rank-0 checkpoint and a report every epoch, resumption after a failure)."""

import math
import tempfile
from pathlib import Path

import numpy as np
import ray.train
import ray.train.torch
import torch

from redheart_models.families import build, dev_metrics
from redheart_models.training.loop import (
    CHECKPOINT,
    TrainConfig,
    parameter_groups,
    restore_checkpoint,
    save_checkpoint,
    train_epoch,
    warmup_cosine,
)


def train_loop_per_worker(raw: dict) -> None:
    """One Ray Train worker: its shard of the training rows, the whole dev split, DDP on the model."""
    config = TrainConfig(**raw)
    torch.set_num_threads(1)  # workers share the machine's cores
    torch.manual_seed(config.seed)
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    with np.load(config.data_path) as data:
        x_train, y_train = data["x_train"][rank::world], data["y_train"][rank::world]
        x_dev, y_dev = data["x_dev"], data["y_dev"]
    device = ray.train.torch.get_device()
    module = build(config.family, config.model)
    optimiser = torch.optim.AdamW(parameter_groups(module, config), lr=config.lr, weight_decay=config.weight_decay)
    total_steps = config.epochs * math.ceil(len(x_train) / config.batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, warmup_cosine(total_steps, config.warmup_fraction))
    # Early stopping and the kept checkpoint follow the dev loss: smooth, and defined before any label is
    # predicted above a threshold (thresholded metrics such as macro-F1 sit at 0 for the first epochs).
    state = {"epoch": -1, "best": math.inf, "best_epoch": -1, "bad_epochs": 0, "resumed_from": None, "history": []}
    checkpoint = ray.train.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as directory:
            state = restore_checkpoint(Path(directory) / CHECKPOINT, module, optimiser, scheduler)
        state["resumed_from"] = state["epoch"] + 1
    # moves the module to the worker's device and wraps it in DDP; a Hugging Face encoder may hold parameters that
    # mean pooling never uses (BERT's pooler), which DDP must be told to expect
    model = ray.train.torch.prepare_model(
        module, parallel_strategy_kwargs={"find_unused_parameters": config.family == "finetune"})
    for epoch in range(state["epoch"] + 1, config.epochs):
        train_loss = train_epoch(model, optimiser, scheduler, x_train, y_train, config, epoch, device)
        dev = dev_metrics(config.family, module, x_dev, y_dev, device)
        improved = dev["dev_loss"] < state["best"]
        state.update(epoch=epoch, bad_epochs=0 if improved else state["bad_epochs"] + 1)
        if improved:
            state.update(best=dev["dev_loss"], best_epoch=epoch)
        metrics = {"epoch": epoch, "train_loss": train_loss, **dev, "best_dev_loss": state["best"],
                   "best_epoch": state["best_epoch"], "resumed_from": state["resumed_from"]}
        if device.type == "cuda":
            metrics["gpu_peak_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
        state["history"].append(metrics)  # kept in the checkpoint: Ray keeps only the best checkpoints' metrics
        with tempfile.TemporaryDirectory() as directory:
            if rank == 0:
                save_checkpoint(Path(directory) / CHECKPOINT, module, optimiser, scheduler, config, state)
                ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(directory))
            else:
                ray.train.report(metrics)
        if config.fail_at_epoch == epoch and state["resumed_from"] is None:
            raise RuntimeError(f"injected failure after epoch {epoch}")
        if state["bad_epochs"] >= config.patience:
            break
