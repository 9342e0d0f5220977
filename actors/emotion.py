"""The Emotion deployment and its Expert deployments.

Emotion embeds the speaker's texts through the Encoder, runs the gate of the mixture of experts, sends each routed
expert its rows (each expert its own deployment, so experts can be scaled across GPUs; or all in this replica when
it is given none), and reads out GoEmotions-28, KOTE-44, Ekman-7, valence and 정/한/체면, the valence and Ekman-7 of
each sentence of the message (what the ethics calculus weighs; the coordinator passes them on), then the
conversation's trajectory. Every value is a trace step.
"""

import asyncio
import time
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.messages import (
    ChannelTrajectory,
    EmotionResult,
    EmotionTrajectory,
    ModuleRequest,
    ModuleResult,
    SentenceEmotion,
    TraceStep,
)
from redheart_models import dsp
from redheart_models.emotion import cultural, labels
from redheart_models.emotion.reader import EmotionModel, Reading
from redheart_models.ethics.features import split_sentences
from redheart_models.language import detect_language, unsupported_script
from redheart_models.loading import ModelLoad
from redheart_models.release import load_released
from redheart_models.trace import text_digest

VERSION = "emotion@1"
TRAJECTORY_TEXTS = 40  # the speaker's last 40 utterances (with the message): embedding more would not fit the deadline
MIN_TRAJECTORY = 3  # the message and at least two earlier utterances of the speaker
TRAJECTORY_CHANNELS = ("valence", *labels.EKMAN, *cultural.COMPOSITES)


