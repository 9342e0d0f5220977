"""Emotion readings of embedded texts from the released mixture of experts and the valence head.

The read is split in three so the Emotion deployment can run the experts elsewhere: `route` (the gate), each
routed expert's hidden vectors (`expert_hidden` here, or an Expert deployment), and `read_out` (mix, output layers,
probabilities and what is derived from them). `read` does all three in this process.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from redheart_models.emotion import cultural, labels
from redheart_models.emotion.moe import MixtureOfExperts
from redheart_models.emotion.valence import valence as valence_of
from redheart_models.release import Released, load_released

EKMAN_SOURCES = {lang: (name, labels.EKMAN_FROM_GOEMOTIONS if name == "goemotions" else labels.EKMAN_FROM_KOTE)
                 for lang, name in labels.LABEL_SET.items()}


@dataclass(frozen=True)
class Reading:
    goemotions: dict[str, float]  # label -> probability
    kote: dict[str, float]
    ekman: dict[str, float]
    ekman_from: str  # the label set Ekman-7 was derived from: goemotions for English, kote for Korean
    valence: float  # -1..1
    cultural: dict[str, float]  # jeong, han, chemyeon: 0..1
    detected: dict[str, list[str]]  # label set -> labels at or above their tuned decision thresholds
    gate: list[float]  # softmax over the experts
    routing: list[float]  # weights of the top-k experts (0 for the others)


class EmotionModel:
    def __init__(self, moe: Released, valence: Released) -> None:
        if moe.family != "moe" or not isinstance(moe.model, MixtureOfExperts):
            raise ValueError(f"{moe.path.name} is a {moe.family} model, not the emotion mixture of experts")
        self.moe: MixtureOfExperts = moe.model
        self.thresholds: dict[str, np.ndarray] = moe.thresholds
        self.valence = valence.model
        self.id = moe.id

    @classmethod
    def load(cls, weights: str, valence_weights: str, encoder_id: str) -> "EmotionModel":
        return cls(load_released(weights, encoder_id), load_released(valence_weights, encoder_id))

    @property
    def experts(self) -> int:
        return self.moe.config.experts

    @torch.no_grad()
    def route(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gate probabilities and top-k routing weights, each [n, experts]."""
        gate, routing = self.moe.route(_tensor(x))
        return gate.numpy(), routing.numpy()

    @torch.no_grad()
    def expert_hidden(self, expert: int, x: np.ndarray) -> np.ndarray:
        return self.moe.experts[expert](_tensor(x)).numpy()

    @torch.no_grad()
    def read_out(self, x: np.ndarray, gate: np.ndarray, routing: np.ndarray, hidden: Mapping[int, np.ndarray],
                 languages: Sequence[str]) -> list[Reading]:
        """Readings from the routed experts' hidden vectors: `hidden[e]` holds expert e's rows where routing[:, e] > 0."""
        mixed_in = torch.zeros(len(x), self.experts, self.moe.config.hidden)
        for e, vectors in hidden.items():
            mixed_in[torch.from_numpy(routing[:, e] > 0), e] = _tensor(vectors)
        logits = self.moe.read_out(_tensor(routing), mixed_in)
        probabilities = {name: torch.sigmoid(v).numpy().astype(np.float64) for name, v in logits.items()}
        valences = valence_of(self.valence, x)
        return [self._reading(i, probabilities, float(valences[i]), gate[i], routing[i], languages[i])
                for i in range(len(x))]

    def read(self, x: np.ndarray, languages: Sequence[str]) -> list[Reading]:
        gate, routing = self.route(x)
        hidden = {e: self.expert_hidden(e, x[routing[:, e] > 0]) for e in range(self.experts) if routing[:, e].any()}
        return self.read_out(x, gate, routing, hidden, languages)

    def _reading(self, i: int, probabilities: dict[str, np.ndarray], valence: float, gate: np.ndarray,
                 routing: np.ndarray, language: str) -> Reading:
        sets = {"goemotions": labels.GOEMOTIONS, "kote": labels.KOTE}
        named = {name: dict(zip(names, map(float, probabilities[name][i]))) for name, names in sets.items()}
        detected = {name: [label for label, p, t in zip(names, probabilities[name][i], self.thresholds[name]) if p >= t]
                    for name, names in sets.items()}
        source, groups = EKMAN_SOURCES[language]
        return Reading(named["goemotions"], named["kote"], labels.ekman(named[source], groups), source, valence,
                       cultural.composites(named["kote"]), detected, gate.tolist(), routing.tolist())


def _tensor(array: np.ndarray) -> torch.Tensor:
    """A float32 tensor of its own (arrays that come through Ray's object store are read-only)."""
    return torch.from_numpy(np.array(array, dtype=np.float32))
