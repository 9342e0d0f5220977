"""The Ethics deployment: utility and morality models, the Bentham calculus, regret, legal risk, and feedback.

It embeds the message, its sentences and the alternatives through the Encoder, reads their emotions through the
Emotion deployment (the same released model as the emotion section), runs the utility ensemble (and the
commonsense-morality head when one is released), and hands the readings to the pure `assess` (everything derived
is a traced formula). Analyses with alternatives remember their predicted regret in Redis so a reported outcome
(`POST /v1/feedback`) can be compared with it and advance the regret-learning phases.
"""

import asyncio
import hashlib
import time
from typing import Any

import numpy as np
import structlog
import torch
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.messages import (
    EthicsResult,
    FeedbackRequest,
    FeedbackResponse,
    ModuleRequest,
    ModuleResult,
    TraceStep,
)
from actors.stores.connection import connect
from actors.stores.experience import ExperienceMemory
from actors.stores.feedback import FeedbackStore
from redheart_models.ethics import assessment
from redheart_models.ethics.features import split_sentences
from redheart_models.ethics.regret import detect_choice
from redheart_models.language import detect_language, unsupported_script
from redheart_models.loading import ModelLoad
from redheart_models.release import Released, load_released, released_config

log = structlog.get_logger("redheart.ethics")
VERSION = assessment.VERSION


class EthicsConfig(BaseModel):
    """The Ethics deployment's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    utility_weights: str = "ethics-util"
    morality_weights: str | None = Field(default=None, description="A released commonsense-morality head, if any.")
    layers: dict[str, bool] | None = Field(default=None, description="Switch Bentham layers (default: constants).")
    store_timeout_s: float = Field(default=1.0, gt=0, description="Redis calls for the regret phase and predictions.")


class Models:
    """The released utility ensemble and, optionally, the morality head, checked against the encoder."""

    def __init__(self, utility: Released, morality: Released | None) -> None:
        if utility.family != "ensemble":
            raise ValueError(f"{utility.path.name} is a {utility.family} model; the utility needs an ensemble")
        self.utility, self.morality = utility, morality
        self.encoder_id = utility.encoder

    @torch.no_grad()
    def utilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and spread of U for each row of x."""
        model = self.utility.model
        members = model.members(torch.from_numpy(x)).numpy().reshape(len(model.heads), len(x))
        return members.mean(axis=0), members.std(axis=0)

    @torch.no_grad()
    def wrong(self, x: np.ndarray, text: str, language: str) -> tuple[float | None, str | None]:
        """P(the act is clearly wrong) of the message, or None and why not."""
        if self.morality is None:
            return None, "morality: no commonsense-morality model is configured"
        if self.morality.family == "finetune":  # a fine-tuned encoder reads the text itself
            if language != "en":
                return None, "morality: the commonsense-morality model (fine-tuned all-MiniLM-L6-v2) reads English only"
            logit, _ = self.morality.model([text])
        else:
            logit, _ = self.morality.model(torch.from_numpy(x[:1]))
        return float(torch.sigmoid(logit).reshape(-1)[0]), None