class EmotionConfig(BaseModel):
    """The Emotion deployment's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    weights: str = "emotion"
    valence_weights: str = "valence"
    kalman_q: float = Field(default=dsp.KalmanConfig.q, gt=0, description="Process noise per time unit.")
    kalman_r: float = Field(default=dsp.KalmanConfig.r, gt=0, description="Observation noise.")
    time_unit_s: float = Field(default=dsp.KalmanConfig.time_unit_s, gt=0, description="Seconds per time unit.")


@serve.deployment
class Expert:
    """One expert of the released mixture of experts: its hidden vectors for the rows the gate sent it."""

    def __init__(self, index: int, weights: str = "emotion") -> None:
        released = load_released(weights, encoder_id=None)
        self.index = index
        self.layer = released.model.experts[index].eval()
        self.model_id = released.id

    async def hidden(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.layer(torch.from_numpy(np.array(x, dtype=np.float32))).numpy()  # x arrives read-only

    async def info(self) -> dict[str, Any]:
        return {"index": self.index, "model": self.model_id}

    async def ping(self) -> bool:
        return True


@serve.deployment
class Emotion:
    def __init__(self, encoder: DeploymentHandle, experts: list[DeploymentHandle]) -> None:
        self.encoder = encoder
        self.experts = experts
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        self.config = EmotionConfig.model_validate(user_config)
        self.model = ModelLoad(self._load, "Emotion")

    async def _load(self) -> EmotionModel:
        """The released model, checked against the encoder and the expert deployments, and warmed."""
        encoder = await self.encoder.info.remote()
        model = await asyncio.to_thread(EmotionModel.load, self.config.weights, self.config.valence_weights,
                                        encoder["id"])
        if self.experts:
            infos = await asyncio.gather(*(e.info.remote() for e in self.experts))
            if len(infos) != model.experts or any(i["model"] != model.id for i in infos):
                raise ValueError(f"expert deployments {infos} do not serve {model.id} ({model.experts} experts)")
        await asyncio.to_thread(model.read, np.zeros((1, encoder["dim"]), np.float32), ["en"])
        await asyncio.to_thread(split_sentences, "준비됐어요.", "ko")  # loads the Korean analyser, not on a request
        return model

    async def read(self, x: np.ndarray, languages: list[str]) -> list[Reading]:
        """Readings of embedded texts, the routed experts run in their deployments (or here, given none)."""
        model = await self.model()
        if not self.experts:
            return await asyncio.to_thread(model.read, x, languages)
        gate, routing = model.route(x)
        used = [e for e in range(model.experts) if routing[:, e].any()]
        vectors = await asyncio.gather(*(self.experts[e].hidden.remote(x[routing[:, e] > 0]) for e in used))
        return await asyncio.to_thread(model.read_out, x, gate, routing, dict(zip(used, vectors)), languages)

    async def analyze(self, request: ModuleRequest) -> ModuleResult:
        reason = unsupported_script(request.text)
        if reason:
            return ModuleResult(module="emotion", version=VERSION, status="skipped", detail=reason)
        start = time.perf_counter()
        model = await self.model()
        points = [(f"history.{i}", u) for i, u in request.own_history()]
        points = points[-(TRAJECTORY_TEXTS - 1):] if len(points) >= MIN_TRAJECTORY - 1 else []
        spans = split_sentences(request.text, request.language)
        texts = [u.text for _, u in points] + [request.text] + [request.text[a:z] for a, z in spans]
        x = np.stack(await asyncio.gather(*(self.encoder.embed.remote(t) for t in texts)))
        languages = [detect_language(u.text).language for _, u in points] + [request.language] * (1 + len(spans))
        readings = await self.read(x, languages)
        spoken, reading, parts = readings[:len(points) + 1], readings[len(points)], readings[len(points) + 1:]
        trajectory = self._trajectory(spoken, [w for w, _ in points] + ["text"],
                                      [u.timestamp for _, u in points] + [request.timestamp]) if points else None
        sentences = [SentenceEmotion(span=span, valence=r.valence, ekman=r.ekman) for span, r in zip(spans, parts)]
        steps = _steps(model, reading, request.text, len(texts), bool(self.experts), self.config) + [
            TraceStep(id="emotion.sentences", name=f"{model.id} (each sentence of the message)",
                      inputs={"spans": [list(s) for s in spans]},
                      output=[s.model_dump(include={"valence", "ekman"}) for s in sentences]),
        ] + ([_trajectory_step(trajectory, self.config)] if trajectory else [])
        return EmotionResult(
            version=f"{VERSION}+{model.id}", status="ok", goemotions=reading.goemotions, kote=reading.kote,
            ekman=reading.ekman, ekman_from=reading.ekman_from, valence=reading.valence, cultural=reading.cultural,
            detected=reading.detected, experts=[e for e, w in enumerate(reading.routing) if w > 0],
            sentences=sentences, trajectory=trajectory, trace=steps,
            latency_ms=round((time.perf_counter() - start) * 1000, 3),
        )

    def _trajectory(self, readings: list[Reading], where: list[str], times: list) -> EmotionTrajectory:
        series = np.array([[r.valence, *(r.ekman[e] for e in labels.EKMAN), *r.cultural.values()] for r in readings])
        timed = all(t is not None for t in times)
        config = dsp.KalmanConfig(q=self.config.kalman_q, r=self.config.kalman_r, time_unit_s=self.config.time_unit_s)
        result = dsp.trajectory(series, TRAJECTORY_CHANNELS, [t.timestamp() for t in times] if timed else None, config)
        channels = {
            c: ChannelTrajectory(values=series[:, k].tolist(), smoothed=result.smoothed[:, k].tolist(),
                                 trend=result.trend[c], volatility=result.volatility[c],
                                 change_points=result.change_points[c], dominant_period=result.dominant_period[c])
            for k, c in enumerate(result.channels)
        }
        return EmotionTrajectory(utterances=len(readings), where=where, timed=timed, channels=channels)

    async def ping(self) -> bool:
        """Ready once the model is loaded and warmed (the first readiness check loads it)."""
        await self.model()
        return True


def _steps(model: EmotionModel, reading: Reading, text: str, texts: int, split: bool,
           config: EmotionConfig) -> list[TraceStep]:
    """The trace of the message's reading: enough to recompute every derived value by hand."""
    top = lambda probabilities: dict(sorted(probabilities.items(), key=lambda kv: -kv[1])[:5])  # noqa: E731
    groups = labels.EKMAN_FROM_GOEMOTIONS if reading.ekman_from == "goemotions" else labels.EKMAN_FROM_KOTE
    steps = [
        TraceStep(id="emotion.gate", name=f"{model.id} gate (softmax, top-{model.moe.config.top_k})",
                  inputs={"texts_embedded": texts, "experts": model.experts, "in": "split" if split else "in_process",
                          "text_sha256": text_digest(text)},
                  output={"gate": reading.gate, "routing": reading.routing}),
        TraceStep(id="emotion.goemotions", name=f"{model.id} goemotions layer",
                  inputs={"routing": "emotion.gate"}, output={"top": top(reading.goemotions),
                                                              "detected": reading.detected["goemotions"]}),
        TraceStep(id="emotion.kote", name=f"{model.id} kote layer",
                  inputs={"routing": "emotion.gate"}, output={"top": top(reading.kote), "detected": reading.detected["kote"]}),
        TraceStep(id="emotion.ekman", name=labels.EKMAN_FORMULA,
                  inputs={"from": f"emotion.{reading.ekman_from}", "groups": {g: list(m) for g, m in groups.items()}},
                  output=reading.ekman),
        TraceStep(id="emotion.valence", name=f"{config.valence_weights} head (VADER ratings)", inputs={},
                  output=reading.valence),
    ]
    for name, members in cultural.COMPOSITES.items():
        steps.append(TraceStep(id=f"emotion.cultural.{name}", name=f"{cultural.VERSION} (a mapping, not a classifier)",
                               inputs={label: reading.kote[label] for label in (*members, cultural.NONE_LABEL)},
                               output=reading.cultural[name]))
    return steps


def _trajectory_step(trajectory: EmotionTrajectory, config: EmotionConfig) -> TraceStep:
    return TraceStep(
        id="emotion.trajectory", name=f"{dsp.VERSION} + theil_sen + cusum + welch",
        inputs={"utterances": trajectory.where, "timed": trajectory.timed, "q": config.kalman_q, "r": config.kalman_r,
                "time_unit_s": config.time_unit_s},
        output={c: {"trend": ch.trend, "volatility": ch.volatility, "change_points": ch.change_points}
                for c, ch in trajectory.channels.items() if c in ("valence", "sadness", "joy", "han")},
    )
