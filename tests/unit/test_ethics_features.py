"""What the ethics calculus reads from text: durations, delays, hedges, urgency, people, moral cues, sentences."""

import pytest

from redheart_models.ethics.features import extract, find_cues, split_sentences
from redheart_models.ethics.stakeholders import attribute, mentions


@pytest.mark.parametrize(
    ("text", "language", "duration", "delay"),
    [
        ("I will be grounded for two weeks.", "en", 336.0, None),
        ("The pain will last for the rest of my life.", "en", 50 * 8760.0, None),
        ("In 3 days I move to Seoul.", "en", None, 72.0),
        ("Tomorrow I will tell her, and we will argue for an hour.", "en", 1.0, 24.0),
        ("I went to the shop.", "en", None, None),
        ("3일 동안 아무것도 못 했어", "ko", 72.0, None),
        ("2주 후에 이사 가", "ko", None, 336.0),
        ("평생 후회할 것 같아. 내일 말할게", "ko", 50 * 8760.0, 24.0),
    ],
)
def test_temporal_expressions_give_durations_and_delays_in_hours(text, language, duration, delay) -> None:
    f = extract(text, language)
    assert (f.duration_hours, f.delay_hours) == (duration, delay)


def test_hedges_urgency_chains_and_people_are_read_with_their_spans() -> None:
    text = "Maybe I should tell everyone right now, so that the 5 children are safe."
    f = extract(text, "en")
    assert f.hedging == 0.5 and f.urgency == 0.9 and f.chain
    assert f.people == 1000 and f.vulnerable and f.community  # "everyone" is society
    assert f.salience["life_safety"] == 0.75
    kinds = {c.kind for c in f.cues}
    assert {"hedge", "urgent", "chain", "society", "vulnerable", "life_safety", "people"} <= kinds
    for cue in f.cues:
        assert text.lower()[cue.span[0]:cue.span[1]] == cue.cue


def test_korean_cues_match_lemmas_not_substrings() -> None:
    assert [c.cue for c in find_cues("take", "친구 돈을 훔쳤다", "ko")] == ["훔치"]
    assert find_cues("vulnerable", "아이디어가 좋다", "ko") == []  # 아이디어 is not 아이 (a child)
    assert find_cues("community", "반대했다", "ko") == []
    assert [c.cue for c in find_cues("hedge", "아마 그럴 것 같아", "ko")] == ["아마", "것 같"]


def test_without_cues_the_features_are_the_documented_defaults() -> None:
    f = extract("I ate lunch.", "en")
    assert (f.hedging, f.urgency, f.chain, f.people, f.give, f.take) == (0.0, 0.5, False, 1, 0, 0)
    assert f.salience == {"life_safety": 0.5, "justice_fairness": 0.5, "autonomy_freedom": 0.5}


def test_sentences_and_who_they_are_about() -> None:
    text = "I lied to my sister. She cried. The whole town heard about it!"
    spans = split_sentences(text, "en")
    assert [text[a:z].strip() for a, z in spans] == ["I lied to my sister.", "She cried.",
                                                    "The whole town heard about it!"]
    assert [mentions(text[a:z], "en") for a, z in spans] == [["self", "others"], ["others"], ["community"]]
    assert mentions("내가 친구에게 거짓말을 했다", "ko") == ["self", "others"]
    assert mentions("우리 사회가 바뀌어야 한다", "ko") == ["others", "community"]
    assert attribute([[], []]) == [["self"], ["self"]]  # nobody named: the speaker's own situation
    assert attribute([["others"], []]) == [["others"], []]
