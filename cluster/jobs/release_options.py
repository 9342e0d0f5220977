"""The options every job that releases a model on cached embeddings shares, and what they resolve to."""

import argparse
from pathlib import Path

from actors.settings import load_settings
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import Encoder
from redheart_models.release import weights_path


def release_parser(prog: str, description: str, default_out: str) -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog=prog, description=description)
    cli.add_argument("--data-dir", type=Path, required=True)
    cli.add_argument("--out", type=Path, default=Path(default_out), help="where the model goes")
    cli.add_argument("--release", metavar="NAME", help="write to redheart_models/weights/NAME instead of --out")
    cli.add_argument("--cache-dir", type=Path, help="embedding cache (default: REDHEART_HOME/cache/embeddings)")
    return cli


def output_path(args: argparse.Namespace) -> Path:
    return weights_path(args.release) if args.release else args.out


def embedding_cache(args: argparse.Namespace, encoder: Encoder) -> EmbeddingCache:
    return EmbeddingCache(args.cache_dir or load_settings().embedding_cache_dir, encoder.id, encoder.dim)
