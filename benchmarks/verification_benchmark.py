"""Verification: its overhead per request (ms and % of the pipeline), the answer memory's lookup latency at 1k, 10k
and 100k stored analyses, and 1,000 repeats of one input (identical answers, no memory flag).

    .venv/bin/python benchmarks/verification_benchmark.py     # about 5 minutes

The pipeline of ray_config.yaml runs in this process (Serve's local testing mode, embedded Redis in a temporary
home), one request at a time, on the dev requests of the verification harness. Compare ratios within one run.
"""

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from actors.requests import AnalyzeRequest
from actors.settings import load_settings
from actors.stores.answers import AnswerMemory
from actors.stores.connection import connect
from cluster.runtime import Runtime
from services.cli import _wait_ready
from services.local import local_pipeline
from actors.verification import analysis_of
from services.verify_eval import read_requests
from redheart_models.verification import memory

REQUESTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "verify_requests_dev.jsonl"
MODULES = ["crisis", "emotion", "ethics", "surd"]


def stable(section: dict) -> dict:
    """A module's answer without what differs between runs by design (timings, the review item, the calibration)."""
    return {k: v for k, v in section.items() if k not in ("latency_ms", "review_id", "calibration")}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


async def lookups(redis_url: str, fingerprint: dict, stored: int, probes: int = 1_000) -> tuple[float, float, float]:
    """Fill the answer memory to `stored` entries, then time `probes` recalls (half stored, half unknown keys):
    p50 and p95 in ms, and Redis memory per entry in bytes."""
    client = connect(redis_url)
    answers = AnswerMemory(client, ttl_s=3_600)
    await client.flushdb()
    before = (await client.info("memory"))["used_memory"]
    keys = [uuid.uuid4().hex for _ in range(stored)]
    for start in range(0, stored, 1_000):
        await asyncio.gather(*(answers.remember(k, k, fingerprint) for k in keys[start:start + 1_000]))
    per_entry = ((await client.info("memory"))["used_memory"] - before) / stored
    rng, samples = random.Random(0), []
    for i in range(probes):
        key = rng.choice(keys) if i % 2 else uuid.uuid4().hex
        t = time.perf_counter()
        await answers.recall(key, key)
        samples.append((time.perf_counter() - t) * 1000)
    await client.flushdb()
    await client.aclose()
    return (*percentiles(samples), per_entry)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--repeats", type=int, default=1_000)
    args = cli.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings().model_copy(update={"home": Path(home), "redis_url": None})
        requests = read_requests(REQUESTS)
        with local_pipeline(settings, _wait_ready) as handle:
            analyse = lambda r: handle.analyze.remote(r, uuid.uuid4().hex).result().model_dump(mode="json")  # noqa: E731
            analyse(requests[0])  # warm
            answers = [analyse(r) for r in requests]
            repeat = AnalyzeRequest(text="I forgot my mother's birthday again. Should I call or send flowers?",
                                    alternatives=["Call her tonight", "Send flowers tomorrow"])
            first = analyse(repeat)
            fingerprint = memory.fingerprint(analysis_of(repeat, first["language"], first))
            identical, flagged = 0, 0
            for _ in range(args.repeats):
                again = analyse(repeat)
                identical += all(stable(again[m]) == stable(first[m]) for m in MODULES)
                flagged += any("memory_drift" in f for layer in again["verification"]["layers"] for f in layer["findings"])
        with Runtime(settings, with_ray=False) as runtime:
            sizes = {n: asyncio.run(lookups(runtime.redis_url, fingerprint, n)) for n in (1_000, 10_000, 100_000)}

    verify_ms = [a["timings_ms"]["verification"] for a in answers]
    total_ms = [a["timings_ms"]["total"] for a in answers]
    share = [v / t for v, t in zip(verify_ms, total_ms)]
    print(f"Verification overhead, {len(answers)} dev requests, one at a time:\n")
    print("| what | p50 ms | p95 ms |\n|---|---:|---:|")
    for name, samples in (("verification (5 layers + memory recall)", verify_ms), ("whole analysis", total_ms)):
        print(f"| {name} | {percentiles(samples)[0]:.2f} | {percentiles(samples)[1]:.2f} |")
    print(f"| verification / analysis (per request) | {100 * statistics.median(share):.1f} % | "
          f"{100 * percentiles(share)[1]:.1f} % |")
    print(f"\nAnswer memory recall (embedded Redis, 1,000 probes, half unknown keys; "
          f"{len(json.dumps(fingerprint))} bytes of JSON per answer):\n")
    print("| stored analyses | p50 ms | p95 ms | Redis bytes per stored analysis |\n|---:|---:|---:|---:|")
    for n, (p50, p95, per_entry) in sizes.items():
        print(f"| {n:,} | {p50:.3f} | {p95:.3f} | {per_entry:,.0f} |")
    print(f"\n{args.repeats:,} repeats of one dilemma: {identical:,} identical to the first answer (every module's "
          f"answer and trace, timings aside), {flagged} flagged by the memory.")


if __name__ == "__main__":
    main()
