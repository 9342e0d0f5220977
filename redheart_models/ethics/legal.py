"""Legal-risk signals (issue 5.7; original_system.md 1.13): curated patterns, each with the statute it points to.

For the domains criminal, civil, privacy, defamation and medical, a hit carries its pattern's weight unless the
clause negates it ("I would never steal"; "훔치지 않았다"); a question ("is it legal to ...?") halves it. A domain's
risk is 1 - prod(1 - weight) over its hits. Above 0.7 the verification decision becomes human_review. This is a
signal with citations for a person to weigh, never legal advice.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from redheart_models.trace import formula

VERSION = "legal.patterns@1"
PATTERNS = Path(__file__).with_name("legal_patterns.json")
DOMAINS = ("criminal", "civil", "privacy", "defamation", "medical")
QUESTION_FACTOR = 0.5
EN_NEGATION = re.compile(r"\b(?:not|never|no|don't|dont|won't|wont|wouldn't|wouldnt|didn't|didnt|can't|cannot)\b"
                         r"[^,.;!?]*$")
KO_NEGATION_AFTER = re.compile(r"^\S*\s*(?:지\s*(?:않|말|못)|않|안\s+(?:했|할|해))")
KO_NEGATION_BEFORE = re.compile(r"(?:안|못)\s*$")


@dataclass(frozen=True)
class LegalHit:
    domain: str
    pattern: str
    statute: str
    span: tuple[int, int]
    weight: float  # after negation and question context
    context: str  # active, negated, question


@cache
def patterns() -> dict[str, list[dict]]:
    return json.loads(PATTERNS.read_text(encoding="utf-8"))["domains"]


@cache
def _compiled(domain: str, index: int, language: str) -> re.Pattern:
    return re.compile(patterns()[domain][index][language])


def _context(text: str, start: int, end: int, language: str, rule: dict, question: bool) -> str:
    if not rule.get("negation_is_act"):
        if language == "en" and EN_NEGATION.search(text[max(0, start - 60):start]):
            return "negated"
        if language == "ko" and (KO_NEGATION_AFTER.match(text[end:end + 8]) or
                                 KO_NEGATION_BEFORE.search(text[max(0, start - 3):start])):
            return "negated"
    return "question" if question else "active"


def scan(text: str, language: str) -> list[LegalHit]:
    """Every pattern hit in `text`, with its context."""
    lowered = text.lower() if language == "en" else text
    question = text.rstrip().endswith("?") or bool(re.match(r"\s*(?:is it|would it be|can i legally)\b", lowered))
    hits = []
    for domain in DOMAINS:
        for index, rule in enumerate(patterns()[domain]):
            for m in _compiled(domain, index, language).finditer(lowered):
                context = _context(lowered, m.start(), m.end(), language, rule, question)
                weight = 0.0 if context == "negated" else rule["weight"] * (QUESTION_FACTOR if question else 1.0)
                hits.append(LegalHit(domain, rule["id"], rule["statute"], m.span(), weight, context))
    return hits


@formula("legal.risk@1")
def risk(weights: list[float]) -> float:
    """1 - prod(1 - w): independent pieces of evidence of the same domain."""
    remaining = 1.0
    for w in weights:
        remaining *= 1 - w
    return 1 - remaining
