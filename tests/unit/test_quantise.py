"""Int8 storage of fine-tuned weights: names, shapes and dtypes come back, each weight within half a step."""

import torch

from redheart_models.quantise import SCALE, dequantise, quantise


def test_round_trip_is_within_half_a_step_per_row() -> None:
    torch.manual_seed(0)
    state = {"layer.weight": torch.randn(8, 5) * torch.arange(1, 9)[:, None], "layer.bias": torch.randn(8),
             "embed.weight": torch.randn(30, 4, 2), "position_ids": torch.arange(6)}
    stored = quantise(state)
    assert stored["layer.weight"].dtype == torch.int8 and stored["layer.bias"].dtype == torch.float16
    assert stored["position_ids"].dtype == torch.int64 and "layer.bias" + SCALE not in stored
    back = dequantise(stored)
    assert set(back) == set(state)
    for name, tensor in state.items():
        assert back[name].shape == tensor.shape and back[name].dtype == tensor.dtype
    step = stored["layer.weight" + SCALE][:, None]
    assert torch.all((back["layer.weight"] - state["layer.weight"]).abs() <= step / 2 + 1e-6)
    assert torch.allclose(back["layer.bias"], state["layer.bias"], atol=1e-3)
    assert torch.equal(back["position_ids"], state["position_ids"])
