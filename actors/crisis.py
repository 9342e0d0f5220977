"""The Crisis deployment: rule engine first, then the message model and the person classifier (which need the
encoder) under one deadline, fused into one tier.

`assess` is pure and shared: the coordinator calls it with no classifier when the Crisis deployment itself fails,
so no failure anywhere removes a crisis answer. The speaker's texts are the message and the history items whose
`speaker` is unset or `user`; other speakers (a counsellor, a bot) are not the person at risk.
"""

import asyncio
import time
from typing import Any

import numpy as np
import structlog
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.loading import ModelLoad, ModelUnavailable
from actors.logs import configure_logging
from actors.messages import CrisisEvidence, CrisisResource, CrisisResponse, CrisisResult, ModuleRequest, TraceStep
from actors.settings import Settings
from redheart_models.crisis import classifier, fusion, message_model, policy, rules, signals
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.crisis.tiers import RESPONSE_TIER, TIERS, URGENT_TIER
from redheart_models.release import load_released, weights_path
from redheart_models.training.head import Head

log = structlog.get_logger("redheart.crisis")
SPEAKER_NAMES = {None, "user"}
CLASSIFIER_TEXTS = 20  # the classifier reads the speaker's last 20 texts (the rules read all): embedding 200 would
# not fit the 1 s classifier budget on a CPU, and recent talk is what the tier is about
VERSION = f"{rules.VERSION}+{message_model.VERSION}+{classifier.VERSION}+{fusion.VERSION}"
ESCALATION = "crisis.theil_sen_escalation@1"


class CrisisConfig(BaseModel):
    """The Crisis deployment's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    classifier_timeout_s: float = Field(default=1.0, gt=0, description="Budget for the encoder and the classifier.")
    weights: str = "crisis"
    message_weights: str = "crisis-messages"  # the message model (redheart train crisis-messages)
    valence_weights: str = "valence"  # the emotion module's valence head, for escalation; optional


def speaker_history(request: ModuleRequest) -> list[tuple[int, str]]:
    """(history index, text) of the speaker's own earlier utterances."""
    return [(i, u.text) for i, u in enumerate(request.history) if u.speaker in SPEAKER_NAMES]


def _rule_evidence(where: str, assessment: rules.RuleAssessment) -> list[CrisisEvidence]:
    return [
        CrisisEvidence(signal="rule", where=where, tier=h.effective_tier, rule=h.rule, kind=h.kind, status=h.status,
                       cue=h.cue, span=(h.start, h.end), source=rules.source_of(h))
        for h in assessment.hits
    ]


def assess(request: ModuleRequest, reading: signals.Reading | None = None,
           model: classifier.OrdinalClassifier | None = None, message_risk: MessageRisk | None = None,
           degraded_reason: str | None = None) -> CrisisResult:
    """The crisis result from the rules and, when given, what the models read of the speaker's texts (oldest
    first, the message last): the message model's probabilities of each text, the person classifier's, and the
    per-utterance series escalation watches."""
    trends = reading.trends if reading else {}
    start = time.perf_counter()
    history = speaker_history(request)
    message_rules = rules.assess(request.text)
    history_rules = [(i, rules.assess(text)) for i, text in history]
    evidence = _rule_evidence("text", message_rules)
    for i, assessment in history_rules:
        evidence += _rule_evidence(f"history.{i}", assessment)
    steps = [TraceStep(id="crisis.rules", name=rules.VERSION,
                       inputs={"texts": 1 + len(history_rules), "expressions": str(rules.EXPRESSIONS.name)},
                       output={"message_tier": message_rules.tier, "history_tiers": [a.tier for _, a in history_rules],
                               "hits": len(evidence), "neutralised": message_rules.neutralised})]
    message_tier = None
    if reading is not None and reading.messages is not None and message_risk is not None:
        p = reading.messages[-1]
        message_tier = int(message_risk.tiers(p[None, :])[0])
        evidence.append(CrisisEvidence(signal="message_model", where="text", tier=message_tier,
                                       source=message_model.VERSION, score=round(float(p[RESPONSE_TIER - 1]), 6)))
        steps.append(TraceStep(id="crisis.message_model", name=message_model.VERSION,
                               inputs={"text": "the message", "thresholds": [float(t) for t in message_risk.thresholds]},
                               output={"p_at_least": [round(float(v), 6) for v in p], "tier": message_tier}))
    classifier_tier = None
    if reading is not None and model is not None:
        person_p = reading.person
        classifier_tier = int(model.tiers(person_p[None, :])[0])
        evidence.append(CrisisEvidence(signal="classifier", where="person", tier=classifier_tier,
                                       source=classifier.VERSION, score=round(float(person_p[1]), 6)))
        steps.append(TraceStep(id="crisis.classifier", name=classifier.VERSION,
                               inputs={"texts": len(trends.get("p_ideation", [])),
                                       "ideation_threshold": model.ideation_threshold},
                               output={"p_at_least": [round(float(v), 6) for v in person_p], "tier": classifier_tier}))
    words = sum(len(t.split()) for _, t in history) + len(request.text.split())
    fused = fusion.fuse(message_rules, [a for _, a in history_rules], classifier_tier, 1 + len(history), words,
                        trends, message_tier)
    for name, e in fused.escalations.items():
        steps.append(TraceStep(id=f"crisis.escalation.{name}", name=ESCALATION,
                               inputs={"series": [round(v, 6) for v in trends[name]], "window": fusion.ESCALATION_WINDOW,
                                       "min_rise": fusion.ESCALATION_MIN_RISE[name],
                                       "min_steps_up": fusion.ESCALATION_MIN_STEPS_UP},
                               output={"slope": e.slope, "rise": e.rise, "steps_up": e.steps_up,
                                       "escalating": e.escalating}))
        if e.escalating:
            evidence.append(CrisisEvidence(signal="escalation", where="person", tier=min(fused.tier, 2),
                                           kind=name, source=ESCALATION, score=round(e.rise, 6)))
    steps.append(TraceStep(id="crisis.fusion", name=fusion.VERSION,
                           inputs={"rule_tier": fused.rule_tier, "message_tier": fused.message_tier,
                                   "classifier_tier": fused.classifier_tier,
                                   "classifier_cap": fused.classifier_cap, "escalating": fused.escalating},
                           output=fused.tier))
    concern_other = message_rules.concern_other
    response = policy.respond(fused.tier, concern_other, request.language, request.locale)
    if response is not None:
        steps.append(TraceStep(id="crisis.response", name="crisis.policy@1",
                               inputs={"tier": fused.tier, "concern_other": concern_other, "locale": request.locale,
                                       "language": request.language},
                               output={"template_id": response.template_id, "region": response.region}))
    return CrisisResult(
        version=VERSION,
        status="ok",
        detail=degraded_reason,
        tier=fused.tier,
        tier_name=TIERS[fused.tier],
        degraded=fused.degraded,
        concern_other=concern_other,
        evidence=evidence,
        response=None if response is None else CrisisResponse(
            template_id=response.template_id, text=response.text, region=response.region,
            resources=[CrisisResource(**vars(r)) for r in response.resources]),
        urgent=fused.tier >= URGENT_TIER,
        risk_series=[round(v, 6) for v in trends.get("p_ideation", [])],
        trace=steps,
        latency_ms=round((time.perf_counter() - start) * 1000, 3),
    )


