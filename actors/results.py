"""What a module call comes to: the crisis answer built from the core's decision (shared by the Crisis deployment
and the coordinator's own fallback), and the error a failed Ray call stands for."""

import time
from dataclasses import asdict

from actors.messages import CrisisEvidence, CrisisResource, CrisisResponse, CrisisResult, ModuleRequest, TraceStep
from redheart_models.crisis import classifier, decision, signals
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.crisis.tiers import TIERS


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


def cause(exc: BaseException) -> BaseException:
    """The exception a deployment raised, unwrapped from Ray's RayTaskError (which carries it as `cause`)."""
    return getattr(exc, "cause", None) or exc
