"""Int8 storage of a released fine-tuned encoder: what keeps its weight file small enough to commit.

Every floating-point matrix is stored as int8 with one float32 scale per row (symmetric: w ~ q x max|row| / 127);
vectors (biases, layer norms) as float16. Loading restores float32 tensors of the original names and shapes, so the
model loads strictly. The rounding error of a weight is at most half its row's scale.
"""

import torch

SCALE = ".int8_row_scale"


def quantise(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for name, tensor in state.items():
        if tensor.is_floating_point() and tensor.ndim >= 2:
            rows = tensor.detach().reshape(tensor.shape[0], -1).float()
            scale = rows.abs().amax(dim=1).clamp_min(1e-12) / 127
            out[name] = torch.round(rows / scale[:, None]).to(torch.int8).reshape(tensor.shape).contiguous()
            out[name + SCALE] = scale.contiguous()
        elif tensor.is_floating_point():
            out[name] = tensor.detach().half().contiguous()
        else:
            out[name] = tensor.detach().contiguous()
    return out


def dequantise(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for name, tensor in tensors.items():
        if name.endswith(SCALE):
            continue
        if name + SCALE in tensors:
            rows = tensor.reshape(tensor.shape[0], -1).float() * tensors[name + SCALE][:, None]
            out[name] = rows.reshape(tensor.shape)
        else:
            out[name] = tensor.float() if tensor.is_floating_point() else tensor
    return out
