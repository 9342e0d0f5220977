"""KOTE (Jeon, Lee & Kim 2022): Korean online comments, 43 emotions + 없음 ("none"), multi-label, 5 raters.

Format: TSV without header, columns id, text, comma-separated label ids (0..43).
"""

from pathlib import Path

from redheart_models.data.base import Labelled, read_multilabel_tsv

LABELS = [
    "불평/불만", "환영/호의", "감동/감탄", "지긋지긋", "고마움", "슬픔", "화남/분노", "존경", "기대감", "우쭐댐/무시함",
    "안타까움/실망", "비장함", "의심/불신", "뿌듯함", "편안/쾌적", "신기함/관심", "아껴주는", "부끄러움", "공포/무서움",
    "절망", "한심함", "역겨움/징그러움", "짜증", "어이없음", "없음", "패배/자기혐오", "귀찮음", "힘듦/지침",
    "즐거움/신남", "깨달음", "죄책감", "증오/혐오", "흐뭇함(귀여움/예쁨)", "당황/난처", "경악", "부담/안_내킴", "서러움",
    "재미없음", "불쌍함/연민", "놀람", "행복", "불안/걱정", "기쁨", "안심/신뢰",
]


def load(path: Path) -> Labelled:
    """Multi-hot labels [n, 44] in the order of LABELS."""
    data = read_multilabel_tsv(path, ("id", "text", "labels"), len(LABELS), quoted=False)
    return Labelled(data.texts, data.labels, LABELS, data.source, data.ids)
