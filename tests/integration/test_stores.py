"""The embedded Redis server, the audit stream and the feedback store, against a real redis-server (no Ray needed)."""

import asyncio
import os
import signal
from datetime import UTC, datetime

import pytest

from actors.api import AnalysisResult
from actors.keys import AUDIT_STREAM, FEEDBACK_STREAM
from actors.messages import CrisisResult, ModuleResult
from actors.stores.audit import AuditLog
from actors.stores.connection import connect
from actors.stores.feedback import FeedbackStore, UnknownRequest
from actors.verification import LayerResult, VerificationReport
from cluster.redis_server import EmbeddedRedis

pytestmark = pytest.mark.integration


def make_result(request_id: str) -> AnalysisResult:
    skipped = {m: ModuleResult(module=m, version="unavailable", status="skipped") for m in ("emotion", "ethics", "surd")}
    skipped["crisis"] = CrisisResult(version="test", status="ok", tier=0, tier_name="none", degraded=False,
                                     concern_other=False)
    layers = [LayerResult(name=n, evaluated=False, score=0.0, passed=False) for n in
              ("uncertainty", "consistency", "grounding", "social_context", "metacognition")]
    report = VerificationReport(layers=layers, risk=1.0, decision="abstain", confidence_band="none")
    return AnalysisResult(
        request_id=request_id, language="en", created_at=datetime.now(UTC), verification=report, **skipped
    )


def test_start_is_idempotent_and_stop_ends_the_process(home) -> None:
    server = EmbeddedRedis(home).start()
    pid = server.pid
    assert EmbeddedRedis(home).start().pid is None  # a second owner finds it serving and starts nothing
    assert int(server.pidfile.read_text()) == pid
    server.stop()
    assert not server.ping()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_too_deep_home_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="too deep"):
        EmbeddedRedis(tmp_path / ("d" * 120))


async def test_acknowledged_audit_entry_survives_kill_9(home) -> None:
    server = EmbeddedRedis(home).start()
    client = connect(server.url)
    audit = AuditLog(client, maxlen=1_000, include_text=False)
    entry_id = await audit.append(make_result("req-1"), "I lied to my friend")
    await client.aclose()
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait()

    restarted = EmbeddedRedis(home).start()
    client = connect(restarted.url)
    try:
        found = await AuditLog(client, maxlen=1_000, include_text=False).find("req-1")
        assert found["id"] == entry_id
        assert found["result"]["request_id"] == "req-1"
        assert "text" not in found and "I lied" not in str(found)
        assert found["text_chars"] == str(len("I lied to my friend"))
    finally:
        await client.aclose()
        restarted.stop()


async def test_find_pages_through_the_stream_and_text_is_opt_in(home) -> None:
    server = EmbeddedRedis(home).start()
    client = connect(server.url)
    try:
        audit = AuditLog(client, maxlen=10_000, include_text=True)
        for i in range(1_201):
            await audit.append(make_result(f"req-{i}"), f"text {i}")
        assert await client.xlen(AUDIT_STREAM) == 1_201
        oldest = await audit.find("req-0")  # three pages back
        assert oldest["text"] == "text 0"
        assert await audit.find("never-sent") is None
    finally:
        await client.aclose()
        server.stop()


async def test_concurrent_feedback_reports_are_each_counted_once(home) -> None:
    server = EmbeddedRedis(home).start()
    client = connect(server.url)
    try:
        store = FeedbackStore(client)
        await store.remember("r1", [0.0, 0.4], "ethics-util:test")
        answers = await asyncio.gather(*(store.report("r1", i % 2, 0.1 * (i % 10)) for i in range(30)))
        state = await store.state()
        assert state.total == 30 and state.events == 30 and state.errors == 30
        assert await client.xlen(FEEDBACK_STREAM) == 30 and len({event_id for event_id, _, _ in answers}) == 30
        assert {predicted for _, _, predicted in answers} == {0.0, 0.4}
        with pytest.raises(UnknownRequest):
            await store.report("never", 0, 0.5)
        with pytest.raises(IndexError):
            await store.report("r1", 2, 0.5)
        assert await client.xlen(FEEDBACK_STREAM) == 30, "a refused report stores nothing"
    finally:
        await client.aclose()
        server.stop()
