"""L4 social context and vulnerability: who is affected and how vulnerable they are. A person at risk or a likely
minor raises the vulnerability, which reweighs the layers and tightens the decision (report.py)."""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.verification.analysis import Analysis
from redheart_models.verification.config import thresholds
from redheart_models.verification.findings import Finding, LayerVerdict, verdict
from redheart_models.emotion.labels import LABEL_SET

VULNERABLE = Path(__file__).with_name("vulnerable.json")
Vulnerability = Literal["none", "medium", "high"]


@dataclass(frozen=True)
class Context:
    verdict: LayerVerdict
    vulnerability: Vulnerability


@cache
def _minor_patterns() -> dict[str, list[tuple[str, re.Pattern]]]:
    data = json.loads(VULNERABLE.read_text(encoding="utf-8"))["minor"]
    return {lang: [(r["id"], re.compile(r["pattern"])) for r in rules] for lang, rules in data.items()}


def minor_cues(texts: list[str]) -> list[str]:
    """Ids of the minor cues found in the person's texts (both languages' cues: messages mix them)."""
    found = []
    for text in texts:
        for lang, rules in _minor_patterns().items():
            found += [rule for rule, pattern in rules if pattern.search(text.lower() if lang == "en" else text)]
    return sorted(set(found))


def vulnerability(crisis: dict[str, Any] | None, minor: list[str]) -> Vulnerability:
    """high: a person at risk (crisis tier >= the response tier), or a likely minor with any risk indicator; medium:
    a risk indicator, a concern for someone else, or a likely minor; else none."""
    tier = crisis["tier"] if crisis else 0
    if tier >= RESPONSE_TIER or minor and tier >= 1:
        return "high"
    if tier >= 1 or minor or (crisis and crisis["concern_other"]):
        return "medium"
    return "none"


def social_layer(analysis: Analysis, legal_threshold: float) -> Context:
    """L4: the context findings (a person at risk, a likely minor, a legal risk) and a text read in the other
    language's label set; the vulnerability they add up to."""
    crisis, emotion, ethics = (analysis.answered(m) for m in ("crisis", "emotion", "ethics"))
    minor = minor_cues([analysis.text, *(analysis.history[i] for i in analysis.own)])
    level = vulnerability(crisis, minor)
    checks, findings = 1 + (crisis is not None), []  # the text's minor cues, the crisis tier
    if crisis is not None and crisis["tier"] >= RESPONSE_TIER:
        findings.append(Finding("person_at_risk", f"crisis tier {crisis['tier']}: a person reviews this answer",
                                "review", fault=False))
    if minor:
        findings.append(Finding("likely_minor", f"cues of a minor ({', '.join(minor)}): advice is read with care",
                                fault=False))
    if emotion is not None:
        checks += 1
        expected = LABEL_SET.get(analysis.language)
        if expected and emotion["ekman_from"] != expected:
            findings.append(Finding("culture", f"a {analysis.language} text read in the {emotion['ekman_from']} "
                                    "label set", "review"))
    if ethics is not None:
        checks += 1
        flagged = {d: r for d, r in ethics["legal"]["risk"].items() if r > legal_threshold}
        if flagged:
            domains = ", ".join(f"{d} {r:.2f}" for d, r in flagged.items())
            findings.append(Finding("legal_risk", f"legal-risk signal ({domains}) above {legal_threshold:.2f}", "review",
                                    fault=False))
    return Context(verdict("social_context", checks, findings), level)
