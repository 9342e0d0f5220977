"""Formulas by name, and the tracer that applies them and records each step so it can be replayed.

A formula is a pure function of JSON values registered under `module.name@version`. `Tracer.apply` calls it and
records (step id, formula, inputs, output); `replay(step)` calls the same function on the recorded inputs, which is
how a test (or an auditor) checks that every number of an answer follows from its trace. Model outputs are
recorded with `Tracer.model`: they are replayed by running the model, not a formula.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FORMULAS: dict[str, Callable[..., Any]] = {}


def formula(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a pure function as the formula `name` (e.g. `bentham.intensity@1`)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        if name in FORMULAS:
            raise ValueError(f"formula {name} is registered twice")
        FORMULAS[name] = function
        function.formula = name
        return function

    return register


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    inputs: dict[str, Any]
    output: Any


@dataclass
class Tracer:
    steps: list[Step] = field(default_factory=list)

    def apply(self, step_id: str, function: Callable[..., Any], **inputs: Any) -> Any:
        output = function(**inputs)
        self.steps.append(Step(step_id, function.formula, inputs, output))
        return output

    def model(self, step_id: str, name: str, inputs: dict[str, Any], output: Any) -> Any:
        self.steps.append(Step(step_id, name, inputs, output))
        return output


def text_digest(text: str) -> str:
    """The first 16 hex digits of the text's sha256: a module's first trace step records it, binding the answer to
    the text it read (verification checks it) without holding the text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def replayable(name: str) -> bool:
    return name in FORMULAS


def replay(name: str, inputs: dict[str, Any]) -> Any:
    """The output of formula `name` on `inputs`, recomputed."""
    return FORMULAS[name](**inputs)
