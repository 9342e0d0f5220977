"""Publish a training run as a released model: the safetensors file (a fine-tuned encoder as its 4-bit change from
the base weights) and its JSON model card, rendered from the run report (release.py reads them back)."""

import json
import platform
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from redheart_models.families import Family, build, dev_metrics
from redheart_models.quantise import dequantise, quantise
from redheart_models.release import WEIGHTS_DIR, unwritten_sections
from redheart_models.training.loop import load_model


def release(checkpoint: Path, report: dict, name: str, command: str, out_dir: Path = WEIGHTS_DIR) -> Path:
    """Write `name.safetensors` (the model only) and `name.json` (its model card, rendered from the run report)."""
    family, model = load_model(checkpoint)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.safetensors"
    metadata = {"family": family, "model": json.dumps(model.config.to_dict()), "task": report["task"],
                "encoder": report["encoder"]}
    if report.get("thresholds") is not None:
        metadata["thresholds"] = json.dumps(report["thresholds"])
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    shipped = {}
    if family == "finetune":  # the card scores the compact file that ships, next to the float32 checkpoint's metrics
        base = _reproducible_base(family, model.config.to_dict())
        tensors, metadata["quantised"] = quantise(tensors, base), "int4-delta-rows"
        model.load_state_dict(dequantise(tensors, base), strict=True)
        with np.load(report["config"]["data_path"]) as data:
            shipped = dev_metrics(family, model, data["x_dev"], data["y_dev"], batch_size=32)
    save_file(tensors, str(path), metadata=metadata)
    card = {
        "name": name,
        "task": report["task"],
        "encoder": report["encoder"],
        "encoder_fingerprint": report["encoder_fingerprint"],  # what the metrics below were measured with
        "family": family,
        "model": model.config.to_dict(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "data": {"files": report["files"], "split": report["split"], "rows": report["rows"]},
        "training": {"config": report["config"], "best_epoch": report["best"]["epoch"],
                     "epochs_run": len(report["history"]), "samples_per_s": report["samples_per_s"],
                     "seconds": report["seconds"], "command": command},
        "dev_metrics": shipped or _metrics(report["best"]),
        **({"quantisation": "4-bit change from the bundled base weights, per row (redheart_models/quantise.py)",
            "dev_metrics_float32": _metrics(report["best"])} if shipped else {}),
        "thresholds": report.get("thresholds"),
        **({"experts": report["experts"]} if report.get("experts") else {}),
        "history": report["history"],
        "environment": {"python": platform.python_version(), "torch": package_metadata.version("torch"),
                        "ray": package_metadata.version("ray"), "machine": platform.machine()},
        "date": datetime.now(UTC).date().isoformat(),
        **unwritten_sections(),
    }
    path.with_suffix(".json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return path


def _reproducible_base(family: Family, config: dict) -> dict[str, torch.Tensor]:
    """The base weights two fresh builds agree on (the pretrained encoder): randomly initialised ones (the head, a
    pooler the checkpoint lacks) differ between builds, so they are stored whole, never as a change."""
    first, second = build(family, config).state_dict(), build(family, config).state_dict()
    return {name: t for name, t in first.items() if torch.equal(t, second[name])}


def _metrics(best: dict) -> dict:
    return {k: v for k, v in best.items() if not k.startswith(("time", "epoch", "best", "resumed"))}