@serve.deployment
class Ethics:
    def __init__(self, encoder: DeploymentHandle, emotion: DeploymentHandle, redis_url: str) -> None:
        self.encoder = encoder
        self.emotion = emotion
        client = connect(redis_url)
        self.store, self.memory = FeedbackStore(client), ExperienceMemory(client)
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        self.config = EthicsConfig.model_validate(user_config)
        self.models = ModelLoad(self._load, "Ethics")

    async def _load(self) -> Models:
        encoder = await self.encoder.info.remote()
        encoder_id = encoder["id"]
        morality = self.config.morality_weights
        if morality:  # a fine-tuned encoder brings its own encoder: no embeddings to match
            own = released_config(morality)[0] == "finetune"
            morality = await asyncio.to_thread(load_released, morality, None if own else encoder_id)
        models = Models(await asyncio.to_thread(load_released, self.config.utility_weights, encoder_id),
                        morality or None)
        zeros = np.zeros((1, encoder["dim"]), np.float32)
        await asyncio.to_thread(models.wrong, zeros, "warm up", "en")  # a model's first use is slow: not on a request
        return models

    async def analyze(self, request: ModuleRequest) -> ModuleResult:
        reason = unsupported_script(request.text)
        if reason:
            return ModuleResult(module="ethics", version=VERSION, status="skipped", detail=reason)
        start = time.perf_counter()
        models = await self.models()
        options, source = list(request.alternatives), "request" if request.alternatives else None
        if not options:
            options = detect_choice(request.text, request.language)
            source = "text" if options else None
        spans = split_sentences(request.text, request.language)
        n = 1 + len(spans)  # the message, then its sentences, then the alternatives
        texts = [request.text, *(request.text[a:z] for a, z in spans), *options]
        option_languages = [detect_language(o).language for o in options]
        x = np.stack(await asyncio.gather(*(self.encoder.embed.remote(t) for t in texts)))
        readings = await self.emotion.read.remote(x[:n], [request.language] * n)
        means, stds = models.utilities(x)
        read = [assessment.Reading(float(means[i]), float(stds[i]), r.valence, r.ekman, r.ekman["neutral"])
                for i, r in enumerate(readings)]
        alternatives = [assessment.Option(o, float(means[n + k]), float(stds[n + k])) for k, o in enumerate(options)]
        result = await asyncio.to_thread(assessment.assess, request.text, request.language, read[0], read[1:],
                                         alternatives, models.utility.id, self.config.layers)
        notes = [f"alternatives.{k} is in {lang}, the text in {request.language}: their utilities are compared "
                 "through the multilingual encoder; the utility model learned from English scenarios"
                 for k, lang in enumerate(option_languages) if lang != request.language]
        calibration = await self._store(request, result, models.utility.id, notes)
        morality, why_not = await asyncio.to_thread(models.wrong, x, request.text, request.language)
        notes += [why_not] if why_not else []
        steps = [TraceStep(id="ethics.embed", name=models.encoder_id, inputs={"texts": len(texts)},
                           output={"dim": int(x.shape[1])})]
        steps += [TraceStep(id=s.id, name=s.name, inputs=s.inputs, output=s.output) for s in result.steps]
        if morality is not None:
            steps.append(TraceStep(id="ethics.morality", name=models.morality.id,
                                   inputs={"text": "the message", "family": models.morality.family}, output=morality))
        return EthicsResult(
            version=f"{VERSION}+{models.utility.id}", status="ok", uncertainty=result.uncertainty,
            utility=result.utility, morality=morality, bentham=result.bentham, stakeholders=result.stakeholders,
            regret=[r | {"language": lang} for r, lang in zip(result.regret, option_languages)],
            alternatives_from=source, legal=result.legal, calibration=calibration, notes=notes, trace=steps,
            latency_ms=round((time.perf_counter() - start) * 1000, 3),
        )

    async def _store(self, request: ModuleRequest, result: assessment.Assessment, model: str,
                     notes: list[str]) -> dict | None:
        """Add the analysis to the experience memory and, with alternatives, store the predicted regrets for
        feedback and read the regret phase. Redis trouble is a note, not a failure."""
        regrets = [r["regret"] for r in result.regret]
        record = {"request_id": request.request_id, "text_sha256": hashlib.sha256(request.text.encode()).hexdigest(),
                  "language": request.language, "dimensions": result.bentham["dimensions"],
                  "score": result.bentham["score"], "max_regret": max(regrets, default=None), "model": model}
        timeout = self.config.store_timeout_s
        try:
            await asyncio.wait_for(self.memory.add(record), timeout)
        except Exception as exc:  # noqa: BLE001 - the analysis stands without the experience memory
            log.error("experience_store_failed", error=type(exc).__name__)
            notes.append("this analysis could not be added to the experience memory")
        if not regrets:
            return None
        try:
            await asyncio.wait_for(self.store.remember(request.request_id, regrets, model), timeout)
            return (await asyncio.wait_for(self.store.state(), timeout)).report()
        except Exception as exc:  # noqa: BLE001 - the analysis stands without the feedback store
            log.error("feedback_store_failed", error=type(exc).__name__)
            notes.append("the regret prediction could not be stored: feedback on this analysis will be refused")
            return None

    async def feedback(self, request: FeedbackRequest) -> FeedbackResponse:
        """Record a reported outcome (raises LookupError / IndexError for an unknown request or alternative)."""
        event_id, state, predicted = await self.store.report(request.request_id, request.chosen, request.felt_regret)
        return FeedbackResponse(event_id=event_id, predicted_regret=predicted, calibration=state.report())

    async def ping(self) -> bool:
        """Ready once the models are loaded: the first readiness checks load them, so no request waits for it."""
        await self.models()
        return True
