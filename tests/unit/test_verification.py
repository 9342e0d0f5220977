"""The five verification layers on analyses recorded from the local pipeline (tests/data/verification_analyses.json,
re-recorded by `redheart verify-eval --data tests/data/verification_requests.jsonl --record ...`): nothing is
flagged on the clean ones, and each kind of fault is."""

import copy
import json
import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from actors.results import contain
from actors.messages import EmotionResult
from actors.requests import AnalyzeRequest
from redheart_models import surd_analyses
from redheart_models.verification import Analysis, faults, grounding, memory, verify
from redheart_models.verification.report import layer_weights
from actors.verification import analysis_of
from services.verify_eval import contained, faulty_findings

RECORDED = Path(__file__).parents[1] / "data" / "verification_analyses.json"


def recorded() -> list[Analysis]:
    records = json.loads(RECORDED.read_text(encoding="utf-8"))
    return [analysis_of(AnalyzeRequest.model_validate(r["request"]), r["result"]["language"], r["result"]) for r in records]


@pytest.fixture(scope="module")
def clean() -> list[Analysis]:
    return recorded()


def faults_of(report) -> set[str]:
    return {f for found in faulty_findings(report).values() for f in found}


def test_clean_analyses_pass_every_layer(clean: list[Analysis]) -> None:
    for analysis in clean:
        report = verify(analysis, memory=[])
        assert faults_of(report) == set(), analysis.text
        assert all(layer.evaluated for layer in report.layers)
        assert report.ungrounded == {}
        crisis = analysis.sections["crisis"]["tier"] >= 2
        assert report.decision == ("human_review" if crisis else "pass"), report.reasons
        assert not any(d.startswith("Not analysed") for d in report.disclaimers), "skipped SURD is not missing"


def test_every_human_review_names_its_layer_and_finding(clean: list[Analysis]) -> None:
    (at_risk,) = [a for a in clean if a.sections["crisis"]["tier"] >= 2]
    report = verify(at_risk)
    assert report.decision == "human_review" and report.vulnerability == "high"
    assert any(r.startswith("social_context: person_at_risk: crisis tier") for r in report.reasons)
    assert any("a person reviews this answer" in d for d in report.disclaimers)


def test_nothing_answered_asserts_nothing_and_a_person_reviews_it() -> None:
    analysis = Analysis(text="hello", language="en", statuses={"crisis": "failed", "emotion": "timeout"}, sections={})
    report = verify(analysis)
    assert (report.decision, report.confidence_band) == ("human_review", "none"), "no crisis check: a person reads it"
    assert "metacognition: crisis_unanswered: crisis: failed" in report.reasons
    evaluated = {layer.name: layer.score for layer in report.layers if layer.evaluated}
    assert evaluated == {"social_context": 1.0, "metacognition": 0.0}  # the text's cues; nothing complete
    assert report.risk == pytest.approx(0.5) and "asserts nothing" in report.disclaimers[0]


def test_a_malformed_answer_is_a_review_finding_not_an_error(clean: list[Analysis]) -> None:
    everyday = clean[0]
    for broken in ({**everyday.sections["emotion"], "ekman": {}}, {**everyday.sections["emotion"], "trace": None},
                   {**everyday.sections["emotion"], "sentences": "?"}):
        report = verify(replace(everyday, sections={**everyday.sections, "emotion": broken}))
        assert report.decision == "human_review"
        assert any("malformed_answer" in r for r in report.reasons)


def test_a_failed_module_is_caution_at_least_and_named(clean: list[Analysis]) -> None:
    everyday = clean[0]
    failed = replace(everyday, statuses={**everyday.statuses, "ethics": "failed"})
    report = verify(failed)
    assert report.decision in ("caution", "human_review")
    assert "metacognition: completeness: ethics: failed" in report.reasons
    assert "Not analysed: ethics." in report.disclaimers
    unchecked = replace(everyday, statuses={**everyday.statuses, "crisis": "failed"})
    assert verify(unchecked).decision == "human_review", "no crisis check: a person may be missed"


def test_weights_follow_vulnerability_and_sum_to_one() -> None:
    for level in ("none", "medium", "high"):
        assert sum(layer_weights(level).values()) == pytest.approx(1.0)
    assert layer_weights("high")["grounding"] > layer_weights("none")["grounding"]


def test_a_likely_minor_raises_vulnerability_and_says_so(clean: list[Analysis]) -> None:
    everyday = clean[3]
    minor = replace(everyday, text="I'm 14 and " + everyday.text)
    context = verify(minor)
    assert context.vulnerability == "medium"
    assert any("may be a minor" in d for d in context.disclaimers)


