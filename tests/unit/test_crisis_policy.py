"""Crisis fusion, escalation, response policy, and the pure assembly of a crisis result."""

import pytest

from actors.messages import ModuleRequest
from actors.requests import Utterance
from actors.results import assess_crisis
from redheart_models.crisis import fusion, policy, rules


def request(text: str, language: str = "en", locale: str | None = None, history: list[str] = ()) -> ModuleRequest:
    return ModuleRequest(request_id="t", text=text, language=language, locale=locale,
                         history=[Utterance(text=h) for h in history])


def test_escalation_slope_ignores_one_outlier() -> None:
    assert fusion.escalation([0.0, 0.1, 0.2, 5.0, 0.4], 0.3).slope == pytest.approx(0.1)


def test_escalation_needs_a_sustained_rise() -> None:
    assert fusion.escalation([0.1, 0.2, 0.4, 0.5, 0.7], 0.3).escalating
    assert not fusion.escalation([0.1, 0.7, 0.1, 0.7, 0.1], 0.3).escalating  # noise, no trend
    assert not fusion.escalation([0.7, 0.5, 0.4, 0.2], 0.3).escalating  # falling
    assert not fusion.escalation([0.1, 0.9], 0.3).escalating  # too few points to call a trend


def test_classifier_is_capped_on_a_single_message_and_silenced_by_a_read_context() -> None:
    plain, idiom = rules.assess("what a day"), rules.assess("this commute is killing me")
    assert fusion.fuse(plain, [], 3, 1, 0, {}).tier == fusion.MESSAGE_CAP
    assert fusion.fuse(plain, [], 3, fusion.PERSON_LEVEL_TEXTS, 0, {}).tier == 3
    assert fusion.fuse(idiom, [], 3, 1, fusion.PERSON_LEVEL_WORDS, {}).tier == 3  # one long post: a person
    assert fusion.fuse(idiom, [], 3, 1, 0, {}).tier == 0
    assert fusion.fuse(rules.assess("I want to kill myself"), [], 0, 1, 0, {}).tier == 2  # only ever raises


def test_history_and_escalation_raise_the_tier() -> None:
    calm = rules.assess("ok")
    assert fusion.fuse(calm, [rules.assess("I bought a rope")], None, 2, 0, {}).tier == 3
    rising = [0.05, 0.2, 0.35, 0.5, 0.6]
    fused = fusion.fuse(calm, [calm] * 4, 0, 5, 5, {"p_ideation": rising})
    assert fused.tier == 1 and fused.escalations["p_ideation"].escalating
    falling_valence = [0.6, 0.4, 0.1, -0.2, -0.5]  # a sustained fall of valence: its negation rises by 1.1
    fused = fusion.fuse(calm, [calm] * 4, 0, 5, 5, {"p_ideation": [0.1] * 5,
                                                     "valence_fall": [-v for v in falling_valence]})
    assert fused.tier == 1 and fused.escalations["valence_fall"].escalating
    assert not fused.escalations["p_ideation"].escalating


@pytest.mark.parametrize(("locale", "language", "region", "number"), [
    ("ko-KR", "ko", "KR", "109"), (None, "ko", "KR", "1577-0199"), ("en-US", "en", "US", "988"),
    ("en_GB", "en", "GB", "116 123"), ("en-IE", "en", "IE", "116 123"), ("fr-FR", "en", "default", None),
    (None, "en", "default", None), ("ko", "en", "KR", "109"),
])
def test_resources_follow_the_locale(locale: str | None, language: str, region: str, number: str | None) -> None:
    response = policy.respond(2, False, language, locale)
    assert response.region == region
    contacts = [r.contact for r in response.resources]
    assert number in contacts if number else contacts == ["local emergency number"]
    assert all(r.source for r in response.resources)


def test_templates_are_fixed_texts_per_tier() -> None:
    assert policy.respond(1, False, "en", "en-US") is None
    assert policy.respond(2, False, "en", "en-US").template_id == "support.en"
    assert policy.respond(3, False, "ko", "ko-KR").template_id == "urgent.ko"
    assert policy.respond(0, True, "en", "en-US").template_id == "concern_other.en"
    texts = policy.load_responses()["templates"]
    assert policy.respond(4, False, "en", None).text == texts["urgent"]["en"]


def test_rule_only_assessment_answers_with_resources_and_a_replayable_trace() -> None:
    result = assess_crisis(request("죽고 싶어", "ko", "ko-KR"), degraded_reason="encoder down")
    assert result.tier == 2 and result.degraded and result.detail == "encoder down"
    assert "109" in [r.contact for r in result.response.resources]
    (hit,) = [e for e in result.evidence if e.signal == "rule"]
    assert "죽고 싶어"[hit.span[0]:hit.span[1]] == "죽고 싶" and hit.source
    fusion_step = next(s for s in result.trace if s.id == "crisis.fusion")
    assert fusion_step.output == max(fusion_step.inputs["rule_tier"], 0) == result.tier


def test_history_items_of_other_speakers_are_not_the_person() -> None:
    req = ModuleRequest(request_id="t", text="ok", language="en",
                        history=[Utterance(text="I want to kill myself", speaker="character-bot"),
                                 Utterance(text="thanks", speaker="user")])
    assert assess_crisis(req).tier == 0
    req.history[0].speaker = None
    assert assess_crisis(req).tier == 2 and assess_crisis(req).evidence[0].where == "history.0"


def test_empty_history_and_two_hundred_items() -> None:
    assert assess_crisis(request("I want to die", history=[])).tier == 2
    many = assess_crisis(request("fine", history=["just a normal day"] * 199 + ["I took all my pills"]))
    assert many.tier == 4 and many.urgent


def test_the_message_model_speaks_for_a_message_at_any_tier_and_the_rules_stay_a_floor() -> None:
    calm = rules.assess("see you there")
    fused = fusion.fuse(calm, [], 0, 1, 3, {}, message_tier=4)
    assert fused.tier == 4 and fused.message_tier == 4 and not fused.degraded
    assert fusion.fuse(calm, [], 0, 1, 3, {}).degraded, "without the message model the result says so"
    assert fusion.fuse(rules.assess("I took all my pills"), [], 0, 1, 5, {}, message_tier=0).tier == 4


def test_the_message_model_may_veto_the_rules_of_the_message_but_not_of_the_history() -> None:
    pills, calm = rules.assess("I took all my pills"), rules.assess("see you there")
    below = fusion.RULE_VETO_SHARE / 2
    vetoed = fusion.fuse(pills, [], 0, 1, 5, {}, message_tier=0, message_share=below)
    assert vetoed.tier == 0 and vetoed.rules_vetoed and vetoed.rule_tier == 0
    kept = fusion.fuse(pills, [], 0, 1, 5, {}, message_tier=2, message_share=max(fusion.RULE_VETO_SHARE, 1.0))
    assert kept.tier == 4 and not kept.rules_vetoed, "where the model agrees, the rules still raise the level"
    earlier = fusion.fuse(calm, [pills], 0, 2, 8, {}, message_tier=0, message_share=below)
    assert earlier.tier == 4 and not earlier.rules_vetoed, "a plan stated earlier in the conversation still holds"
    assert fusion.fuse(pills, [], None, 1, 5, {}).tier == 4, "without the model the rules decide alone"
