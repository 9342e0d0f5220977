"""How much do the rules add as a floor under the message model? Out of fold, on the corpus and everyday texts.

    .venv/bin/redheart train crisis-messages --data-dir ../shared/data --trainable-layers 4 --out runs/ft.safetensors
    .venv/bin/python benchmarks/crisis_rule_floor.py --data-dir ../shared/data --model runs/ft.safetensors

The training job leaves the out-of-fold P(tier >= k) of its rows beside the model (`.oof.npz`). Each single message
is fused as the service fuses it (`fusion.fuse`) with the rules' tier of the message counting only where the
model's P(tier >= 2) reaches a share of its threshold (`rule_veto_share`: 0 is an unconditional floor, infinity the
model alone), and its tier >= 2 decision scored: at the model's thresholds, and with the tier >= 2 threshold
re-chosen so that the fused decision recalls 0.95 of the authored people at risk. Nothing here reads the frozen test.
"""

import argparse
from pathlib import Path

import numpy as np

from cluster.jobs.train_crisis_messages import (
    everyday_sources,
    rows_digest,
    training_rows,
)
from redheart_models.crisis import fusion, rules
from redheart_models.crisis.message_model import MessageRisk, tiers
from redheart_models.crisis.tiers import RESPONSE_TIER

RECALL = 0.95
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0, float("inf"))


def flagged(p: np.ndarray, thresholds: np.ndarray, assessments: list, words: list[int], share: float) -> np.ndarray:
    """Tier >= 2 of each message read alone, fused as the service does."""
    model_tiers, t2 = tiers(p, thresholds), thresholds[RESPONSE_TIER - 1]
    return np.array([fusion.fuse(a, [], None, 1, w, {}, int(m), float(q / t2), share).tier >= RESPONSE_TIER
                     for a, w, m, q in zip(assessments, words, model_tiers, p[:, RESPONSE_TIER - 1])])


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--model", type=Path, required=True, help="a model trained with --trainable-layers")
    args = cli.parse_args()
    risk = MessageRisk.load(args.model)
    saved = np.load(args.model.with_suffix(".oof.npz"))
    rows, authored = training_rows(everyday_sources(args.data_dir)[0])
    if str(saved["rows_sha256"]) != rows_digest(rows):
        raise SystemExit(f"{args.model.with_suffix('.oof.npz')} was not predicted for the rows the recipe reads now")
    p = saved["p"]
    assessments, words = [rules.assess(t) for t in rows.texts], [len(t.split()) for t in rows.texts]
    at_risk, low = authored & (rows.tier_min >= RESPONSE_TIER), authored & (rows.tier_max < RESPONSE_TIER)
    print(f"{int(at_risk.sum())} authored at risk, {int(low.sum())} authored that must stay <= 1, "
          f"{int((~authored).sum())} everyday; thresholds {np.round(risk.thresholds, 4).tolist()}\n")
    print(f"| rule_veto_share | recall >= 2 | false alarms | everyday >= 2 | threshold for recall {RECALL} | "
          "false alarms there | everyday there |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for share in SHARES:
        def at(threshold: float, share: float = share) -> np.ndarray:
            thresholds = risk.thresholds.copy()
            thresholds[RESPONSE_TIER - 1] = threshold
            return flagged(p, thresholds, assessments, words, share)

        own = at(risk.thresholds[RESPONSE_TIER - 1])
        candidates = np.sort(p[at_risk, RESPONSE_TIER - 1])[::-1]
        low_i, high_i = 0, len(candidates) - 1  # recall rises as the threshold falls: bisect for the highest
        # (the lowest candidate flags every at-risk row the model ranks, so RECALL is always reached)
        while low_i < high_i:
            mid = (low_i + high_i) // 2
            low_i, high_i = (low_i, mid) if at(candidates[mid])[at_risk].mean() >= RECALL else (mid + 1, high_i)
        there = at(candidates[low_i])
        print(f"| {share} | {own[at_risk].mean():.3f} | {own[low].mean():.3f} | {own[~authored].mean():.3f} | "
              f"{candidates[low_i]:.4f} | {there[low].mean():.3f} | {there[~authored].mean():.3f} |")


if __name__ == "__main__":
    main()
