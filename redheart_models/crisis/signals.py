"""What the models read in a speaker's texts: the classifier's person-level probabilities, and the per-utterance
series that escalation watches (P(Ideation+) of each text alone; minus the valence of each text when the
emotion module's valence head is released)."""

from collections.abc import Sequence

import numpy as np

from redheart_models.crisis import classifier, rules
from redheart_models.emotion.valence import valence
from redheart_models.training.head import Head


def read(model: classifier.OrdinalClassifier, texts: Sequence[str], embeddings: np.ndarray,
         assessments: Sequence[rules.RuleAssessment], valence_head: Head | None = None
         ) -> tuple[np.ndarray, dict[str, list[float]]]:
    person, p_ideation = classifier.score(model, texts, embeddings, assessments)
    trends = {"p_ideation": p_ideation}
    if valence_head is not None:
        trends["valence_fall"] = [float(-v) for v in valence(valence_head, embeddings)]
    return person, trends
