"""Expectations on the authored crisis message corpus (redheart_models/crisis/corpus, SOURCE.md)."""

import re
from collections import Counter

import pytest

from redheart_models.crisis.evaluation import load_messages
from redheart_models.training.crisis_messages import CORPUS, FROZEN_PREFIX, corpus_files

RISK = {"explicit", "implicit", "slang", "passive", "indicator", "plan_preparation", "in_progress", "self_harm_act",
        "self_harm_urge", "conditional", "disclosure", "code_switched", "emoji", "embedded"}
NEGATIVE = {"idiom_hyperbole", "joking", "ordinary_use", "negation", "third_person", "hypothetical", "fiction",
            "lyrics", "news_essay", "professional_medical", "recovered_past", "grief", "everyday_sadness"}
FIELDS = {"text", "lang", "tier_min", "tier_max", "category", "group", "register", "author"}


def normal(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


@pytest.fixture(scope="module")
def training() -> list[dict]:
    return [row for path in corpus_files() for row in load_messages(path)]


@pytest.fixture(scope="module")
def frozen() -> list[dict]:
    return [row for path in sorted(CORPUS.glob(f"{FROZEN_PREFIX}*.jsonl")) for row in load_messages(path)]


def test_every_row_has_the_datasheets_fields_and_a_known_category(training, frozen) -> None:
    for row in training + frozen:
        assert FIELDS <= row.keys(), row
        assert row["category"] in RISK | NEGATIVE, row["category"]
        if row["category"] in NEGATIVE - {"recovered_past", "grief", "everyday_sadness"}:
            assert row["tier_max"] <= 1, row


def test_the_corpus_is_large_bilingual_and_has_as_many_hard_negatives_as_risk(training) -> None:
    languages = Counter(r["lang"] for r in training)
    at_risk = [r for r in training if r["tier_max"] >= 2]
    negatives = [r for r in training if r["tier_max"] <= 1]
    assert len(at_risk) >= 3000 and len(negatives) >= len(at_risk)
    assert abs(languages["en"] - languages["ko"]) <= 0.05 * len(training)
    assert {t for r in training for t in range(r["tier_min"], r["tier_max"] + 1)} == {0, 1, 2, 3, 4}


def test_no_text_repeats_and_the_frozen_test_shares_none_with_training(training, frozen) -> None:
    texts = Counter(normal(r["text"]) for r in training)
    assert max(texts.values()) == 1
    assert not {normal(r["text"]) for r in frozen} & texts.keys()
    assert len(frozen) >= 400 and {r["lang"] for r in frozen} == {"en", "ko"}


def test_a_paraphrase_group_belongs_to_one_writer(training) -> None:
    writers: dict[str, set[str]] = {}
    for row in training:
        writers.setdefault(row["group"], set()).add(row["author"])
    assert all(len(w) == 1 for w in writers.values())
