"""The crisis classifier: ordinal risk of a person from their messages, trained on the C-SSRS Reddit users.

Features of a set of texts (a user's posts; at serving time the speaker's history plus the message):
- the L2-normalised mean of their sentence embeddings (multilingual-e5-small), which tells a person's talk about
  their distress from everyday talk;
- four rule-engine features: highest active tier / 4, and the shares of texts at tier >= 1, 2, 3;
- three language-use rates per word: first-person singular pronouns (raised in depression and suicidal writing,
  Rude, Gortner & Pennebaker 2004; Stirman & Pennebaker 2001), second-person pronouns (the voice of people who
  support others), and absolutist words (Al-Mosaiwi & Johnstone 2018; their 19 English words, and a Korean
  translation of them made for Red Heart); Korean pronouns are counted on kiwipiepy morphemes.
The model is a cumulative ordinal logistic regression: four sigmoid outputs P(level >= Indicator, Ideation,
Behavior, Attempt) on standardised features (Frank & Hall 2001), L2-regularised. The Ideation+ decision
threshold is chosen on out-of-fold predictions of the training users (recall first), never on the dev users.
"""

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from redheart_models.crisis import rules
from redheart_models.crisis.tiers import cumulative_tiers
from redheart_models.data.cssrs import IDEATION

VERSION = "crisis.ordinal-logistic@2"
RULE_FEATURES = ("max_rule_tier", "share_tier1", "share_tier2", "share_tier3")
LANGUAGE_FEATURES = ("first_person_rate", "second_person_rate", "absolutist_rate")
CUTS = 4  # P(level >= k) for k = 1..4
Embed = Callable[[Sequence[str]], np.ndarray]

EN_WORD = re.compile(r"[a-z']+")
EN_FIRST_SINGULAR = {"i", "me", "my", "mine", "myself", "i'm", "im", "i've", "ive", "i'd", "i'll"}
EN_SECOND = {"you", "your", "yours", "yourself", "yourselves", "you're", "youre", "you've", "you'll", "you'd", "u",
             "ur"}
EN_ABSOLUTIST = {"absolutely", "all", "always", "complete", "completely", "constant", "constantly", "definitely",
                 "entire", "ever", "every", "everyone", "everything", "full", "must", "never", "nothing",
                 "totally", "whole"}
KO_FIRST_SINGULAR = {"나", "내", "저", "제"}
KO_SECOND = {"너", "니", "네", "당신", "자네", "너희"}
KO_ABSOLUTIST = {"항상", "늘", "절대", "절대로", "전혀", "완전히", "완전", "모든", "모두", "전부", "아무것", "결코",
                 "언제나", "매일", "영원히", "반드시", "꼭"}


def rule_features(assessments: Sequence[rules.RuleAssessment]) -> np.ndarray:
    tiers = np.array([a.tier for a in assessments], dtype=np.float32)
    return np.array([tiers.max() / 4, (tiers >= 1).mean(), (tiers >= 2).mean(), (tiers >= 3).mean()], np.float32)


def language_features(texts: Sequence[str]) -> np.ndarray:
    """Rates per word of first-person singular, second-person and absolutist words over all the texts."""
    words = first = second = absolutist = 0
    for text in texts:
        words += len(text.split())
        if any("\uac00" <= c <= "\ud7a3" for c in text):
            for m in rules.morphemes(text):
                first += m.tag == "NP" and m.form in KO_FIRST_SINGULAR
                second += m.tag == "NP" and m.form in KO_SECOND
                absolutist += m.form in KO_ABSOLUTIST
        tokens = EN_WORD.findall(text.lower().replace("’", "'"))
        first += sum(t in EN_FIRST_SINGULAR for t in tokens)
        second += sum(t in EN_SECOND for t in tokens)
        absolutist += sum(t in EN_ABSOLUTIST for t in tokens)
    return np.array([first, second, absolutist], dtype=np.float32) / max(words, 1)


def features(texts: Sequence[str], embeddings: np.ndarray, assessments: Sequence[rules.RuleAssessment]) -> np.ndarray:
    """One person's feature vector from their texts, their embeddings [n, d] and their rule assessments."""
    mean = embeddings.mean(axis=0)
    mean = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return np.concatenate([rule_features(assessments), language_features(texts), mean]).astype(np.float32)


def cumulative_targets(levels: np.ndarray) -> np.ndarray:
    """Level (0..4) -> [level >= 1, >= 2, >= 3, >= 4] as floats."""
    return (levels[:, None] >= np.arange(1, CUTS + 1)[None, :]).astype(np.float32)


