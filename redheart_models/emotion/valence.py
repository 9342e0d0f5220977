"""Valence of embedded texts from the released valence head (trained on the VADER human ratings, -4..4 scaled
to -1..1)."""

import numpy as np
import torch

from redheart_models.head import Head


def valence(head: Head, embeddings: np.ndarray) -> np.ndarray:
    """The valence head's reading of each text, clipped to its scale -1..1."""
    with torch.no_grad():
        output, _ = head(torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32)))
    return np.clip(output.reshape(-1).numpy(), -1.0, 1.0)
