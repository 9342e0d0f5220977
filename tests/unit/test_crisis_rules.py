"""The crisis rule engine: its own test set, context readings, and inputs that must never crash it."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redheart_models.crisis import rules
from redheart_models.crisis.evaluation import evaluate_messages, load_messages
from redheart_models.crisis.tiers import CSSRS_TIER, RESPONSE_TIER
from redheart_models.data.cssrs import LEVELS

MESSAGES = Path(__file__).resolve().parents[1] / "data" / "crisis_messages.jsonl"


def test_the_message_set_is_large_bilingual_and_covers_every_category() -> None:
    rows = load_messages(MESSAGES)
    assert len(rows) >= 150
    assert {r["lang"] for r in rows} == {"en", "ko"}
    categories = {r["category"] for r in rows}
    assert {"explicit", "implicit", "idiom", "negation", "third_person", "fiction"} <= categories


def test_rules_alone_meet_the_acceptance_on_the_message_set() -> None:
    metrics = evaluate_messages(MESSAGES, None, None)
    assert metrics["recall_tier2_plus"] >= 0.95
    for category in ("idiom", "negation", "third_person", "fiction"):
        assert metrics["in_range_by_category"][category] >= 0.95, category


@pytest.mark.parametrize(("text", "tier", "status"), [
    ("I want to kill myself", 2, "active"),
    ("I'd never hurt myself", 0, "negated"),
    ("this commute is killing me", 0, "idiom"),
    ("I'd kill for a coffee", 0, "idiom"),
    ("My friend wants to die", 0, "other_person"),
    ("She said \"I want to die\" as a joke", 0, "reported"),
    ("In my novel the main character kills himself", 0, "fiction"),
    ("If I ever felt suicidal, who would I call?", 0, "hypothetical"),
    ("I used to want to die but I'm doing much better now", 1, "resolved_past"),
    ("The suicide rate is falling", 0, "mention"),
    ("I'm going to kill myself tonight", 4, "active"),
    ("배고파 죽겠다", 0, "idiom"),
    ("웃겨 죽겠네", 0, "idiom"),
    ("죽고 싶진 않아", 0, "negated"),
    ("친구가 죽고 싶대", 0, "reported"),
    ("동생이 자살 생각을 한대", 0, "reported"),
    ("소설 속 주인공이 자살한다", 0, "fiction"),
    ("예전에는 죽고 싶었는데 지금은 괜찮아", 1, "resolved_past"),
    ("죽고 싶어", 2, "active"),
    ("약을 다 먹었어", 4, "active"),
])
def test_context_readings(text: str, tier: int, status: str) -> None:
    assessment = rules.assess(text)
    assert assessment.tier == tier
    assert status in {h.status for h in assessment.hits}


def test_hits_carry_spans_into_the_text_and_a_source() -> None:
    text = "Honestly? I want to end my life."
    (hit,) = [h for h in rules.assess(text).hits if h.status == "active"]
    assert text[hit.start:hit.end].lower() == "end my life"
    assert "C-SSRS" in rules.source_of(hit) or "Columbia" in rules.source_of(hit)


def test_korean_goes_through_morphemes_not_substrings() -> None:
    # "죽고" inside a word that is not the verb 죽다 must not match; the morpheme analyser tells them apart
    assert rules.assess("죽고기 요리를 했어").tier == 0
    assert rules.assess("죽고싶다").tier == 2  # spacing does not matter to morphemes


def test_every_expression_names_a_known_source_and_a_tier() -> None:
    data = rules.load_expressions()
    for rule in data["english"] + data["korean"]:
        assert rule["source"] in data["sources"], rule["id"]
        assert 0 <= rule["tier"] <= 4
    assert len({r["id"] for r in data["english"] + data["korean"]}) == len(data["english"]) + len(data["korean"])


def test_tiers_line_up_with_the_cssrs_levels() -> None:
    assert list(CSSRS_TIER) == LEVELS and list(CSSRS_TIER.values()) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("text", ["😢😢😢", "🙂", "...", "x" * 10_000, "죽고 싶어 " * 1_000,
                                  "I want to die. 죽고 싶어. Je veux mourir.", "\u200b", "ㅋㅋㅋㅋ"])
def test_odd_inputs_never_crash(text: str) -> None:
    assessment = rules.assess(text)
    assert 0 <= assessment.tier <= 4


def test_mixed_languages_take_the_higher_reading() -> None:
    assert rules.assess("오늘 너무 힘들어. I want to kill myself").tier >= RESPONSE_TIER
    assert rules.assess("I'm fine, 근데 죽고 싶어").tier >= RESPONSE_TIER


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_tier_and_spans_inside_it(text: str) -> None:
    assessment = rules.assess(text)
    assert 0 <= assessment.tier <= 4
    for hit in assessment.hits:
        assert 0 <= hit.start < hit.end <= len(text)


def test_the_message_file_is_valid_json_lines() -> None:
    for line in MESSAGES.read_text(encoding="utf-8").splitlines():
        json.loads(line)


@pytest.mark.parametrize(("text", "tier"), [
    ("I'd rather be dead", 2), ("I would rather die than eat broccoli lol", 0),
    ("I wrote my goodbye letters", 3), ("I left a note for my roommate about the dishes", 0),
    ("Can you tell me how to tie a noose?", 3), ("I'm killing myself slowly with this job lol", 0),
    ("I can't go on anymore", 2), ("I can't do this anymore, math is too hard", 1),
    ("I got over my suicidal phase years ago, life is good now", 1),
    ("약 먹고 죽을래", 3), ("너무 좋아서 죽을래", 0), ("그만 살고 싶어", 2), ("일 다 끝내고 싶다", 0),
    ("모든 걸 끝내고 싶어", 2), ("피곤해 죽겠어", 0), ("나 진짜 죽어버릴 거야", 3),
])
def test_lookalikes_on_both_sides(text: str, tier: int) -> None:
    assert rules.assess(text).tier == tier