@dataclass
class OrdinalClassifier:
    mean: np.ndarray
    scale: np.ndarray
    weight: np.ndarray  # [CUTS, dim]
    bias: np.ndarray  # [CUTS]
    ideation_threshold: float
    encoder: str

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """[n, CUTS] P(level >= k), made monotone in k (a higher level cannot be likelier than a lower one)."""
        z = (x - self.mean) / self.scale
        p = 1 / (1 + np.exp(-(z @ self.weight.T + self.bias)))
        return np.minimum.accumulate(p, axis=1)

    def tiers(self, p: np.ndarray) -> np.ndarray:
        """Tier 0..4 from cumulative probabilities: the Ideation cut uses the tuned threshold, the others 0.5."""
        return cumulative_tiers(p, self.ideation_threshold)

    def save(self, path: Path, card: dict) -> None:
        tensors = {name: torch.from_numpy(np.ascontiguousarray(getattr(self, name), dtype=np.float32))
                   for name in ("mean", "scale", "weight", "bias")}
        meta = {"ideation_threshold": repr(self.ideation_threshold), "version": VERSION, "encoder": self.encoder}
        save_file(tensors, str(path), metadata=meta)
        path.with_suffix(".json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "OrdinalClassifier":
        from safetensors import safe_open

        with safe_open(str(path), "pt") as handle:
            meta = handle.metadata()
        if meta.get("version") != VERSION:
            raise ValueError(f"{path.name} holds {meta.get('version')}, this code reads {VERSION}")
        tensors = {k: v.numpy() for k, v in load_file(str(path)).items()}
        return cls(**tensors, ideation_threshold=float(meta["ideation_threshold"]), encoder=meta["encoder"])

    def check_encoder(self, encoder_id: str) -> None:
        """Refuse embeddings of another encoder: the weights would read them as noise."""
        if encoder_id != self.encoder:
            raise ValueError(f"the crisis classifier was trained on {self.encoder}, not {encoder_id}")


def person(model: OrdinalClassifier, texts: Sequence[str], embeddings: np.ndarray,
           assessments: Sequence[rules.RuleAssessment]) -> np.ndarray:
    """The speaker's cumulative probabilities [CUTS] from all their texts (oldest first)."""
    return model.probabilities(features(texts, embeddings, assessments)[None, :])[0]


def score(model: OrdinalClassifier, texts: Sequence[str], embeddings: np.ndarray,
          assessments: Sequence[rules.RuleAssessment]) -> tuple[np.ndarray, list[float]]:
    """The speaker's cumulative probabilities [CUTS], and the P(Ideation+) of each text alone (a per-utterance
    series for escalation where no message model reads the texts)."""
    single = np.stack([features(texts[i : i + 1], embeddings[i : i + 1], assessments[i : i + 1])
                       for i in range(len(texts))])
    series = [float(v) for v in model.probabilities(single)[:, IDEATION - 1]]
    return person(model, texts, embeddings, assessments), series


def fit(x: np.ndarray, levels: np.ndarray, l2: float, encoder: str, threshold: float = 0.5) -> OrdinalClassifier:
    """Full-batch L-BFGS on the mean binary cross-entropy of the four cuts plus l2 * ||W||^2."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = torch.from_numpy((x - mean) / scale)
    y = torch.from_numpy(cumulative_targets(levels))
    torch.manual_seed(0)
    weight = torch.zeros(CUTS, x.shape[1], requires_grad=True)
    bias = torch.zeros(CUTS, requires_grad=True)
    optimiser = torch.optim.LBFGS([weight, bias], max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z @ weight.T + bias, y) + l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return OrdinalClassifier(mean, scale, weight.detach().numpy(), bias.detach().numpy(), threshold, encoder)


def out_of_fold(x: np.ndarray, levels: np.ndarray, l2: float, folds: int = 5, seed: int = 0,
                extra_x: np.ndarray | None = None, extra_levels: np.ndarray | None = None) -> np.ndarray:
    """Cumulative probabilities of each training user from a model that did not see them (stratified folds);
    `extra_x` rows (the general-population negatives) are in every fold's training part."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(levels), dtype=np.int64)
    for level in np.unique(levels):
        rows = rng.permutation(np.flatnonzero(levels == level))
        fold[rows] = np.arange(len(rows)) % folds
    p = np.zeros((len(levels), CUTS))
    for k in range(folds):
        x_fit, levels_fit = x[fold != k], levels[fold != k]
        if extra_x is not None:
            x_fit, levels_fit = np.vstack([x_fit, extra_x]), np.concatenate([levels_fit, extra_levels])
        p[fold == k] = fit(x_fit, levels_fit, l2, "out-of-fold").probabilities(x[fold == k])
    return p


def choose_threshold(p_ideation: np.ndarray, positive: np.ndarray, min_recall: float,
                     already: np.ndarray | None = None) -> float:
    """The highest threshold at which Ideation+ users are still recalled at >= min_recall, counting those that
    `already` flags (the rules) as recalled."""
    already = np.zeros_like(positive) if already is None else already
    for t in sorted(np.unique(p_ideation), reverse=True):
        if (already | (p_ideation >= t))[positive].mean() >= min_recall:
            return float(t)
    return 0.0