def test_the_legal_threshold_sends_a_risky_act_to_review(clean: list[Analysis]) -> None:
    everyday = clean[0]
    ethics = json.loads(json.dumps(everyday.sections["ethics"]))
    ethics["legal"]["risk"]["criminal"] = 0.9
    report = verify(replace(everyday, sections={**everyday.sections, "ethics": ethics}))
    assert report.decision == "human_review"
    assert any("criminal 0.90" in d and "not legal advice" in d for d in report.disclaimers)


@pytest.mark.parametrize("kind", sorted(set(faults.OUTPUT_FAULTS) - {"contradiction"}))
def test_each_output_fault_is_caught(kind: str, clean: list[Analysis]) -> None:
    rng = random.Random(1)
    caught = injected = 0
    for i, analysis in enumerate(clean):
        faulty = faults.OUTPUT_FAULTS[kind](analysis, clean, rng)
        if faulty is None:
            continue
        injected += 1
        caught += bool(faults_of(verify(contained(faulty))) - faults_of(verify(analysis)))
    assert injected >= 2 and caught == injected, f"{kind}: {caught} of {injected}"


def test_a_joyful_reading_of_a_person_at_risk_is_a_contradiction(clean: list[Analysis]) -> None:
    """A model fault, consistent within the emotion answer: only the rule between crisis and emotion sees it (the
    harness measures how often such rules catch the contradictions of real readings)."""
    (at_risk,) = [a for a in clean if a.sections["crisis"]["tier"] >= 2]
    emotion = at_risk.sections["emotion"]
    joyful = {label: 0.9 if label in ("joy", "excitement") else 0.01 for label in emotion["goemotions"]}
    faulty = faults.with_section(at_risk, "emotion", faults.with_reading(emotion, joyful, emotion["kote"], 0.8))
    new = faults_of(verify(faulty)) - faults_of(verify(at_risk))
    assert {f.split(":")[0] for f in new} >= {"crisis_vs_emotion"}


@pytest.mark.parametrize(("valence", "called"), [(0.15, True), (0.02, False)])
def test_a_joyful_reading_of_a_clearly_bad_scenario_is_a_contradiction(clean: list[Analysis], valence: float,
                                                                       called: bool) -> None:
    """Valence and top emotion both against a clear utility is a finding even where the valence alone is too mild
    for the valence rule (Korean readings stay within about +-.2); a near-neutral valence is not."""
    bad = next(a for a in clean if a.sections["ethics"]["utility"]["normalised"] <= -0.5)
    emotion = bad.sections["emotion"]
    joyful = {label: 0.9 if label in ("joy", "excitement") else 0.01 for label in emotion["goemotions"]}
    faulty = faults.as_handed(bad, faults.with_reading(emotion, joyful, emotion["kote"], valence))
    new = {f.split(":")[0] for f in faults_of(verify(faulty)) - faults_of(verify(bad))}
    assert ("feeling_vs_utility" in new) is called and "valence_vs_utility" not in new


def test_a_joyful_korean_reading_of_a_clearly_bad_scenario_is_a_contradiction(clean: list[Analysis]) -> None:
    """The Korean path: Ekman from KOTE, a valence as mild as the Korean head answers."""
    korean = next(a for a in clean if a.language == "ko" and a.answered("ethics"))
    ethics = copy.deepcopy(korean.sections["ethics"])
    ethics["utility"]["normalised"] = -0.6  # a clearly bad scenario (the replay's findings are in both analyses)
    bad = faults.with_section(korean, "ethics", ethics)
    emotion = bad.sections["emotion"]
    joyful = {label: 0.9 if label in ("기쁨", "행복") else 0.01 for label in emotion["kote"]}
    faulty = faults.with_section(bad, "emotion", faults.with_reading(emotion, emotion["goemotions"], joyful, 0.15))
    assert faulty.sections["emotion"]["ekman_from"] == "kote" and faulty.sections["emotion"]["ekman"]["joy"] == 0.9
    assert "feeling_vs_utility" in {f.split(":")[0] for f in faults_of(verify(faulty)) - faults_of(verify(bad))}