@serve.deployment
class Crisis:
    """Crisis tier of the speaker. Without the models (weights unreadable, encoder failed or late) the rules
    answer, flagged degraded."""

    def __init__(self, encoder: DeploymentHandle, settings: Settings) -> None:
        configure_logging(settings.log_level)
        self.encoder = encoder
        rules.assess("warm up")  # loads the Korean analyser now, not on the first (possibly urgent) request
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        self.config = CrisisConfig.model_validate(user_config)
        self.models = ModelLoad(self._load, "Crisis")

    async def _load(self) -> tuple[classifier.OrdinalClassifier, MessageRisk, Head | None]:
        """The person classifier, the message model and the valence head, checked against the encoder, warmed."""
        encoder = await self.encoder.info.remote()
        model = await asyncio.to_thread(classifier.OrdinalClassifier.load, weights_path(self.config.weights))
        model.check_encoder(encoder["id"])
        message_risk = await asyncio.to_thread(MessageRisk.load, weights_path(self.config.message_weights))
        message_risk.check_encoder(encoder["id"])
        valence_head = await asyncio.to_thread(self._valence_head, encoder["id"])
        warm = "warm up"
        await asyncio.to_thread(signals.read, model, [warm], np.zeros((1, encoder["dim"]), np.float32),
                                [rules.assess(warm)], valence_head, message_risk)
        return model, message_risk, valence_head

    async def _classify(self, request: ModuleRequest) -> CrisisResult:
        model, message_risk, valence_head = await self.models()
        texts = ([text for _, text in speaker_history(request)] + [request.text])[-CLASSIFIER_TEXTS:]
        embeddings = np.stack(await asyncio.gather(*(self.encoder.embed.remote(t) for t in texts)))

        def run() -> CrisisResult:
            assessments = [rules.assess(t) for t in texts]
            reading = signals.read(model, texts, embeddings, assessments, valence_head, message_risk)
            return assess(request, reading, model, message_risk)

        return await asyncio.to_thread(run)

    def _valence_head(self, encoder_id: str) -> Head | None:
        try:
            return load_released(self.config.valence_weights, encoder_id).model
        except FileNotFoundError:  # escalation then watches the classifier's series alone
            log.info("crisis_without_valence", weights=self.config.valence_weights)
            return None

    async def analyze(self, request: ModuleRequest) -> CrisisResult:
        try:
            return await asyncio.wait_for(self._classify(request), self.config.classifier_timeout_s)
        except Exception as exc:  # noqa: BLE001 - without the classifier the rules still answer, flagged degraded
            cause = getattr(exc, "cause", None) or exc  # unwrap Ray's RayTaskError
            reason = ("classifier late" if isinstance(exc, TimeoutError) else f"classifier unavailable: {cause}"
                      if isinstance(cause, ModelUnavailable) else f"classifier failed: {type(cause).__name__}")
            log.warning("crisis_degraded", reason=reason)
            return await asyncio.to_thread(assess, request, degraded_reason=reason)

    async def ping(self) -> bool:
        """Ready once the classifier is loaded and warmed; without it the rules answer, so still ready."""
        try:
            await self.models()
        except ModelUnavailable as exc:
            log.error("crisis_classifier_unavailable", weights=self.config.weights, error=str(exc))
        return True
