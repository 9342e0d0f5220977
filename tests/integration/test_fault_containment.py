"""A failing or hanging module, or a dead Redis, never takes the analysis (and so the crisis answer) down."""

import pytest
from ray import serve

from actors.faults import FaultyModule
from actors.messages import AnalyzeRequest
from actors.settings import Settings
from cluster.runtime import Runtime
from services.app import DEPLOYMENTS, AppArgs, build_modules, build_pipeline

pytestmark = pytest.mark.integration
SMALL = {"ray_actor_options": {"num_cpus": 0.02, "num_gpus": 0}}


def deploy_pipeline(name: str, redis_url: str, settings: Settings, coordinator: dict, **replace):
    options = {d: SMALL for d in DEPLOYMENTS} | {"VerificationCoordinator": {**SMALL, "user_config": coordinator}}
    args = AppArgs(redis_url=redis_url, deployments=options)
    app = build_pipeline(args, settings, build_modules(args, replace))
    return serve.run(app, name=name, route_prefix=None)


async def test_failed_and_timed_out_modules_become_statuses(service: str, runtime: Runtime) -> None:
    handle = deploy_pipeline(
        "faults",
        runtime.redis_url,
        runtime.settings,
        {"module_timeouts_s": {"ethics": 0.5}},
        emotion=FaultyModule.options(name="Emotion", **SMALL).bind("emotion", "raise"),
        ethics=FaultyModule.options(name="Ethics", **SMALL).bind("ethics", "hang", 30.0),
    )
    try:
        result = await handle.analyze.remote(AnalyzeRequest(text="I want to disappear"), "faults-1")
    finally:
        serve.delete("faults")
    assert (result.emotion.status, result.emotion.detail) == ("failed", "module raised InjectedFault")
    assert (result.ethics.status, result.ethics.detail) == ("timeout", "no answer within 0.5 s")
    assert result.crisis.status == "skipped" and result.crisis.version == "unavailable"  # answered, untouched
    assert result.verification.decision == "abstain"
    assert result.audit_id is not None


async def test_dead_redis_still_answers_without_an_audit_id(service: str, runtime: Runtime) -> None:
    handle = deploy_pipeline("noredis", "unix:///tmp/rh-no-such-redis.sock", runtime.settings, {"audit_timeout_s": 1})
    try:
        result = await handle.analyze.remote(AnalyzeRequest(text="hello"), "noredis-1")
        readiness = await handle.ready.remote()
    finally:
        serve.delete("noredis")
    assert result.audit_id is None
    assert "could not be recorded in the audit log" in result.verification.disclaimers[-1]
    assert readiness["redis"] is False and readiness["crisis"] is True
