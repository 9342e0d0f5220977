"""A mixture of experts over a sentence embedding, with one multi-label output layer per label set.

A gate scores the experts (softmax), each input goes to its top-k experts (weights renormalised over those k),
and the weighted sum of the experts' hidden vectors feeds every output layer (GoEmotions-28, KOTE-44). The
auxiliary load-balancing loss is Switch Transformer's (Fedus, Zoph & Shazeer 2022): E * sum_e f_e * P_e, where f_e
is the share of routing slots that went to expert e and P_e its mean gate probability; it is 1 when the load is
even and grows as the gate collapses onto few experts.
"""

from dataclasses import asdict, dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class MoEConfig:
    in_dim: int
    outputs: dict[str, int] = field(default_factory=lambda: {"goemotions": 28, "kote": 44})
    experts: int = 4
    top_k: int = 2
    hidden: int = 256
    dropout: float = 0.1
    balance_weight: float = 0.01

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class MoEOutput:
    logits: dict[str, torch.Tensor]  # output layer -> [n, labels]
    gate: torch.Tensor  # [n, experts] softmax probabilities
    routing: torch.Tensor  # [n, experts] weights of the chosen experts (k non-zero per row, summing to 1)
    balance_loss: torch.Tensor  # scalar


def balance_loss(gate: torch.Tensor, routing: torch.Tensor) -> torch.Tensor:
    """E * sum_e (share of routing slots at e) * (mean gate probability of e)."""
    experts = gate.shape[1]
    slots = (routing > 0).float()
    share = slots.sum(dim=0) / slots.sum()
    return experts * torch.sum(share * gate.mean(dim=0))


class MixtureOfExperts(nn.Module):
    """`forward(x, y=None) -> (MoEOutput, loss or None)`. Targets are one matrix [n, sum of label counts], the
    label sets side by side in `config.outputs` order, NaN where a row is not labelled for a set (a GoEmotions
    comment has no KOTE labels): each output layer's loss uses only the rows labelled for it."""

    def __init__(self, config: MoEConfig) -> None:
        super().__init__()
        if not 1 <= config.top_k <= config.experts:
            raise ValueError(f"top_k must be in 1..{config.experts}, got {config.top_k}")
        self.config = config
        self.gate = nn.Linear(config.in_dim, config.experts)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(config.in_dim, config.hidden), nn.GELU(), nn.Dropout(config.dropout))
            for _ in range(config.experts)
        )
        self.outputs = nn.ModuleDict({name: nn.Linear(config.hidden, n) for name, n in config.outputs.items()})

    def route(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gate probabilities [n, E] and the top-k routing weights [n, E]."""
        gate = torch.softmax(self.gate(x), dim=-1)
        top, chosen = gate.topk(self.config.top_k, dim=-1)
        routing = torch.zeros_like(gate).scatter(-1, chosen, top / top.sum(dim=-1, keepdim=True))
        return gate, routing

    def read_out(self, routing: torch.Tensor, hidden: torch.Tensor) -> dict[str, torch.Tensor]:
        """Logits of every output layer from the experts' hidden vectors [n, E, hidden] mixed by `routing`."""
        mixed = torch.einsum("ne,neh->nh", routing, hidden)
        return {name: layer(mixed) for name, layer in self.outputs.items()}

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[MoEOutput, torch.Tensor | None]:
        gate, routing = self.route(x)
        hidden = torch.stack([expert(x) for expert in self.experts], dim=1)  # [n, E, hidden]
        output = MoEOutput(self.read_out(routing, hidden), gate, routing, balance_loss(gate, routing))
        return output, None if y is None else self.loss(output, y)

    def loss(self, output: MoEOutput, y: torch.Tensor) -> torch.Tensor:
        """Binary cross-entropy of each output layer on its labelled rows, plus the weighted balance term."""
        total = self.config.balance_weight * output.balance_loss
        for name, targets in zip(output.logits, self.split(y)):
            rows = ~torch.isnan(targets).any(dim=1)
            if rows.any():
                total = total + nn.functional.binary_cross_entropy_with_logits(output.logits[name][rows],
                                                                               targets[rows])
        return total

    def split(self, y: torch.Tensor) -> list[torch.Tensor]:
        """The columns of each label set, in `config.outputs` order."""
        return list(torch.split(y, list(self.config.outputs.values()), dim=1))
