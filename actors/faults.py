"""Fault injection: a module deployment that fails, hangs or answers with values no client can read, on purpose.

Used to measure that the coordinator contains module failures (a failure, a missed deadline or an invalid answer
becomes a status and a finding, and the crisis module's answer survives it). What each verification layer catches
of subtler faults is measured by `redheart verify-eval` (services/verify_eval.py).
"""

import asyncio
from typing import Literal

import numpy as np
from ray import serve

from actors.messages import ModuleRequest, ModuleResult

Fault = Literal["raise", "hang", "nan", "numpy"]  # nan / numpy: an answer whose uncertainty is NaN / a numpy scalar
INVALID = {"nan": float("nan"), "numpy": np.float32(0.25)}


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
        if self.fault in INVALID:  # built without validation, as a bug would
            return ModuleResult.model_construct(module=self.module, version="faulty", status="ok",
                                                uncertainty=INVALID[self.fault])
        await self._fail()

    async def embed(self, text: str) -> None:
        """Stands in for the Encoder deployment."""
        await self._fail()

    async def info(self) -> None:
        await self._fail()

    async def ping(self) -> bool:
        return True
