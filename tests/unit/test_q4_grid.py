"""The 4-bit grid fine-tuned encoder layers are trained on and shipped in: Q4_0 blocks on fixed scales, and the
straight-through parametrisation that trains on them."""

import numpy as np
import pytest
import torch

from redheart_models.encoders.e5_patch import Q4Grid
from redheart_models.encoders.e5_torch import (
    BLOCK,
    dequantise_q4,
    q4_scales,
    quantise_q4,
)


@pytest.fixture
def grid() -> tuple[np.ndarray, np.ndarray]:
    """A [4, 64] matrix on the grid of random block scales (some negative, as Q4_0 writes max / -8; one zero)."""
    rng = np.random.default_rng(0)
    scales = rng.normal(0, 0.01, (4, 64 // BLOCK)).astype(np.float16)
    scales[0, 0] = 0
    weights = np.repeat(scales.astype(np.float32), BLOCK, axis=1) * rng.integers(-8, 8, (4, 64))
    return weights.astype(np.float32), scales


def test_weights_on_the_grid_come_back_exactly_and_keep_their_scales(grid) -> None:
    weights, scales = grid
    raw = quantise_q4(weights, scales)
    assert len(raw) == 4 * 2 * (2 + 16)  # two blocks a row: an fp16 scale and 16 bytes of nibbles each
    np.testing.assert_array_equal(dequantise_q4(raw, 4, 64), weights)
    np.testing.assert_array_equal(q4_scales(raw, 4, 64), scales.astype(np.float32))


def test_off_grid_weights_round_to_the_nearest_step_and_clamp_at_the_ends(grid) -> None:
    weights, scales = grid
    step = np.repeat(scales.astype(np.float32), BLOCK, axis=1)
    moved = weights + 0.3 * step
    moved[:, 5] = 100 * step[:, 5]  # far past the top of the range: clamps to 7 steps
    moved[:, 6] = -100 * step[:, 6]  # far past the bottom: clamps to -8 steps
    moved[0, :BLOCK] = 0.5  # a zero-scale block holds only zeros
    back = dequantise_q4(quantise_q4(moved, scales), 4, 64)
    kept = np.ones(64, bool)
    kept[[5, 6]] = False
    np.testing.assert_array_equal(back[1:, kept], weights[1:, kept])
    np.testing.assert_array_equal(back[1:, 5], 7 * step[1:, 5])
    np.testing.assert_array_equal(back[1:, 6], -8 * step[1:, 6])
    np.testing.assert_array_equal(back[0, :BLOCK], 0)


def test_the_grid_parametrisation_snaps_forward_and_passes_gradients_straight_through(grid) -> None:
    weights, scales = grid
    snap = Q4Grid(scales.astype(np.float32))
    step = np.repeat(scales.astype(np.float32), BLOCK, axis=1)
    offsets = np.random.default_rng(1).choice([-20.0, -0.5, 0.3, 0.5, 1.5, 20.0], size=weights.shape)  # ties too
    latent = torch.tensor(weights + offsets * step + np.where(step == 0, 0.7, 0), requires_grad=True)
    snapped = snap(latent)
    np.testing.assert_array_equal(snapped.detach().numpy(), dequantise_q4(quantise_q4(latent.detach().numpy(),
                                                                                       scales), 4, 64))
    (snapped * torch.arange(64.0)).sum().backward()
    np.testing.assert_array_equal(latent.grad.numpy(), np.tile(np.arange(64.0), (4, 1)))
