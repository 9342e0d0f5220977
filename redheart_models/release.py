"""Released heads: small safetensors files under `redheart_models/weights/` with a JSON model card beside each.

A released file describes itself (head config, task, encoder id in its metadata), so loading rebuilds the head
from the file alone, refuses mismatched keys (strict), and refuses an encoder other than the one it was trained
on: a head on the wrong embeddings would produce numbers that mean nothing.
"""

import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from redheart_models.training.head import Head, HeadConfig
from redheart_models.training.loop import load_head

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
HUMAN_SECTIONS = ("intended_use", "out_of_scope_use", "risks_and_limitations")


@dataclass(frozen=True)
class Released:
    head: Head
    task: str
    encoder: str
    path: Path
    thresholds: np.ndarray | None = None  # per-label decision thresholds of a multi-label head


def weights_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    return path if path.suffix == ".safetensors" else WEIGHTS_DIR / f"{name_or_path}.safetensors"


def release(checkpoint: Path, report: dict, name: str, command: str, out_dir: Path = WEIGHTS_DIR) -> Path:
    """Write `name.safetensors` (the head only) and `name.json` (its model card, rendered from the run report)."""
    head = load_head(checkpoint)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.safetensors"
    metadata = {"head": json.dumps(head.config.to_dict()), "task": report["task"], "encoder": report["encoder"]}
    if report.get("thresholds") is not None:
        metadata["thresholds"] = json.dumps(report["thresholds"])
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(path), metadata=metadata)
    card = {
        "name": name,
        "task": report["task"],
        "encoder": report["encoder"],
        "head": head.config.to_dict(),
        "parameters": sum(p.numel() for p in head.parameters()),
        "data": {"files": report["files"], "split": report["split"], "rows": report["rows"]},
        "training": {"config": report["config"], "best_epoch": report["best"]["epoch"],
                     "epochs_run": len(report["history"]), "samples_per_s": report["samples_per_s"],
                     "seconds": report["seconds"], "command": command},
        "dev_metrics": {k: v for k, v in report["best"].items() if not k.startswith(("time", "epoch", "best", "resumed"))},
        "thresholds": report.get("thresholds"),
        "history": report["history"],
        "environment": {"python": platform.python_version(), "torch": package_metadata.version("torch"),
                        "ray": package_metadata.version("ray"), "machine": platform.machine()},
        "date": datetime.now(UTC).date().isoformat(),
        # Written by a person, never generated: empty until someone who knows the use has written them.
        **{section: "TODO: to be written by a person" for section in HUMAN_SECTIONS},
    }
    path.with_suffix(".json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return path


def load_released(name_or_path: str | Path, encoder_id: str) -> Released:
    path = weights_path(name_or_path)
    if not path.is_file():
        raise FileNotFoundError(f"no released weights at {path}")
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    if metadata["encoder"] != encoder_id:
        raise ValueError(
            f"{path.name} was trained on embeddings of {metadata['encoder']}, not {encoder_id}: refusing to load"
        )
    head = Head(HeadConfig(**json.loads(metadata["head"])))
    head.load_state_dict(load_file(str(path)), strict=True)
    thresholds = np.asarray(json.loads(metadata["thresholds"])) if "thresholds" in metadata else None
    return Released(head.eval(), metadata["task"], metadata["encoder"], path, thresholds)
