"""SURD cost versus agents and bins, the high-dimensional cap, and Ray parallelism. Prints markdown tables.

    .venv/bin/python benchmarks/surd_benchmark.py            # about 2 minutes on 2 cores

Times are the best of `--repeat` runs; peak memory is tracemalloc's peak of numpy allocations. Compare ratios
within one run: absolute times drift on shared machines.
"""

import argparse
import time
import tracemalloc
from collections.abc import Callable
from math import comb

import numpy as np
import ray

from redheart_models.surd import MAX_CELLS, surd, surd_hd


def measure(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best seconds, peak MiB) of `call`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak


def exact_table(repeat: int) -> None:
    print("\n### Exact `surd(p)` on a joint histogram (target + n agents, `bins` states each)\n")
    print("| agents | bins | cells | agent sets | seconds | peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for bins in (4, 8, 16, 32):
        for agents in range(2, 9):
            cells = bins ** (agents + 1)
            if cells > MAX_CELLS:
                print(f"| {agents} | {bins} | {cells:,} | {2**agents - 1} | over MAX_CELLS | |")
                break
            p = rng.dirichlet(np.ones(cells)).reshape((bins,) * (agents + 1))
            seconds, peak = measure(lambda: surd(p), repeat)
            print(f"| {agents} | {bins} | {cells:,} | {2**agents - 1} | {seconds:.4f} | {peak:.1f} |")


def hd_table(repeat: int, samples: int) -> None:
    print(f"\n### `surd_hd` with `max_combs` on {samples:,} samples (histograms of at most max_combs + 1 axes)\n")
    print("| agents | bins | max_combs | agent sets | seconds | peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(1)
    for agents, bins, max_combs in [(4, 8, 2), (8, 8, 2), (8, 16, 2), (8, 32, 2), (12, 8, 2), (16, 8, 2), (8, 8, 3)]:
        data = rng.normal(size=(agents, samples))
        target = np.tanh(data[0] * data[1]) + 0.1 * rng.normal(size=samples)
        sets = sum(comb(agents, k) for k in range(1, max_combs + 1))
        seconds, peak = measure(lambda: surd_hd(target, data, 1, bins, max_combs), repeat)
        print(f"| {agents} | {bins} | {max_combs} | {sets} | {seconds:.4f} | {peak:.1f} |")


def _one(p: np.ndarray) -> float:
    return surd(p).total


def ray_table(tasks: int) -> None:
    print(f"\n### {tasks} independent decompositions (targets x lags): serial versus Ray tasks\n")
    rng = np.random.default_rng(2)
    histograms = [rng.dirichlet(np.ones(8**7)).reshape((8,) * 7) for _ in range(tasks)]  # 6 agents: ~0.6 s each
    start = time.perf_counter()
    serial = [_one(p) for p in histograms]
    serial_s = time.perf_counter() - start
    ray.init(include_dashboard=False, logging_level="ERROR")
    try:
        remote = ray.remote(num_cpus=1)(_one)
        refs = [ray.put(p) for p in histograms]
        ray.get(remote.remote(refs[0]))  # warm a worker
        start = time.perf_counter()
        parallel = ray.get([remote.remote(ref) for ref in refs])
        parallel_s = time.perf_counter() - start
        cpus = int(ray.cluster_resources()["CPU"])
    finally:
        ray.shutdown()
    assert np.allclose(serial, parallel)
    print("| mode | seconds | speed-up |")
    print("|---|---:|---:|")
    print(f"| serial, 1 process | {serial_s:.2f} | 1.00 |")
    print(f"| Ray tasks, {cpus} CPUs | {parallel_s:.2f} | {serial_s / parallel_s:.2f} |")


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--repeat", type=int, default=3)
    cli.add_argument("--samples", type=int, default=100_000)
    cli.add_argument("--tasks", type=int, default=8)
    args = cli.parse_args()
    exact_table(args.repeat)
    hd_table(args.repeat, args.samples)
    ray_table(args.tasks)


if __name__ == "__main__":
    main()
