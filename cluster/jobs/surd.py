"""Ray job: SURD of many targets x lags of a multivariate series, in parallel as Ray tasks.

    python -m cluster.jobs.surd --data series.csv --targets valence,risk --lags 1,2,3 --bins 8 --out surd.json
    ray job submit --working-dir . -- python -m cluster.jobs.surd --data series.csv ...

The CSV has one header row of names and one numeric column per series. Each target's future state is decomposed
on the present states of the agent columns (all columns by default, the target's own past included).
"""

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import ray

from actors.surd import response
from redheart_models.surd import SurdInputError, check_series
from redheart_models.surd_analyses import decompose


def read_series(path: Path) -> tuple[list[str], np.ndarray]:
    """Column names and a [n_series, n_samples] float array; a bad cell is an error naming its line."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        names = next(rows, None)
        if not names:
            raise ValueError(f"{path}: empty file; expected a header row of series names")
        values = []
        for line, row in enumerate(rows, start=2):
            if len(row) != len(names):
                raise ValueError(f"{path}:{line}: {len(row)} cells, header has {len(names)}")
            try:
                values.append([float(cell) for cell in row])
            except ValueError as exc:
                raise ValueError(f"{path}:{line}: {exc}") from exc
    return names, np.asarray(values, dtype=np.float64).T


def _task(data: np.ndarray, names: list[str], target: str, agents: list[str], lag: int, bins: int, max_combs):
    column = {name: i for i, name in enumerate(names)}
    result = decompose(
        data[column[target]], data[[column[a] for a in agents]], target_name=target, agent_names=agents,
        lag=lag, bins=bins, max_combs=max_combs,
    )
    return response(result).model_dump(mode="json")


def run(
    names: list[str], data: np.ndarray, targets: list[str], agents: list[str], lags: list[int], bins: int,
    max_combs: int | None, task_cpus: float,
) -> list[dict[str, Any]]:
    """All targets x lags; the data goes to the object store once and every task reads it from there."""
    unknown = sorted({*targets, *agents} - set(names))
    if unknown:
        raise ValueError(f"unknown series {unknown}; the file has {names}")
    column = {name: i for i, name in enumerate(names)}
    for target in targets:  # fail before any task starts
        for lag in lags:
            check_series(data[column[target]], data[[column[a] for a in agents]], lag, bins, max_combs)
    shared = ray.put(data)
    task = ray.remote(num_cpus=task_cpus)(_task)
    futures = [task.remote(shared, names, t, agents, lag, bins, max_combs) for t in targets for lag in lags]
    return ray.get(futures)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m cluster.jobs.surd", description=__doc__.splitlines()[0])
    cli.add_argument("--data", type=Path, required=True, help="CSV: header row of names, one column per series")
    cli.add_argument("--targets", required=True, help="comma-separated target columns")
    cli.add_argument("--agents", help="comma-separated agent columns (default: all)")
    cli.add_argument("--lags", default="1", help="comma-separated lags (default: 1)")
    cli.add_argument("--bins", type=int, default=8)
    cli.add_argument("--max-combs", type=int, help="examine agent sets up to this size only")
    cli.add_argument("--task-cpus", type=float, default=1.0, help="CPUs reserved per task (fractions allowed)")
    cli.add_argument("--out", type=Path, required=True, help="where to write the JSON list of results")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        names, data = read_series(args.data)
        targets = args.targets.split(",")
        agents = args.agents.split(",") if args.agents else names
        lags = [int(lag) for lag in args.lags.split(",")]
        if not ray.is_initialized():
            ray.init()  # joins RAY_ADDRESS (as under `ray job submit`), else starts a local cluster
        results = run(names, data, targets, agents, lags, args.bins, args.max_combs, args.task_cpus)
    except (OSError, ValueError, SurdInputError) as exc:
        print(f"surd job: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(json.dumps(results, indent=1))
    print(f"{'target':<16}{'lag':>4}  {'I(T;A) bits':>11}  {'leak':>6}  dominant term")
    for result in results:
        top = result["terms"][0]
        mutual_info = sum(term["bits"] for term in result["terms"])
        print(f"{result['target']:<16}{result['lag']:>4}  {mutual_info:>11.4f}  {result['info_leak']:>6.3f}  "
              f"{top['kind']} {'+'.join(top['agents'])}")
    print(f"{len(results)} decompositions written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
