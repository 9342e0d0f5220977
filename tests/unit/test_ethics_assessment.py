"""The pure ethics assessment: every number replays from its trace, layers switch, bad readings are refused."""

import dataclasses

import pytest

from redheart_models.ethics import bentham
from redheart_models.ethics.assessment import Option, Reading, assess
from redheart_models.ethics.features import split_sentences
from tests import ethics_trace

EKMAN = {"anger": 0.05, "disgust": 0.02, "fear": 0.03, "joy": 0.6, "neutral": 0.2, "sadness": 0.08, "surprise": 0.02}
GRIEF = EKMAN | {"joy": 0.01, "sadness": 0.9, "fear": 0.4}


def run(text: str, language: str, options: list[Option] = (), sentence: Reading | None = None, **kwargs):
    message = Reading(utility=1.5, utility_std=0.3, valence=0.4, ekman=EKMAN, neutral=0.2)
    sentences = [sentence or message] * len(split_sentences(text, language))
    return assess(text, language, message, sentences, list(options), "ethics-util:test", **kwargs)


@pytest.mark.parametrize(("text", "language"), [
    ("I helped my neighbour move. She thanked me, and the whole street had a party next week.", "en"),
    ("친구 돈을 훔쳤어. 내일 갚을까 그냥 모른 척할까 고민이야.", "ko"),
])
def test_every_number_is_replayed_from_the_trace(text: str, language: str) -> None:
    a = run(text, language, [Option("tell the truth", 2.0, 0.2), Option("lie", -3.0, 0.6)])
    answer = {"bentham": a.bentham, "stakeholders": a.stakeholders, "regret": a.regret, "legal": a.legal,
              "utility": a.utility, "uncertainty": a.uncertainty}
    replayed = ethics_trace.check(answer, [dataclasses.asdict(s) for s in a.steps])
    assert replayed >= 30


def test_a_critical_loss_of_the_speaker_reverses_the_hierarchy() -> None:
    calm = run("My friend and I lost the game.", "en")
    grief = run("My friend and I lost the game.", "en", sentence=Reading(-2.0, 0.3, -0.8, GRIEF, 0.05))
    assert not calm.stakeholders["reversed"] and grief.stakeholders["reversed"]
    assert grief.stakeholders["groups"]["self"]["weight"] > grief.stakeholders["groups"]["others"]["weight"]
    assert grief.bentham["dimensions"]["self_damage"] > 0 and grief.bentham["score"] < 0 < calm.bentham["score"]


def test_switched_off_layers_weigh_one_and_leave_the_base_alone() -> None:
    text = "I gave my savings to the children's hospital."
    on = run(text, "en", layers=dict.fromkeys(bentham.LAYERS, True))
    off = run(text, "en", layers=dict.fromkeys(bentham.LAYERS, False))
    assert off.bentham["layers"] == dict.fromkeys(bentham.LAYERS, 1.0) and off.bentham["score"] == off.bentham["base"]
    assert on.bentham["base"] == off.bentham["base"] and on.bentham["score"] != on.bentham["base"]
    assert on.bentham["layers"]["social"] > 1  # a vulnerable group (children)
    default = run(text, "en")  # social is off by default (it lowered U_B's accuracy on the dev pairs)
    assert default.bentham["layers_enabled"]["social"] is False and default.bentham["layers"]["social"] == 1.0


def test_sentence_readings_must_match_the_sentences() -> None:
    message = Reading(1.0, 0.1, 0.0, EKMAN, 0.2)
    with pytest.raises(ValueError, match="2 sentence readings for 1 sentences"):
        assess("One sentence.", "en", message, [message, message], [], "m")


def test_without_emotion_readings_utility_regret_and_legal_stand_and_the_calculus_is_left_out() -> None:
    text = "I want to steal the money from my boss. Should I take it or leave it?"
    options = [Option("take it", -2.0, 0.4), Option("leave it", 1.0, 0.2)]
    felt = run(text, "en", options)
    unfelt = assess(text, "en", Reading(1.5, 0.3), [Reading(1.5, 0.3)] * len(split_sentences(text, "en")),
                    options, "ethics-util:test")
    assert unfelt.bentham is None and unfelt.stakeholders is None
    assert (unfelt.utility, unfelt.regret, unfelt.legal, unfelt.uncertainty) == (
        felt.utility, felt.regret, felt.legal, felt.uncertainty)
    assert unfelt.legal["max_risk"] > 0 and [r["best"] for r in unfelt.regret] == [False, True]
    assert not any(s.id.startswith(("ethics.tone", "ethics.impacts", "ethics.score")) for s in unfelt.steps)
