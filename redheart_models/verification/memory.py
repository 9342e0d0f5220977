"""The experience memory's check: the same input gives the same answer. A fingerprint is what an analysis said
(every module's status and its numbers, without traces and timings); a repeat is compared with the remembered one."""

import hashlib
import json
import unicodedata
from typing import Any

from redheart_models.verification.analysis import Analysis
from redheart_models.verification.findings import Finding
from redheart_models.verification.replay import differences

DIGITS = 4  # remembered numbers are rounded: 1e-4 is well inside the repeat tolerance, and 100k answers fit in
# about 100 MB
FIELDS: dict[str, tuple[str, ...]] = {  # the stable result fields (DESIGN.md), what clients read, and the version
    "crisis": ("tier",),
    "emotion": ("goemotions", "kote", "ekman", "valence", "cultural"),
    "ethics": ("utility.normalised", "morality", "bentham.score", "bentham.dimensions", "regret"),
    "surd": ("redundant", "unique", "synergistic", "info_leak"),
}
NEAR: dict[str, tuple[str, ...]] = {  # what a near-duplicate must keep: the rest may move with the spelling
    "crisis": ("tier",), "emotion": ("valence", "ekman", "cultural"), "ethics": ("utility.normalised", "morality"),
}


def input_key(analysis: Analysis, modules: list[str]) -> str:
    """sha256 of everything the answer depends on: the text, language, alternatives, history, locale, modules."""
    payload = [analysis.text, analysis.language, analysis.alternatives, analysis.history, analysis.locale, sorted(modules)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def near_key(analysis: Analysis, modules: list[str]) -> str:
    """The input key of the text case-folded, NFKC-normalised and with its white space collapsed: near-duplicates
    share it and are compared within a tolerance."""
    fold = lambda s: " ".join(unicodedata.normalize("NFKC", s).casefold().split())  # noqa: E731
    payload = [fold(analysis.text), analysis.language, [fold(a) for a in analysis.alternatives],
               [fold(h) for h in analysis.history], analysis.locale, sorted(modules)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _get(section: dict[str, Any], path: str) -> Any:
    value: Any = section
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _compact(value: Any) -> Any:
    """Numbers rounded; a label -> value map as its values in label order; a regret entry as (utility, regret)."""
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return [_compact(v) for _, v in sorted(value.items())]
    if isinstance(value, list):
        return [[_compact(r["utility"]), _compact(r["regret"])] if isinstance(r, dict) else _compact(r) for r in value]
    return value


def fingerprint(analysis: Analysis) -> dict[str, Any]:
    """What the analysis said in its stable fields, compact: module -> field -> value."""
    return {m: {"version": s.get("version"), **{f: _compact(_get(s, f)) for f in FIELDS[m]}}
            for m, s in sorted(analysis.sections.items()) if m in FIELDS and analysis.answered(m) is not None}


def compare(remembered: dict[str, Any] | None, analysis: Analysis, tolerance: float, near: bool) -> list[Finding]:
    """Findings of a repeated input: a drift where its answer moved from the remembered one, over the modules that
    answered both times (`near`: a near-duplicate, not the same text, compared on NEAR's fields), else a note.
    Nothing remembered: none."""
    if remembered is None:
        return []
    now = fingerprint(analysis)
    moved = []
    for module in sorted(remembered.keys() & now.keys()):
        before, after = remembered[module], now[module]
        if before.get("version") != after.get("version"):
            continue  # another model answered before: not a repeat of this one
        if near:
            before, after = ({k: v.get(k) for k in NEAR.get(module, ())} for v in (before, after))
        moved += [f"{module}.{path}" for path in differences(before, after, tolerance)]
    what = "a near-duplicate of an earlier input" if near else "the same input as before"
    if not moved:
        return [Finding("memory", f"{what}, answered alike", "note")]
    return [Finding("memory_drift", f"{what} answered differently at {', '.join(moved[:10])}")]
