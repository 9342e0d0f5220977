"""The label sets and Ekman-7 derived from each: every label has one place, the formula is the documented max."""

import pytest

from redheart_models.emotion import labels
from redheart_models.language import unsupported_script


@pytest.mark.parametrize(("groups", "names", "unmapped"), [
    (labels.EKMAN_FROM_GOEMOTIONS, labels.GOEMOTIONS, ()),
    (labels.EKMAN_FROM_KOTE, labels.KOTE, labels.KOTE_WITHOUT_EKMAN),
])
def test_every_label_maps_to_exactly_one_ekman_group_or_is_named_unmapped(groups, names, unmapped) -> None:
    members = [label for group in labels.EKMAN for label in groups[group]]
    assert len(members) == len(set(members)), "no label in two groups"
    assert sorted(members + list(unmapped)) == sorted(names)


def test_an_ekman_probability_is_the_largest_of_its_members() -> None:
    probabilities = dict.fromkeys(labels.KOTE, 0.0) | {"슬픔": 0.2, "절망": 0.7, "기쁨": 0.1, "없음": 0.05}
    ekman = labels.ekman(probabilities, labels.EKMAN_FROM_KOTE)
    assert ekman == {"anger": 0.0, "disgust": 0.0, "fear": 0.0, "joy": 0.1, "sadness": 0.7, "surprise": 0.0,
                     "neutral": 0.05}


@pytest.mark.parametrize(("text", "supported"), [
    ("I am so happy today", True),
    ("오늘 정말 행복해", True),
    ("오늘 OK 괜찮아", True),
    ("😢😢😢", True),  # no letters: read (GoEmotions has emoji)
    ("12345", True),
    ("Я очень счастлив сегодня", False),
    ("今天我很高兴", False),
    ("I said 今天我很高兴高兴", False),
])
def test_texts_mostly_outside_latin_and_hangul_are_not_read(text: str, supported: bool) -> None:
    reason = unsupported_script(text)
    assert (reason is None) == supported
    if reason:
        assert "Latin or Hangul" in reason
