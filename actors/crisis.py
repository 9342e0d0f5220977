"""The Crisis deployment: the message model and the person classifier read the speaker's texts under one deadline
(embedded at once by the shared Encoder, for the classifier and the valence head, and by the CrisisEncoder when the
message model was fine-tuned with its own layers of e5), and the pure decision (redheart_models/crisis/decision.py)
fuses them with the rules. Late or failed models: the rules decide alone, flagged degraded. The speaker's texts are the message and their own
history items (`ModuleRequest.own_history`).
"""

import asyncio
from typing import Any

import numpy as np
import structlog
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.logs import configure_logging
from actors.messages import CrisisResult, ModuleRequest
from actors.results import assess_crisis, cause
from actors.settings import Settings
from redheart_models.crisis import classifier, rules, signals
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.head import Head
from redheart_models.loading import ModelLoad, ModelUnavailable
from redheart_models.release import load_released, weights_path

log = structlog.get_logger("redheart.crisis")
CLASSIFIER_TEXTS = 20  # the classifier reads the speaker's last 20 texts (the rules read all): embedding 200 would
# not fit the 1 s classifier budget on a CPU, and recent talk is what the tier is about


class CrisisConfig(BaseModel):
    """The Crisis deployment's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    classifier_timeout_s: float = Field(default=1.0, gt=0, description="Budget for the encoder and the classifier.")
    weights: str = "crisis"
    message_weights: str = "crisis-messages"  # the message model (redheart train crisis-messages)
    valence_weights: str = "valence"  # the emotion module's valence head, for escalation; optional


@serve.deployment
class Crisis:
    """Crisis tier of the speaker. Without the models (weights unreadable, encoder failed or late) the rules
    answer, flagged degraded."""

    def __init__(self, encoder: DeploymentHandle, message_encoder: DeploymentHandle, settings: Settings) -> None:
        configure_logging(settings.log_level)
        self.encoder, self.message_encoder = encoder, message_encoder
        rules.assess("warm up")  # loads the Korean analyser now, not on the first (possibly urgent) request
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        self.config = CrisisConfig.model_validate(user_config)
        self.models = ModelLoad(self._load, "Crisis")

    async def _load(self) -> tuple[classifier.OrdinalClassifier, MessageRisk, Head | None,
                                   tuple[DeploymentHandle, ...]]:
        """The person classifier, the message model and the valence head, checked against their encoders, warmed;
        and the encoders a request calls."""
        encoder, message_encoder = await asyncio.gather(self.encoder.info.remote(),
                                                        self.message_encoder.info.remote())
        model = await asyncio.to_thread(classifier.OrdinalClassifier.load, weights_path(self.config.weights))
        model.check_encoder(encoder["id"])
        message_risk = await asyncio.to_thread(MessageRisk.load, weights_path(self.config.message_weights))
        message_risk.check_encoder(message_encoder["id"])  # the CrisisEncoder must carry these weights' patch
        valence_head = await asyncio.to_thread(self._valence_head, encoder["id"])
        warm, zeros = "warm up", np.zeros((1, encoder["dim"]), np.float32)
        await asyncio.to_thread(signals.read, model, [warm], zeros, [rules.assess(warm)], valence_head, message_risk,
                                zeros)
        encoders = (self.encoder,) if message_encoder["id"] == encoder["id"] else (self.encoder, self.message_encoder)
        return model, message_risk, valence_head, encoders  # without a patch one embedding serves both models

    async def _classify(self, request: ModuleRequest) -> CrisisResult:
        model, message_risk, valence_head, encoders = await self.models()
        texts = ([u.text for _, u in request.own_history()] + [request.text])[-CLASSIFIER_TEXTS:]
        vectors = await asyncio.gather(*(encoder.embed.remote(t) for encoder in encoders for t in texts))
        embeddings, message_embeddings = np.stack(vectors[:len(texts)]), np.stack(vectors[-len(texts):])

        def run() -> CrisisResult:
            assessments = [rules.assess(t) for t in texts]
            reading = signals.read(model, texts, embeddings, assessments, valence_head, message_risk,
                                   message_embeddings)
            return assess_crisis(request, reading, model, message_risk)

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
            error = cause(exc)
            reason = ("classifier late" if isinstance(exc, TimeoutError) else f"classifier unavailable: {error}"
                      if isinstance(error, ModelUnavailable) else f"classifier failed: {type(error).__name__}")
            log.warning("crisis_degraded", reason=reason)
            return await asyncio.to_thread(assess_crisis, request, degraded_reason=reason)

    async def ping(self) -> bool:
        """Ready once the models are loaded and warmed; without them the rules answer, so still ready."""
        try:
            await self.models()
        except ModelUnavailable as exc:
            log.error("crisis_classifier_unavailable", weights=self.config.weights, error=str(exc))
        return True
