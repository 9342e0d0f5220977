"""What a module call comes to: the crisis answer built from the core's decision (shared by the Crisis deployment
and the coordinator's own fallback) and its last resort, the containment of an invalid answer, and the error a
failed Ray call stands for."""

import time
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError

from actors.messages import (
    CrisisEvidence, CrisisResource, CrisisResponse, CrisisResult, ModuleRequest, ModuleResult, TraceStep,
)
from redheart_models.crisis import classifier, decision, policy, signals
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.crisis.tiers import TIERS
from redheart_models.verification import integrity


def assess_crisis(request: ModuleRequest, reading: signals.Reading | None = None,
                  model: classifier.OrdinalClassifier | None = None, message_risk: MessageRisk | None = None,
                  degraded_reason: str | None = None) -> CrisisResult:
    """The crisis result of the request from the rules and, when given, what the models read of the speaker's
    texts (their own history, oldest first, then the message)."""
    start = time.perf_counter()
    history = [(i, u.text) for i, u in request.own_history()]
    made = decision.decide(request.text, history, request.language, request.locale, reading, model, message_risk)
    response = made.response
    return CrisisResult(
        version=decision.VERSION, status="ok", detail=degraded_reason, tier=made.tier, tier_name=TIERS[made.tier],
        degraded=made.degraded, concern_other=made.concern_other,
        evidence=[CrisisEvidence(**asdict(e)) for e in made.evidence],
        response=None if response is None else CrisisResponse(
            template_id=response.template_id, text=response.text, region=response.region,
            resources=[CrisisResource(**vars(r)) for r in response.resources]),
        urgent=made.urgent, risk_series=made.risk_series, trace=[TraceStep(**asdict(s)) for s in made.steps],
        latency_ms=round((time.perf_counter() - start) * 1000, 3),
    )


def last_resort(request: ModuleRequest, reason: str) -> CrisisResult:
    """The answer when the crisis rules themselves fail: no tier is claimed (0, `failed`), and the fixed `unchecked`
    text with the locale's crisis lines goes out, so a person at risk still gets them."""
    response = policy.template("unchecked", request.language, request.locale)
    return CrisisResult(
        version=decision.VERSION, status="failed", detail=reason, tier=0, tier_name=TIERS[0], degraded=True,
        concern_other=False, response=CrisisResponse(
            template_id=response.template_id, text=response.text, region=response.region,
            resources=[CrisisResource(**vars(r)) for r in response.resources]))


def contain(module: str, result: Any) -> tuple[ModuleResult, list[str]]:
    """Containment: (the result, or a `failed` stand-in, and the problems found). An answer that is not plain,
    finite JSON values of its type (a bug, or one built with `model_construct`) is withheld, never an HTTP 500."""
    if not isinstance(result, ModuleResult):
        found = [f"the answer is a {type(result).__name__}, not a module result"]
    else:
        raw = result.model_dump(warnings=False)
        found = integrity.problems(raw)
        if not found:
            try:
                return type(result).model_validate(raw), []
            except ValidationError as exc:
                found = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:integrity.MAX_PROBLEMS]]
    version = getattr(result, "version", None)
    withheld = ModuleResult(module=module, version=version if isinstance(version, str) else "unknown",
                            status="failed", detail=f"invalid output withheld: {'; '.join(found)}")
    return withheld, found


def cause(exc: BaseException) -> BaseException:
    """The exception a deployment raised, unwrapped from Ray's RayTaskError (which carries it as `cause`)."""
    return getattr(exc, "cause", None) or exc
