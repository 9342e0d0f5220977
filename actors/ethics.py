"""The Ethics deployment: utility and morality models, the Bentham calculus, regret, legal risk, and feedback.

It embeds the message, its sentences and the alternatives through the Encoder, runs the utility ensemble (and the
commonsense-morality head when one is released), and hands these with the emotion module's readings of the message
and its sentences (passed on by the coordinator, computed once) to the pure `assess`: everything derived is a
traced formula. Without those readings it answers `partial`: utility, regret, legal risk and morality, no Bentham
calculus or stakeholders (they weigh feelings). Analyses with alternatives remember their predicted regret in Redis
so a reported outcome (`POST /v1/feedback`) can be compared with it and advance the regret-learning phases.
"""

import asyncio
import hashlib
import time
from typing import Any

import numpy as np
import structlog
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.api import FeedbackResponse
from actors.messages import EmotionResult, EthicsResult, ModuleRequest, ModuleResult, TraceStep
from actors.requests import FeedbackRequest
from actors.stores.connection import connect
from actors.stores.experience import ExperienceMemory
from actors.stores.feedback import FeedbackStore
from redheart_models.ethics import assessment
from redheart_models.ethics.features import split_sentences
from redheart_models.ethics.models import EthicsModels
from redheart_models.ethics.regret import detect_choice
from redheart_models.language import detect_language, unsupported_script
from redheart_models.loading import ModelLoad
from redheart_models.release import load_released, reads_text
from redheart_models.trace import text_digest

log = structlog.get_logger("redheart.ethics")
VERSION = assessment.VERSION


class EthicsConfig(BaseModel):
    """The Ethics deployment's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    utility_weights: str = "ethics-util"
    morality_weights: str | None = Field(default=None, description="A released commonsense-morality head, if any.")
    layers: dict[str, bool] | None = Field(default=None, description="Switch Bentham layers (default: constants).")
    store_timeout_s: float = Field(default=1.0, gt=0, description="Redis calls for the regret phase and predictions.")


@serve.deployment
class Ethics:
    def __init__(self, encoder: DeploymentHandle, redis_url: str) -> None:
        self.encoder = encoder
        client = connect(redis_url)
        self.store, self.memory = FeedbackStore(client), ExperienceMemory(client)
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        self.config = EthicsConfig.model_validate(user_config)
        self.models = ModelLoad(self._load, "Ethics")

    async def _load(self) -> EthicsModels:
        encoder = await self.encoder.info.remote()
        encoder_id = encoder["id"]
        morality = self.config.morality_weights
        if morality:
            morality = await asyncio.to_thread(load_released, morality, None if reads_text(morality) else encoder_id)
        utility = await asyncio.to_thread(load_released, self.config.utility_weights, encoder_id)
        models = EthicsModels(utility, morality or None)
        zeros = np.zeros((1, encoder["dim"]), np.float32)
        await asyncio.to_thread(models.wrong, zeros, "warm up", "en")  # a model's first use is slow: not on a request
        await asyncio.to_thread(split_sentences, "준비됐어요.", "ko")  # loads the Korean analyser, not on a request
        return models

    async def analyze(self, request: ModuleRequest, emotion: ModuleResult | None = None) -> ModuleResult:
        """`emotion`: the emotion module's answer to the same request (its readings of the message's sentences)."""
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
        means, stds = models.utilities(x)
        feelings, missing = _feelings(emotion, spans)
        read = [assessment.Reading(float(means[i]), float(stds[i]), *feeling) for i, feeling in enumerate(feelings)]
        alternatives = [assessment.Option(o, float(means[n + k]), float(stds[n + k])) for k, o in enumerate(options)]
        result = await asyncio.to_thread(assessment.assess, request.text, request.language, read[0], read[1:],
                                         alternatives, models.utility.id, self.config.layers)
        notes = [f"alternatives.{k} is in {lang}, the text in {request.language}: their utilities are compared "
                 "through the multilingual encoder; the utility model learned from English scenarios"
                 for k, lang in enumerate(option_languages) if lang != request.language]
        calibration = await self._store(request, result, models.utility.id, notes)
        morality, why_not = await asyncio.to_thread(models.wrong, x, request.text, request.language)
        notes += [why_not] if why_not else []
        steps = [TraceStep(id="ethics.embed", name=models.encoder_id,
                           inputs={"texts": len(texts), "text_sha256": text_digest(request.text)},
                           output={"dim": int(x.shape[1])})]
        steps += [TraceStep(id=s.id, name=s.name, inputs=s.inputs, output=s.output) for s in result.steps]
        if morality is not None:
            steps.append(TraceStep(id="ethics.morality", name=models.morality.id,
                                   inputs={"text": "the message", "family": models.morality.family}, output=morality))
        return EthicsResult(
            version=f"{VERSION}+{models.utility.id}", status="partial" if missing else "ok", detail=missing,
            uncertainty=result.uncertainty,
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
        timeout = self.config.store_timeout_s
        if result.bentham:  # the experience memory holds Bentham dimensions: an analysis without them adds nothing
            record = {"request_id": request.request_id,
                      "text_sha256": hashlib.sha256(request.text.encode()).hexdigest(), "language": request.language,
                      "dimensions": result.bentham["dimensions"], "score": result.bentham["score"],
                      "max_regret": max(regrets, default=None), "model": model}
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


def _feelings(emotion: ModuleResult | None, spans: list[tuple[int, int]]) -> tuple[list[tuple], str | None]:
    """(valence, Ekman-7, P(neutral)) of the message and of each sentence from the emotion module's answer, or
    empty readings and why they are missing."""
    if not isinstance(emotion, EmotionResult):
        why = f"emotion module {emotion.status}: {emotion.detail}" if emotion else "no emotion module answer"
        return [()] * (1 + len(spans)), f"no Bentham calculus or stakeholders ({why}): they weigh the emotions"
    if [tuple(s.span) for s in emotion.sentences] != [tuple(s) for s in spans]:
        return [()] * (1 + len(spans)), ("no Bentham calculus or stakeholders: the emotion answer reads other "
                                         "sentences than this module split the message into")
    parts = [(emotion.valence, emotion.ekman), *((s.valence, s.ekman) for s in emotion.sentences)]
    return [(valence, ekman, ekman["neutral"]) for valence, ekman in parts], None
