"""Legal-risk signals: for each domain, in English and Korean, a clear case is flagged with its statute and a benign
look-alike is not."""

import pytest

from redheart_models.ethics import legal

CASES = [
    ("criminal", "en", "I'm going to steal his wallet tomorrow.", "The new singer stole the show last night."),
    ("criminal", "ko", "친구 지갑에서 돈을 훔쳤어.", "마음을 훔친 노래를 들었어."),
    ("civil", "en", "I am not going to pay him back the money he lent me.", "I paid him back yesterday."),
    ("civil", "ko", "빌린 돈을 갚지 않을 거야.", "빌린 돈을 다 갚았어."),
    ("privacy", "en", "I posted her home address online so people can find her.",
     "I shared my own phone number with the bank."),
    ("privacy", "ko", "그 사람 신상을 털어서 인터넷에 올릴 거야.", "내 전화번호를 은행에 알려줬어."),
    ("defamation", "en", "I will spread rumours about my coworker so she gets fired.",
     "We talked about how rumours spread in our sociology class."),
    ("defamation", "ko", "그 선배에 대한 헛소문을 퍼뜨릴 거야.", "소문이 사실이 아니라서 다행이야."),
    ("medical", "en", "I'm selling my sleeping pills to my classmates.", "My doctor gave me a prescription today."),
    ("medical", "ko", "처방전 없이 항생제를 팔고 있어.", "처방전을 받아서 약국에 갔어."),
]


@pytest.mark.parametrize(("domain", "language", "clear", "benign"), CASES)
def test_each_domain_flags_the_clear_case_with_its_statute_and_not_the_look_alike(domain, language, clear,
                                                                                 benign) -> None:
    hits = [h for h in legal.scan(clear, language) if h.domain == domain]
    assert hits and all(h.statute for h in hits)
    assert legal.risk(weights=[h.weight for h in hits]) > 0.5
    assert legal.scan(benign, language) == []


@pytest.mark.parametrize(("text", "language"), [("I would never steal from anyone.", "en"),
                                                ("나는 절대 훔치지 않았어.", "ko")])
def test_a_negated_act_carries_no_risk(text: str, language: str) -> None:
    hits = legal.scan(text, language)
    assert [h.context for h in hits] == ["negated"] and legal.risk(weights=[h.weight for h in hits]) == 0.0


def test_a_question_counts_half_and_risks_combine_like_independent_evidence() -> None:
    (hit,) = legal.scan("Is it legal to secretly record my boss?", "en")
    assert hit.context == "question" and hit.weight == pytest.approx(0.3)
    assert legal.risk(weights=[0.5, 0.5]) == 0.75 and legal.risk(weights=[]) == 0.0


def test_every_pattern_names_its_statute_and_has_both_languages() -> None:
    for domain in legal.DOMAINS:
        for rule in legal.patterns()[domain]:
            assert rule["statute"] and rule["en"] and rule["ko"] and 0 < rule["weight"] <= 1
