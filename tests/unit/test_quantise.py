"""Compact storage of fine-tuned weights: the 4-bit change from the base comes back within half a step per row,
unchanged rows keep the base exactly, and names, shapes and dtypes are restored."""

import torch

from redheart_models.quantise import ROWS, SCALE, TOLERANCE, dequantise, quantise


def test_round_trip_is_within_half_a_step_and_unchanged_rows_keep_the_base() -> None:
    torch.manual_seed(0)
    base = {"layer.weight": torch.randn(8, 5), "embed.weight": torch.randn(30, 3)}
    tuned = {name: t.clone() for name, t in base.items()}
    tuned["layer.weight"] += 0.01 * torch.randn(8, 5) * torch.arange(1, 9)[:, None]
    tuned["embed.weight"][[2, 7]] += 0.05  # training saw two tokens
    tuned |= {"layer.bias": torch.randn(8), "head.weight": torch.randn(2, 5), "position_ids": torch.arange(6)}
    stored = quantise(tuned, base)
    assert stored["embed.weight" + ROWS].tolist() == [2, 7] and stored["embed.weight"].dtype == torch.uint8
    assert stored["head.weight"].dtype == torch.float16 and "layer.bias" + SCALE not in stored
    back = dequantise(stored, base)
    assert set(back) == set(tuned)
    for name, tensor in tuned.items():
        assert back[name].shape == tensor.shape and back[name].dtype == tensor.dtype
    step = stored["layer.weight" + SCALE][:, None]
    assert torch.all((back["layer.weight"] - tuned["layer.weight"]).abs() <= step / 2 + 1e-6)
    untouched = [r for r in range(30) if r not in (2, 7)]
    assert torch.equal(back["embed.weight"][untouched], base["embed.weight"][untouched])
    assert torch.allclose(back["embed.weight"], tuned["embed.weight"], atol=TOLERANCE)
    assert torch.equal(back["position_ids"], tuned["position_ids"])
