"""Released models: small safetensors files under `redheart_models/weights/` with a JSON model card beside each.

A released file describes itself (model family and config, task, encoder id in its metadata), so loading rebuilds
the model from the file alone, refuses mismatched keys (strict), and refuses an encoder other than the one it was
trained on: a head on the wrong embeddings would produce numbers that mean nothing. A fine-tuned encoder (family
`finetune`, which reads text, not embeddings) is stored as its 4-bit change from the bundled base weights
(quantise.py): 7 MB for all-MiniLM-L6-v2 fine-tuned, instead of 90 MB in float32.
"""

import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from redheart_models.quantise import dequantise, quantise
from redheart_models.training.loop import load_model
from redheart_models.training.models import Family, build, dev_metrics

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
HUMAN_SECTIONS = ("intended_use", "out_of_scope_use", "risks_and_limitations")


@dataclass(frozen=True)
class Released:
    model: torch.nn.Module
    family: Family
    task: str
    encoder: str
    path: Path
    thresholds: np.ndarray | dict[str, np.ndarray] | None = None  # per label (per label set for a multi-task model)

    @property
    def id(self) -> str:
        """The release, its task and the encoder it reads: what two holders of it compare."""
        return f"{self.path.stem}:{self.task}@{self.encoder}"


def weights_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    return path if path.suffix == ".safetensors" else WEIGHTS_DIR / f"{name_or_path}.safetensors"


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
        # Written by a person, never generated: empty until someone who knows the use has written them.
        **{section: "TODO: to be written by a person" for section in HUMAN_SECTIONS},
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


def released_config(name_or_path: str | Path) -> tuple[Family, dict]:
    """The family and config of a released model, from its metadata alone (no tensors are read)."""
    with safe_open(str(weights_path(name_or_path)), framework="pt") as handle:
        metadata = handle.metadata()
    return metadata["family"], json.loads(metadata["model"])


def load_released(name_or_path: str | Path, encoder_id: str | None) -> Released:
    """The released model, refused unless it was trained on `encoder_id`'s embeddings (None: the caller checks
    `Released.encoder` itself before any output is used)."""
    path = weights_path(name_or_path)
    if not path.is_file():
        raise FileNotFoundError(f"no released weights at {path}")
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    if encoder_id is not None and metadata["encoder"] != encoder_id:
        raise ValueError(
            f"{path.name} was trained on embeddings of {metadata['encoder']}, not {encoder_id}: refusing to load"
        )
    model = build(metadata["family"], json.loads(metadata["model"]))
    tensors = load_file(str(path))
    if metadata.get("quantised"):  # stored as a change from the base weights the fresh model was built with
        tensors = dequantise(tensors, model.state_dict())
    model.load_state_dict(tensors, strict=True)
    thresholds = json.loads(metadata["thresholds"]) if "thresholds" in metadata else None
    if isinstance(thresholds, dict):
        thresholds = {name: np.asarray(values) for name, values in thresholds.items()}
    elif thresholds is not None:
        thresholds = np.asarray(thresholds)
    return Released(model.eval(), metadata["family"], metadata["task"], metadata["encoder"], path, thresholds)