def test_an_altered_memory_entry_is_reported_and_a_clean_repeat_never(clean: list[Analysis]) -> None:
    rng = random.Random(2)
    for analysis in clean:
        remembered = memory.fingerprint(analysis)
        for _ in range(1_000 // len(clean)):
            (note,) = memory.compare(remembered, analysis, 1e-3, near=False)
            assert (note.check, note.severity) == ("memory", "note")
        altered = faults.altered_memory(analysis, rng)
        (finding,) = memory.compare(altered, analysis, 1e-3, near=False)
        assert finding.check == "memory_drift" and "the same input as before" in finding.message


def test_repeated_verification_is_identical(clean: list[Analysis]) -> None:
    first = [verify(a) for a in clean]
    for _ in range(50):
        assert [verify(a) for a in clean] == first


def test_ungrounded_crisis_evidence_is_dropped(clean: list[Analysis]) -> None:
    (at_risk,) = [a for a in clean if a.sections["crisis"]["tier"] >= 2]
    crisis = json.loads(json.dumps(at_risk.sections["crisis"]))
    rule = next(i for i, e in enumerate(crisis["evidence"]) if e["signal"] == "rule")
    crisis["evidence"][rule]["span"] = [0, 3]
    report = verify(replace(at_risk, sections={**at_risk.sections, "crisis": crisis}))
    assert report.ungrounded == {"crisis.evidence": [rule]}
    assert any("rules do not find it" in f for f in faults_of(report))


def test_containment_withholds_non_finite_numbers_and_numpy_scalars(clean: list[Analysis]) -> None:
    section = clean[0].sections["emotion"]
    for bad, expected in ((math.nan, "valence is nan"), (math.inf, "valence is inf"),
                          (np.float32(0.1), "valence is a numpy.float32")):
        result, found = contain("emotion", EmotionResult.model_construct(**{**section, "valence": bad}))
        assert result.status == "failed" and result.detail.startswith("invalid output withheld")
        assert any(expected in f for f in found)
    out_of_range, found = contain("emotion", EmotionResult.model_construct(**{**section, "valence": 1.5}))
    assert out_of_range.status == "failed" and found == ["valence: Input should be less than or equal to 1"]
    ok, none = contain("emotion", EmotionResult.model_construct(**section))
    assert ok.status == "ok" and none == []


def test_input_unlike_its_language_is_an_uncertainty_finding() -> None:
    for text, language in (("Hoy he tenido un día muy largo en el trabajo y solo quiero descansar.", "en"),
                           ("xkq wprt zzlv mmqo trpw bnvc qwty plok mnbv zxcv", "en"), ("뷁퉯 꺄뉼 쀍 훑뙇 뭵", "ko"),
                           ("今日は雨が降っていたので、一日中家で本を読んでいました。", "en")):
        analysis = Analysis(text=text, language=language, statuses={"crisis": "ok"}, sections={"crisis": {}})
        layer = verify_layer(analysis)
        assert any(f.check == "input_language" and f.severity == "caution" for f in layer.findings), text
    for text in ("I finally finished the project and I feel relieved, so tonight we celebrate.",
                 "Worst day ever. Boss yelled, missed bus, rained."):  # telegraphic: too short to judge
        english = Analysis(text=text, language="en", statuses={}, sections={})
        assert not any(f.check == "input_language" for f in verify_layer(english).findings), text


def verify_layer(analysis: Analysis):
    from redheart_models.verification.uncertainty import uncertainty_layer

    return uncertainty_layer(analysis, limit=0.6)


def conversation_with_surd() -> Analysis:
    """A conversation's emotion trajectory and risk series, and the SURD answer the Surd module gives for them."""
    rng = np.random.default_rng(0)
    n = 30
    channels = {c: {"values": rng.random(n).round(3).tolist()} for c in ("valence", "joy", "sadness", "neutral")}
    where = [f"history.{i}" for i in range(n - 1)] + ["text"]
    risk = rng.random(n).round(3).tolist()
    found = surd_analyses.conversation({c: ch["values"] for c, ch in channels.items()}, where, risk)
    decompositions = json.loads(json.dumps(found.decompositions))
    surd = {**{k: decompositions[0][k] for k in grounding.SURD_HEADLINE}, "decompositions": decompositions}
    return Analysis(text="i am fine", language="en", statuses={"emotion": "ok", "crisis": "ok", "surd": "ok"},
                    sections={"emotion": {"trajectory": {"where": where, "channels": channels}},
                              "crisis": {"risk_series": risk}, "surd": surd})


def test_a_surd_answer_is_grounded_in_the_trajectory_it_decomposes() -> None:
    analysis = conversation_with_surd()
    assert grounding.surd_replay(analysis.sections["surd"], analysis, 1e-6) is None
    tampered = copy.deepcopy(analysis)
    tampered.sections["surd"]["decompositions"][1]["unique"]["valence"] += 0.05
    assert "decompositions.1.unique.valence" in grounding.surd_replay(tampered.sections["surd"], tampered, 1e-6)
    headline = copy.deepcopy(analysis)
    headline.sections["surd"]["info_leak"] = 0.5
    assert "info_leak" in grounding.surd_replay(headline.sections["surd"], headline, 1e-6)
    without_risk = replace(analysis, statuses={**analysis.statuses, "crisis": "failed"})
    assert "decompositions" in grounding.surd_replay(without_risk.sections["surd"], without_risk, 1e-6)  # fewer
    no_trajectory = replace(analysis, sections={**analysis.sections, "emotion": {}})
    assert "no emotion trajectory" in grounding.surd_replay(no_trajectory.sections["surd"], no_trajectory, 1e-6)
