"""Compact storage of a released fine-tuned encoder: its change from the bundled base weights, in 4 bits.

For every floating-point matrix the delta from the base model (which ships in a pinned package) is kept only for
the rows that moved by more than `TOLERANCE` (of the word embeddings, just the tokens training saw), as 4-bit
integers with one float32 scale per row (symmetric: delta ~ q x max|row delta| / 7, q in -7..7, two per byte).
Vectors and tensors the base lacks (biases, layer norms, the head) are kept whole in float16. Loading adds the
deltas to the base and restores float32 tensors of the original names and shapes, so the model loads strictly.
"""

import torch

TOLERANCE = 1e-3  # rows whose largest change is at most this keep the base weights
ROWS, SCALE = ".delta_rows", ".delta_scale"


def _pack(q: torch.Tensor) -> torch.Tensor:
    """Int4 values in -7..7, [rows, cols] -> uint8 [rows, ceil(cols / 2)]."""
    q = torch.nn.functional.pad(q + 8, (0, q.shape[1] % 2)).to(torch.uint8)
    return (q[:, 0::2] | (q[:, 1::2] << 4)).contiguous()


def _unpack(packed: torch.Tensor, cols: int) -> torch.Tensor:
    low, high = (packed & 0x0F).to(torch.int16) - 8, (packed >> 4).to(torch.int16) - 8
    return torch.stack([low, high], dim=2).reshape(packed.shape[0], 2 * packed.shape[1])[:, :cols]


def quantise(state: dict[str, torch.Tensor], base: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for name, tensor in state.items():
        tensor = tensor.detach()
        if tensor.is_floating_point() and tensor.ndim >= 2 and name in base:
            delta = (tensor - base[name]).reshape(tensor.shape[0], -1).float()
            rows = torch.nonzero(delta.abs().amax(dim=1) > TOLERANCE).reshape(-1)
            scale = delta[rows].abs().amax(dim=1) / 7
            q = torch.round(delta[rows] / scale[:, None].clamp_min(1e-12)).to(torch.int16)
            out[name], out[name + ROWS], out[name + SCALE] = _pack(q), rows.to(torch.int32), scale.contiguous()
        elif tensor.is_floating_point():
            out[name] = tensor.half().contiguous()
        else:
            out[name] = tensor.contiguous()
    return out


def dequantise(stored: dict[str, torch.Tensor], base: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for name, tensor in stored.items():
        if name.endswith((ROWS, SCALE)):
            continue
        if name + ROWS in stored:
            weight = base[name].detach().float().clone()
            flat = weight.reshape(weight.shape[0], -1)
            rows = stored[name + ROWS].long()
            flat[rows] += _unpack(tensor, flat.shape[1]).float() * stored[name + SCALE][:, None]
            out[name] = weight
        else:
            out[name] = tensor.float() if tensor.is_floating_point() else tensor
    return out
