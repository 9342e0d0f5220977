"""Released models: small safetensors files under `redheart_models/weights/` with a JSON model card beside each.

A released file describes itself (model family and config, task, encoder id in its metadata), so loading rebuilds
the model from the file alone, refuses mismatched keys (strict), and refuses an encoder other than the one it was
trained on: a head on the wrong embeddings would produce numbers that mean nothing. A fine-tuned encoder (family
`finetune`, which reads text, not embeddings) is stored as its 4-bit change from the bundled base weights
(quantise.py): 7 MB for all-MiniLM-L6-v2 fine-tuned, instead of 90 MB in float32. Writing a release from a
training run is `redheart_models/training/publish.py`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from redheart_models.families import READS_TEXT, Family, build
from redheart_models.quantise import dequantise

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
HUMAN_SECTIONS = ("intended_use", "out_of_scope_use", "risks_and_limitations")
UNWRITTEN = "TODO: to be written by a person"  # what a release writes there: a person who knows the use replaces it


def unwritten_sections() -> dict[str, str]:
    """The human-written sections of a new card: never generated, so a release is not done until they are written
    (tests/model/test_released_weights.py fails on them)."""
    return dict.fromkeys(HUMAN_SECTIONS, UNWRITTEN)


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

    @property
    def reads_text(self) -> bool:
        return self.family in READS_TEXT


def weights_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    return path if path.suffix == ".safetensors" else WEIGHTS_DIR / f"{name_or_path}.safetensors"


def released_config(name_or_path: str | Path) -> tuple[Family, dict]:
    """The family and config of a released model, from its metadata alone (no tensors are read)."""
    with safe_open(str(weights_path(name_or_path)), framework="pt") as handle:
        metadata = handle.metadata()
    return metadata["family"], json.loads(metadata["model"])


def reads_text(name_or_path: str | Path) -> bool:
    """Whether a released model reads text itself (it brings its encoder: there are no embeddings to match)."""
    return released_config(name_or_path)[0] in READS_TEXT


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
