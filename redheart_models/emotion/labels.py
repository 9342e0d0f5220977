"""The emotion label sets in one canonical order, and Ekman-7 derived from each.

GoEmotions-28 -> Ekman-7 is the dataset's published `ekman_mapping.json` (Demszky et al. 2020). KOTE-44 ->
Ekman-7 is Red Heart's, written to follow the same logic: each KOTE label goes to the basic emotion it is a kind
of, as its GoEmotions counterpart does (불평/불만 ~ annoyance and 한심함 ~ disapproval go to anger as GoEmotions'
annoyance and disapproval do; 부끄러움 ~ embarrassment and 죄책감 ~ remorse go to sadness; 신기함/관심 ~ curiosity
and 당황/난처 ~ confusion go to surprise; 불안/걱정 ~ nervousness goes to fear). 비장함 (grim resolve) and 재미없음
(boredom) have no Ekman counterpart and map to none; 없음 ("none") is neutral.
A text's Ekman probability is the largest probability among the group's member labels (`ekman_max@1`): the
chance that at least the most likely member applies, which never exceeds what the model said.
"""

from collections.abc import Mapping

from redheart_models.data import goemotions, kote

GOEMOTIONS = goemotions.LABELS
KOTE = kote.LABELS
EKMAN = goemotions.EKMAN  # anger, disgust, fear, joy, sadness, surprise, neutral
EKMAN_FORMULA = "emotion.ekman_max@1"
LABEL_SET = {"en": "goemotions", "ko": "kote"}  # the label set a language's emotions (and Ekman-7) are read in

EKMAN_FROM_GOEMOTIONS: dict[str, tuple[str, ...]] = {
    **{group: tuple(members) for group, members in goemotions.EKMAN_GROUPS.items()},
    "neutral": ("neutral",),
}
EKMAN_FROM_KOTE: dict[str, tuple[str, ...]] = {
    "anger": ("불평/불만", "화남/분노", "지긋지긋", "짜증", "어이없음", "우쭐댐/무시함", "한심함", "귀찮음", "의심/불신"),
    "disgust": ("역겨움/징그러움", "증오/혐오"),
    "fear": ("공포/무서움", "불안/걱정", "부담/안_내킴"),
    "joy": ("환영/호의", "감동/감탄", "고마움", "존경", "기대감", "뿌듯함", "편안/쾌적", "아껴주는", "즐거움/신남",
            "흐뭇함(귀여움/예쁨)", "행복", "기쁨", "안심/신뢰"),
    "sadness": ("슬픔", "안타까움/실망", "절망", "패배/자기혐오", "힘듦/지침", "죄책감", "부끄러움", "서러움", "불쌍함/연민"),
    "surprise": ("신기함/관심", "깨달음", "당황/난처", "경악", "놀람"),
    "neutral": ("없음",),
}
KOTE_WITHOUT_EKMAN = ("비장함", "재미없음")


def ekman(probabilities: Mapping[str, float], groups: Mapping[str, tuple[str, ...]]) -> dict[str, float]:
    """Each Ekman group's probability: the largest of its members' (see the module docstring)."""
    return {group: max(probabilities[label] for label in groups[group]) for group in EKMAN}
