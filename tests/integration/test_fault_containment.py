"""A failing, hanging or invalid module, or a dead Redis, never takes the analysis (and so the crisis answer) down;
a repeated input gets the same answer."""

import pytest
from ray import serve

from actors.api import AnalysisResult
from actors.faults import FaultyModule
from actors.requests import ANALYSIS_MODULES, AnalyzeRequest
from actors.settings import Settings
from cluster.runtime import Runtime
from services.app import DEPLOYMENTS, AppArgs, build_modules, build_pipeline, expert_name

pytestmark = pytest.mark.integration
SMALL = {"ray_actor_options": {"num_cpus": 0.02, "num_gpus": 0}}
VOLATILE = {m: {"latency_ms": True, "review_id": True, "calibration": True} for m in ANALYSIS_MODULES}  # differ between runs by design


def deploy_pipeline(name: str, redis_url: str, settings: Settings, coordinator: dict, **replace):
    options = {d: SMALL for d in (*DEPLOYMENTS, expert_name(0))} | {
        "VerificationCoordinator": {**SMALL, "user_config": coordinator}}
    args = AppArgs(redis_url=redis_url, deployments=options)
    app = build_pipeline(args, settings, build_modules(args, settings, replace))
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
    assert result.crisis.status == "ok" and result.crisis.tier >= 1  # answered, untouched: a wish to disappear
    assert result.verification.decision == ("human_review" if result.crisis.tier >= 2 else "abstain")
    assert result.audit_id is not None


async def test_ethics_without_the_emotion_module_answers_in_part(service: str, runtime: Runtime) -> None:
    handle = deploy_pipeline(
        "noemotion", runtime.redis_url, runtime.settings, {"module_timeouts_s": {"ethics": 60.0}},
        emotion=FaultyModule.options(name="Emotion", **SMALL).bind("emotion", "raise"),
    )
    request = AnalyzeRequest(text="I want to steal money from my boss. Should I take it or leave it?",
                             alternatives=["I take the money.", "I leave the money where it is."])
    try:
        result = await handle.analyze.remote(request, "noemotion-1")
    finally:
        serve.delete("noemotion")
    ethics = result.ethics
    assert result.emotion.status == "failed" and ethics.status == "partial"
    assert ethics.detail == ("no Bentham calculus or stakeholders (emotion module failed: module raised "
                             "InjectedFault): they weigh the emotions")
    assert ethics.bentham is None and ethics.stakeholders is None
    assert ethics.utility.std > 0 and len(ethics.regret) == 2 and ethics.legal.max_risk > 0
    assert "Analysed in part: ethics (each module's detail says what is missing)." in result.verification.disclaimers
    assert result.crisis.status == "ok"


async def test_dead_redis_still_answers_without_an_audit_id(service: str, runtime: Runtime) -> None:
    handle = deploy_pipeline("noredis", "unix:///tmp/rh-no-such-redis.sock", runtime.settings, {"audit_timeout_s": 1})
    try:
        result = await handle.analyze.remote(AnalyzeRequest(text="hello"), "noredis-1")
        readiness = await handle.ready.remote()
    finally:
        serve.delete("noredis")
    assert result.audit_id is None
    assert "could not be recorded in the audit log" in result.verification.disclaimers[-1]
    assert readiness["checks"]["redis"] is False and readiness["checks"]["crisis"] is True
    assert readiness["problems"] == {}, "a dead Redis is not a model that cannot load"


@pytest.mark.parametrize(("key", "deployment"), [("encoder", "Encoder"), ("crisis_encoder", "CrisisEncoder")])
async def test_without_an_encoder_an_explicit_message_still_gets_tier_2_and_resources(
        key: str, deployment: str, service: str, runtime: Runtime) -> None:
    """The shared Encoder, or the CrisisEncoder of the message model, failing: the rules answer, degraded."""
    handle = deploy_pipeline(
        "noencoder", runtime.redis_url, runtime.settings, {},
        **{key: FaultyModule.options(name=deployment, **SMALL).bind(key, "raise")},
    )
    try:
        english = await handle.analyze.remote(AnalyzeRequest(text="I want to kill myself", locale="en-US"), "ne-1")
        korean = await handle.analyze.remote(AnalyzeRequest(text="죽고 싶어", locale="ko-KR"), "ne-2")
    finally:
        serve.delete("noencoder")
    assert english.crisis.tier >= 2 and english.crisis.degraded
    assert english.crisis.detail == "classifier failed: InjectedFault"
    assert "988" in [r.contact for r in english.crisis.response.resources]
    assert korean.crisis.tier >= 2 and {"109", "1577-0199"} <= {r.contact for r in korean.crisis.response.resources}
    assert english.crisis.review_id and english.verification.decision == "human_review"


