"""What the models read in a speaker's texts: the person classifier's probabilities, the message model's
P(tier >= k) of each text, and the per-utterance series that escalation watches (P(tier >= 2) of each text alone:
the message model's when there is one, else the person classifier's P(Ideation+) of the text; minus the valence
of each text when the emotion module's valence head is released)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from redheart_models.crisis import classifier, rules
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.emotion.valence import valence
from redheart_models.head import Head


@dataclass(frozen=True)
class Reading:
    person: np.ndarray  # the person classifier's P(level >= k), [4]
    trends: dict[str, list[float]]
    messages: np.ndarray | None = None  # the message model's P(tier >= k) of each text, [n, 4]


def read(model: classifier.OrdinalClassifier, texts: Sequence[str], embeddings: np.ndarray,
         assessments: Sequence[rules.RuleAssessment], valence_head: Head | None = None,
         message_model: MessageRisk | None = None, message_embeddings: np.ndarray | None = None) -> Reading:
    """`embeddings`: the shared encoder's, for the person classifier and the valence head; `message_embeddings`:
    the message model's encoder's (the same ones for a model on the shared encoder), given with `message_model`."""
    if message_model is None:
        person, p_ideation = classifier.score(model, texts, embeddings, assessments)
        messages = None
    else:  # the message model's per-utterance risk; the person classifier reads the texts together only
        person = classifier.person(model, texts, embeddings, assessments)
        if message_embeddings is None:
            raise ValueError("the message model needs the embeddings of its own encoder")
        messages = message_model.probabilities(texts, message_embeddings, assessments)
        p_ideation = [float(v) for v in messages[:, RESPONSE_TIER - 1]]
    trends = {"p_ideation": p_ideation}
    if valence_head is not None:
        trends["valence_fall"] = [float(-v) for v in valence(valence_head, embeddings)]
    return Reading(person, trends, messages)
