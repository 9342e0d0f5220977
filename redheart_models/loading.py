"""One load pattern for every deployment: its models load once per replica, before it reports ready.

The first readiness check (or request) starts the load as a task of its own, so a caller that gives up (a readiness
check has a deadline) does not cancel it, and everyone who asks meanwhile waits for the same load. A load that
cannot succeed however often it is tried (a missing package or file, weights trained on another encoder) is kept
and named by every later call, so readiness says why instead of retrying forever; any other failure is retried.
"""

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
PERMANENT = (ImportError, FileNotFoundError, ValueError)  # retrying cannot mend these


class ModelUnavailable(RuntimeError):
    """A deployment's models cannot be loaded; the message names the cause and what to do."""


class ModelLoad(Generic[T]):
    def __init__(self, load: Callable[[], Awaitable[T]], what: str) -> None:
        self.load, self.what = load, what
        self.task: asyncio.Task[T] | None = None

    async def __call__(self) -> T:
        if self._start_again():
            # An empty context: the load's own handle calls are not children of the request that started it, so
            # Serve does not cancel them when that request (a readiness check with a deadline) is cancelled.
            self.task = asyncio.get_running_loop().create_task(self._load(), context=contextvars.Context())
        return await asyncio.shield(self.task)

    def _start_again(self) -> bool:
        """No load yet, or the last one was cancelled or failed in a way a retry can mend."""
        if self.task is None:
            return True
        if not self.task.done():
            return False
        if self.task.cancelled():
            return True
        error = self.task.exception()
        return error is not None and not isinstance(error, ModelUnavailable)

    async def _load(self) -> T:
        try:
            return await self.load()
        except PERMANENT as exc:
            raise ModelUnavailable(f"{self.what} cannot load its models: {type(exc).__name__}: {exc}") from exc
