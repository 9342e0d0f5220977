"""Regret over alternatives (original_system.md 1.14-1.15), as formulas over the learned utility.

u_i = tanh(z_i), z_i the standardised mean utility of alternative i; regret_i = (max_j u_j - u_i) / 2 in [0, 1].
Three views shift every alternative by its ensemble spread (optimistic +1 std, neutral 0, pessimistic -1 std) and
recompute u and regret; diversity is the variance of the three views' utilities. The recommendation thresholds are
those of 1.14. Anticipated regret intensity and duration follow the formulas of 1.15 with r = regret, u = the
alternative's normalised spread and cog = the text's cognitive load. Ties: alternatives within `tie` of the best
mean all count as best (regret 0).
"""

import math
import re

from redheart_models.morphology import morphemes
from redheart_models.trace import formula

EN_CHOICE = re.compile(
    r"\b(?:should i|shall i|do i|would it be better to|whether to|i can(?:'t decide| either)?)\s+(.+?)\s*,?\s+or\s+"
    r"(?:should i\s+|to\s+)?(.+?)\s*(?:[?.!]|$)", re.IGNORECASE)
KO_QUESTION_ENDINGS = {"ᆯ까", "을까"}  # "그만둘까 다닐까": two clauses that each end in a -ㄹ까 question


def detect_choice(text: str, language: str) -> list[str]:
    """Two options when the text asks "should I A or B?" / "A할까 B할까"; otherwise none."""
    if language == "en":
        m = EN_CHOICE.search(text)
        options = [m.group(1), m.group(2)] if m else []
    else:
        ends = [m.end for m in morphemes(text) if m.form in KO_QUESTION_ENDINGS]
        starts = [max(text.rfind(c, 0, ends[0]) for c in ".?!\n") + 1] if ends else []
        options = [text[starts[0]:ends[0]], text[ends[0]:ends[1]]] if len(ends) >= 2 else []
        options = [re.sub(r"^(?:아니면|혹은|또는)\s+", "", o.strip(" ,")) for o in options]
    options = [o.strip(" ,") for o in options]
    return options if len(options) == 2 and all(options) and options[0] != options[1] else []


@formula("regret.normalised_utility@1")
def normalised(means: list[float], stds: list[float], shift: float, mean: float, std: float) -> list[float]:
    """tanh of the standardised utility of each alternative, shifted by `shift` ensemble stds."""
    return [math.tanh((m + shift * s - mean) / std) for m, s in zip(means, stds)]


@formula("regret.regret@1")
def regret(utilities: list[float], tie: float) -> list[float]:
    """(max_j u_j - u_i) / 2, in [0, 1]; within `tie` of the best counts as best."""
    best = max(utilities)
    return [0.0 if best - u < tie else (best - u) / 2 for u in utilities]


@formula("regret.diversity@1")
def diversity(views: list[float]) -> float:
    """Variance of one alternative's utility over the three views."""
    mean = sum(views) / len(views)
    return sum((v - mean) ** 2 for v in views) / len(views)


@formula("regret.recommendation@1")
def recommendation(utility: float, regret: float, diversity: float, pursue_utility: float, pursue_regret: float,
                   pursue_diversity: float, conditional_utility: float, conditional_regret: float,
                   reject_utility: float, reject_regret: float) -> str:
    """The thresholds of 1.14: actively pursue / cautious pursuit / conditional / not recommended / needs analysis."""
    if utility > pursue_utility and regret < pursue_regret:
        return "actively pursue" if diversity < pursue_diversity else "cautious pursuit"
    if utility > conditional_utility and regret < conditional_regret:
        return "conditional"
    if utility < reject_utility or regret > reject_regret:
        return "not recommended"
    return "needs analysis"


@formula("regret.intensity@1")
def intensity(regret: float, uncertainty: float, cognitive_load: float, cognitive_gain: float) -> float:
    """Anticipated regret intensity min(1, r (1 + u + 0.2 cog))."""
    return min(1.0, regret * (1 + uncertainty + cognitive_gain * cognitive_load))


@formula("regret.duration_hours@1")
def duration_hours(regret: float, uncertainty: float, cognitive_load: float, days: list[list[float]],
                   bounds: list[float]) -> float:
    """Anticipated duration: base days by regret band (the first row whose bound the regret is below, else the
    last), x24 x(1 + 1.5u) x(1 + 0.8 cog) x(0.7 + 0.3u + 0.5 cog)."""
    a, b = next(((a, b) for bound, a, b in days if regret < bound), days[-1][1:])
    hours = (a + b * regret) * 24 * (1 + 1.5 * uncertainty) * (1 + 0.8 * cognitive_load) * (
        0.7 + 0.3 * uncertainty + 0.5 * cognitive_load)
    return min(bounds[1], max(bounds[0], hours))
