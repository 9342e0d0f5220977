"""L1 uncertainty: what the modules report of their own spread (the ethics ensemble's), how undecided the emotion
labels are, and whether the input is in the language it is read in (a model is only as good as its input is like
its training text)."""

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

from redheart_models import morphology
from redheart_models.emotion.labels import LABEL_SET
from redheart_models.language import unsupported_script
from redheart_models.verification.analysis import Analysis
from redheart_models.verification.config import thresholds
from redheart_models.verification.findings import Finding, LayerVerdict, verdict

INPUTS = Path(__file__).with_name("inputs.json")
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")  # words of any Latin letters: "día" is one word, and not English


@cache
def _inputs() -> dict[str, Any]:
    data = json.loads(INPUTS.read_text(encoding="utf-8"))
    return {**data, "english_function_words": frozenset(data["english_function_words"])}


def input_fit(text: str, language: str) -> Finding | None:
    """A finding when the text is not much like text of `language`: few English function words among its words,
    or Korean that kiwipiepy cannot analyse into likely morphemes. Short texts are not judged."""
    c = _inputs()
    unreadable = unsupported_script(text)
    if unreadable:
        return Finding("input_language", unreadable)
    if language == "en":
        words = WORD.findall(text.lower())
        if len(words) < c["min_words"]:
            return None
        share = sum(w in c["english_function_words"] for w in words) / len(words)
        if share < c["english_share"]:
            return Finding("input_language", f"{share:.0%} of its {len(words)} words are common English words: "
                           "the text may be in another language or not language at all")
    elif language == "ko" and sum("가" <= ch <= "힣" for ch in text) >= c["min_hangul"]:
        score = morphology.log_likelihood_per_char(text)
        if score < c["korean_log_likelihood_per_char"]:
            return Finding("input_language", f"its Korean analyses at {score:.1f} per character: the text may not be "
                           "Korean words")
    return None


def label_spread(emotion: dict[str, Any], language: str) -> float | None:
    """Mean binary entropy (bits) of the emotion labels of the language's label set."""
    probabilities = list(emotion.get(LABEL_SET.get(language, ""), {}).values())
    if not probabilities:
        return None
    entropy = lambda p: 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))  # noqa: E731
    return sum(map(entropy, probabilities)) / len(probabilities)


def uncertainty_layer(analysis: Analysis, limit: float) -> LayerVerdict:
    """Score: one minus the mean of the modules' uncertainties (a reported one, or the emotion labels' spread);
    a module above `limit`, an undecided emotion head or an input unlike its language is a finding."""
    t = thresholds()
    reported = {m: s["uncertainty"] for m, s in sorted(analysis.sections.items())
                if analysis.answered(m) is not None and s.get("uncertainty") is not None}
    findings = [Finding("uncertainty", f"{m}: {u:.3f}", "caution" if u > limit else "note") for m, u in reported.items()]
    emotion = analysis.answered("emotion")
    spread = label_spread(emotion, analysis.language) if emotion is not None else None
    if spread is not None:
        reported["emotion"] = spread
        findings.append(Finding("label_spread", f"emotion labels {spread:.2f} bits on average",
                                "caution" if spread > t["label_spread"] else "note"))
    fit = input_fit(analysis.text, analysis.language)
    findings += [fit] if fit else []
    layer = verdict("uncertainty", len(reported) + 1, findings)
    if not reported:
        return LayerVerdict(layer.name, False, 0.0, False, findings, layer.checks)
    score = max(0.0, 1.0 - sum(reported.values()) / len(reported) - (0.5 if fit else 0.0))
    return LayerVerdict(layer.name, True, score, layer.passed, findings, layer.checks)
