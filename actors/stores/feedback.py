"""Reported outcomes of regret analyses, and the regret-learning phase they advance (Redis).

An analysis with alternatives remembers what it predicted (`ETHICS_PREDICTION` + request id, 30 days). A report
(`POST /v1/feedback`) is appended to the feedback stream and folded into the phase state in one transaction
(WATCH on the state), so an accepted report is never lost and never counted twice.
"""

import json
import time

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from actors.keys import ETHICS_PREDICTION, FEEDBACK_STREAM, REGRET_PHASE
from redheart_models.ethics.feedback import PhaseState, record

PREDICTION_TTL_S = 30 * 24 * 3600
STREAM_MAXLEN = 1_000_000


class UnknownRequest(LookupError):
    """No regret prediction is stored for this request id."""


class FeedbackStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def remember(self, request_id: str, regrets: list[float], version: str) -> None:
        prediction = {"regrets": regrets, "version": version, "at": time.time()}
        await self.client.set(ETHICS_PREDICTION + request_id, json.dumps(prediction), ex=PREDICTION_TTL_S)

    async def state(self) -> PhaseState:
        raw = await self.client.get(REGRET_PHASE)
        return PhaseState(**json.loads(raw)) if raw else PhaseState()

    async def report(self, request_id: str, chosen: int, felt: float) -> tuple[str, PhaseState, float]:
        """Store one outcome; returns (stream id, the new phase state, the regret predicted for `chosen`)."""
        raw = await self.client.get(ETHICS_PREDICTION + request_id)
        if raw is None:
            raise UnknownRequest(f"no regret analysis is stored for request {request_id} (or it expired)")
        prediction = json.loads(raw)
        if chosen >= len(prediction["regrets"]):
            raise IndexError(f"chosen is {chosen} but request {request_id} had {len(prediction['regrets'])} "
                             "alternatives")
        predicted = prediction["regrets"][chosen]
        event = {"request_id": request_id, "chosen": chosen, "felt": felt, "predicted": predicted,
                 "model": prediction["version"]}
        async with self.client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(REGRET_PHASE)
                    raw_state = await pipe.get(REGRET_PHASE)
                    state = record(PhaseState(**json.loads(raw_state)) if raw_state else PhaseState(), felt, predicted)
                    pipe.multi()
                    pipe.xadd(FEEDBACK_STREAM, {k: json.dumps(v) for k, v in event.items()}, maxlen=STREAM_MAXLEN,
                              approximate=True)
                    pipe.set(REGRET_PHASE, json.dumps(state.to_dict()))
                    entry_id, _ = await pipe.execute()
                    return entry_id.decode(), state, predicted
                except WatchError:
                    continue
