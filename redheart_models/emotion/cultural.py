"""정 jeong, 한 han and 체면 chemyeon as transparent composites of KOTE label probabilities.

These are not trained classifiers: no labelled data for them exists. Each composite is the mean probability of the
KOTE emotions that make it up, weighted by the probability that the text expresses any emotion at all,
1 - P(없음) (KOTE's own "none" label): a reader can recompute it from the trace by hand. The weight is there because
the KOTE head reads some sorrow or embarrassment into plain notices ("회의실은 3층 복도 끝에 있습니다" got
안타까움/실망 0.48 while 없음 was 0.77); a composite should not report a feeling the model itself says is absent.
The grouping is Red Heart's:
- 한 han, long-held sorrow and grievance with anger held in: 서러움, 슬픔, 절망, 안타까움/실망, 힘듦/지침, 화남/분노;
- 정 jeong, warm attachment and care built up between people: 아껴주는, 고마움, 흐뭇함(귀여움/예쁨), 불쌍함/연민,
  안심/신뢰;
- 체면 chemyeon, concern for one's face before others: 부끄러움, 당황/난처, 죄책감.
The same mapping serves English text: the encoder is multilingual and the KOTE head reads its embedding.
"""

from collections.abc import Mapping

VERSION = "emotion.cultural_gated_mean@2"
NONE_LABEL = "없음"
COMPOSITES: dict[str, tuple[str, ...]] = {
    "jeong": ("아껴주는", "고마움", "흐뭇함(귀여움/예쁨)", "불쌍함/연민", "안심/신뢰"),
    "han": ("서러움", "슬픔", "절망", "안타까움/실망", "힘듦/지침", "화남/분노"),
    "chemyeon": ("부끄러움", "당황/난처", "죄책감"),
}


def composites(kote: Mapping[str, float]) -> dict[str, float]:
    """Each composite: (1 - P(없음)) x the mean of its KOTE labels' probabilities (0..1)."""
    emotional = 1.0 - kote[NONE_LABEL]
    return {name: emotional * sum(kote[label] for label in labels) / len(labels) for name, labels in COMPOSITES.items()}
