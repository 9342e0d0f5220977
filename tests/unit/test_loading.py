"""The one load pattern: a load runs once for all callers, survives a caller that gives up, is retried after a
transient failure or a cancellation, and a load that cannot succeed is named every time."""

import asyncio

import pytest

from redheart_models.loading import ModelLoad, ModelUnavailable


async def test_callers_share_one_load_and_a_caller_that_gives_up_does_not_cancel_it() -> None:
    calls = []

    async def load() -> str:
        calls.append(1)
        await asyncio.sleep(0.05)
        return "model"

    models = ModelLoad(load, "Test")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(models(), 0.01)
    assert await asyncio.gather(models(), models()) == ["model", "model"] and len(calls) == 1


async def test_a_transient_failure_or_a_cancelled_load_is_retried() -> None:
    attempts = []

    async def load() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("encoder not up yet")
        if len(attempts) == 2:
            raise asyncio.CancelledError
        return "model"

    models = ModelLoad(load, "Test")
    with pytest.raises(ConnectionError):
        await models()
    with pytest.raises(asyncio.CancelledError):
        await models()
    assert await models() == "model" and len(attempts) == 3


async def test_a_load_that_cannot_succeed_is_named_and_not_retried() -> None:
    attempts = []

    async def load() -> str:
        attempts.append(1)
        raise ImportError("no module named transformers")

    models = ModelLoad(load, "Ethics")
    for _ in range(2):
        with pytest.raises(ModelUnavailable, match="Ethics cannot load its models: ImportError"):
            await models()
    assert len(attempts) == 1
