"""Fault injection: a module deployment that fails or hangs on purpose.

Used to measure that the coordinator contains module failures (a failure or a missed deadline becomes a status,
and the crisis module's answer survives it) and, later, how many injected faults each verification layer catches.
"""

import asyncio
from typing import Literal

from ray import serve

from actors.messages import ModuleRequest, ModuleResult

Fault = Literal["raise", "hang"]


class InjectedFault(RuntimeError):
    """Raised by a FaultyModule in `raise` mode."""


@serve.deployment
class FaultyModule:
    def __init__(self, module: str, fault: Fault, hang_s: float = 60.0) -> None:
        self.module = module
        self.fault = fault
        self.hang_s = hang_s

    async def _fail(self) -> None:
        if self.fault == "hang":
            await asyncio.sleep(self.hang_s)
        raise InjectedFault(f"injected {self.fault} in {self.module}")

    async def analyze(self, request: ModuleRequest, *upstream: object) -> ModuleResult:
        """Stands in for an analysis module (`upstream`: what the coordinator hands it of other modules)."""
        await self._fail()

    async def embed(self, text: str) -> None:
        """Stands in for the Encoder deployment."""
        await self._fail()

    async def info(self) -> None:
        await self._fail()

    async def ping(self) -> bool:
        return True
