"""A small MLP head on sentence embeddings, with the loss of its task kind.

`forward(x, y=None)` returns `(output, loss or None)`. For `pairwise` tasks x is [n, 2, d] (a better and a worse
item) and the output is the scalar utility of each item, [n, 2]; the loss is Bradley-Terry's,
-log sigmoid(U(better) - U(worse)) (Bradley & Terry 1952; as used for ETHICS utilitarianism, Hendrycks et al. 2021).
"""

from dataclasses import asdict, dataclass
from typing import Literal

import torch
from torch import nn

Kind = Literal["multilabel", "binary", "regression", "pairwise"]


@dataclass(frozen=True)
class HeadConfig:
    in_dim: int
    out_dim: int
    kind: Kind
    hidden: int = 256  # one hidden layer: enough for a probe on frozen embeddings, small enough to ship
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class Head(nn.Module):
    def __init__(self, config: HeadConfig) -> None:
        super().__init__()
        assert config.kind != "pairwise" or config.out_dim == 1, "a pairwise head scores one utility per item"
        self.config = config
        self.net = nn.Sequential(
            nn.Linear(config.in_dim, config.hidden), nn.GELU(), nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.out_dim),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        out = self.net(x)  # [n, out_dim], or [n, 2, 1] for pairs
        if self.config.kind == "pairwise":
            out = out.squeeze(-1)  # [n, 2]
        if y is None:
            return out, None
        if self.config.kind == "multilabel":
            loss = nn.functional.binary_cross_entropy_with_logits(out, y)
        elif self.config.kind == "binary":
            loss = nn.functional.binary_cross_entropy_with_logits(out.squeeze(-1), y)
        elif self.config.kind == "regression":
            loss = nn.functional.mse_loss(out.squeeze(-1), y)
        else:
            loss = -nn.functional.logsigmoid(out[:, 0] - out[:, 1]).mean()
        return out, loss
