"""The 정/한/체면 composites: a documented mapping over KOTE labels that a reader can recompute by hand."""

import pytest

from redheart_models.data import kote
from redheart_models.emotion.cultural import COMPOSITES, composites


def test_every_member_is_a_kote_label_and_no_label_counts_twice() -> None:
    members = [label for labels in COMPOSITES.values() for label in labels]
    assert set(members) <= set(kote.LABELS) and len(members) == len(set(members))


def test_each_composite_is_the_mean_of_its_labels_weighted_by_the_chance_of_any_emotion() -> None:
    probabilities = dict.fromkeys(kote.LABELS, 0.0) | {"서러움": 0.9, "슬픔": 0.6, "고마움": 0.5, "부끄러움": 0.3}
    assert composites(probabilities) == pytest.approx({"han": 1.5 / 6, "jeong": 0.5 / 5, "chemyeon": 0.3 / 3})
    assert composites(probabilities | {"없음": 0.75}) == pytest.approx({"han": 0.25 * 1.5 / 6, "jeong": 0.25 * 0.5 / 5,
                                                                       "chemyeon": 0.25 * 0.3 / 3})
    assert composites(dict.fromkeys(kote.LABELS, 0.0)) == {"han": 0.0, "jeong": 0.0, "chemyeon": 0.0}
