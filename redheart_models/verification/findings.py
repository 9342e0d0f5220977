"""What a verification layer reports: its findings, each with a severity that bounds the decision."""

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["note", "caution", "review"]
SEVERITY_DECISION: dict[str, str] = {"caution": "caution", "review": "human_review"}  # a note decides nothing


@dataclass(frozen=True)
class Finding:
    """`fault`: something is wrong with the answer; false for what the context is (a person at risk, a likely
    minor, a legal risk), which decides as much but is no error of the analysis."""

    check: str
    message: str
    severity: Severity = "caution"
    fault: bool = True

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


@dataclass(frozen=True)
class LayerVerdict:
    """One layer: `score` is the share of its checks that held (0 when it had nothing to check)."""

    name: str
    evaluated: bool
    score: float
    passed: bool
    findings: list[Finding] = field(default_factory=list)
    checks: int = 0


def verdict(name: str, checks: int, findings: list[Finding]) -> LayerVerdict:
    """A layer's verdict from how many checks it ran and what failed; a note is not a failed check."""
    failed = sum(f.severity != "note" for f in findings)
    if checks == 0:
        return LayerVerdict(name, evaluated=False, score=0.0, passed=False, findings=findings)
    score = max(0.0, 1.0 - failed / checks)
    return LayerVerdict(name, evaluated=True, score=score, passed=failed == 0, findings=findings, checks=checks)