async def test_a_failed_or_hanging_crisis_deployment_falls_back_to_the_rules(service: str, runtime: Runtime) -> None:
    for fault in ("raise", "hang"):
        handle = deploy_pipeline(
            f"nocrisis-{fault}", runtime.redis_url, runtime.settings, {"module_timeouts_s": {"crisis": 0.5}},
            crisis=FaultyModule.options(name="Crisis", **SMALL).bind("crisis", fault, 30.0),
        )
        try:
            result = await handle.analyze.remote(AnalyzeRequest(text="I took all my pills"), f"nc-{fault}")
        finally:
            serve.delete(f"nocrisis-{fault}")
        assert result.crisis.tier == 4 and result.crisis.urgent and result.crisis.degraded
        assert result.crisis.detail.startswith("crisis module failed" if fault == "raise" else "crisis module timeout")
        assert result.crisis.response.template_id == "urgent.en"


@pytest.mark.parametrize("module", ["emotion", "ethics", "crisis"])
async def test_with_a_module_down_the_answer_is_caution_at_least_and_keeps_the_crisis_section(
        module: str, service: str, runtime: Runtime) -> None:
    handle = deploy_pipeline(
        f"down-{module}", runtime.redis_url, runtime.settings, {},
        **{module: FaultyModule.options(name=module.capitalize(), **SMALL).bind(module, "raise")},
    )
    try:
        result = await handle.analyze.remote(AnalyzeRequest(text="I want to end my life tonight", locale="en-US"),
                                             f"down-{module}")
    finally:
        serve.delete(f"down-{module}")
    assert getattr(result, module).status == "ok" if module == "crisis" else getattr(result, module).status == "failed"
    assert result.crisis.tier >= 2 and "988" in [r.contact for r in result.crisis.response.resources]
    assert result.verification.decision in ("caution", "human_review", "abstain")
    assert any(r.startswith("metacognition: completeness") or r.startswith("social_context: person_at_risk")
               for r in result.verification.reasons)
    if module != "crisis":
        assert f"metacognition: completeness: {module}: failed" in result.verification.reasons


@pytest.mark.parametrize("fault", ["nan", "numpy"])
async def test_an_invalid_module_answer_is_withheld_with_a_finding_not_an_error(
        fault: str, service: str, runtime: Runtime) -> None:
    handle = deploy_pipeline(
        f"invalid-{fault}", runtime.redis_url, runtime.settings, {},
        emotion=FaultyModule.options(name="Emotion", **SMALL).bind("emotion", fault),
        crisis=FaultyModule.options(name="Crisis", **SMALL).bind("crisis", fault),
    )
    try:
        result = await handle.analyze.remote(AnalyzeRequest(text="죽고 싶어", locale="ko-KR"), f"invalid-{fault}")
    finally:
        serve.delete(f"invalid-{fault}")
    expected = "uncertainty is nan" if fault == "nan" else "uncertainty is a numpy.float32"
    assert result.emotion.status == "failed" and expected in result.emotion.detail
    assert result.crisis.tier >= 2 and result.crisis.degraded, "the withheld crisis answer: the rules answer"
    assert {"109", "1577-0199"} <= {r.contact for r in result.crisis.response.resources}
    consistency = next(layer for layer in result.verification.layers if layer.name == "consistency")
    assert any("output_integrity: emotion" in f for f in consistency.findings)
    assert result.verification.decision == "human_review"
    AnalysisResult.model_validate_json(result.model_dump_json())  # what the HTTP answer is made of


async def test_a_repeated_input_gives_the_same_answer_and_the_memory_never_flags_it(
        service: str, runtime: Runtime) -> None:
    patient = {"module_timeouts_s": {"emotion": 60.0, "ethics": 60.0}}  # the first call loads the models
    handle = deploy_pipeline("repeat", runtime.redis_url, runtime.settings, patient)
    request = AnalyzeRequest(text="I forgot my mother's birthday again. Should I call or send flowers?",
                             alternatives=["Call her tonight", "Send flowers tomorrow"])
    try:
        results = [await handle.analyze.remote(request, f"repeat-{i}") for i in range(20)]
    finally:
        serve.delete("repeat")
    first = results[0].model_dump(include=set(ANALYSIS_MODULES) | {"language"}, exclude=VOLATILE)
    for result in results[1:]:
        assert result.model_dump(include=set(ANALYSIS_MODULES) | {"language"}, exclude=VOLATILE) == first
        consistency = next(layer for layer in result.verification.layers if layer.name == "consistency")
        assert "[note] memory: the same input as before, answered alike" in consistency.findings
