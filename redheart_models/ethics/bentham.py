"""The ten-dimension Bentham calculus and its six weighting layers (original_system.md 1.9-1.11), as formulas.

Dimensions, each in [0, 1], from the learned utility and valence (the tone), the emotion module, the stakeholder
integration and the text's features (features.py):
- intensity = 0.5 |tone| + 0.5 (1 - P(neutral)): how strongly good or bad, and how emotional;
- duration = ln(1 + hours) / ln(1 + 50 years): the longest duration the text mentions (default one day);
- certainty = (1 - hedging) (1 - min(1, std(U) / scale)): hedged words and the utility ensemble's disagreement;
- propinquity = clip(1 / (1 + delay / 24 h), 0.1, 1): how soon ("tomorrow", "next year", "in 3 days");
- fecundity = intensity x (1 with a consequence cue, else 0.5): the chance of further sensations of the same kind;
- purity = 1 - min(pos, neg) / max(pos, neg): positive against negative Ekman mass (mixed feelings are impure);
- extent = max(0.1, min(1, log10(people) / 3)): how many people are affected (counts, communities, society; at
  least two when the text is about someone else);
- external_cost = max(0, -impact on others and the community); self_damage = max(0, -impact on the speaker);
- redistribution = clip(0.5 + 0.25 (giving cues - taking cues), 0, 1).
Score: U_B = (tone x magnitude - costs + redistribution) x product of the layers, where magnitude is the weighted,
transformed mean of the seven classical dimensions (weights and transforms of 1.11). Red Heart fixes the signs the
original lost: costs subtract, and the tone (the sign of pleasure or pain) multiplies the magnitude.
"""

import math

from redheart_models.ethics.config import constants
from redheart_models.trace import formula

DIMENSIONS = ("intensity", "duration", "certainty", "propinquity", "fecundity", "purity", "extent",
              "external_cost", "redistribution", "self_damage")
CLASSICAL = DIMENSIONS[:7]
LAYERS = ("contextual", "temporal", "social", "ethical", "emotional", "cognitive")
POSITIVE = ("joy",)
NEGATIVE = ("anger", "disgust", "fear", "sadness")


def _clip(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return min(high, max(low, x))


@formula("bentham.tone@1")
def tone(utility_z: float, valence: float, utility_share: float) -> float:
    """Hedonic tone in [-1, 1]: tanh of the standardised learned utility, blended with the valence head."""
    return utility_share * math.tanh(utility_z) + (1 - utility_share) * valence


@formula("bentham.standardise@1")
def standardise(utility: float, mean: float, std: float) -> float:
    return (utility - mean) / std


@formula("bentham.ensemble_uncertainty@1")
def ensemble_uncertainty(utility_std: float, scale: float) -> float:
    """The module's uncertainty: the utility ensemble's spread on the message, relative to `scale`, capped at 1."""
    return min(1.0, utility_std / scale)


@formula("bentham.intensity@1")
def intensity(tone: float, neutral: float) -> float:
    return _clip(0.5 * abs(tone) + 0.5 * (1 - neutral))


@formula("bentham.duration@1")
def duration(hours: float, max_hours: float) -> float:
    return _clip(math.log1p(hours) / math.log1p(max_hours))


@formula("bentham.certainty@1")
def certainty(hedging: float, utility_std: float, scale: float) -> float:
    return _clip((1 - hedging) * (1 - min(1.0, utility_std / scale)))


@formula("bentham.propinquity@1")
def propinquity(delay_hours: float, unit_hours: float, floor: float) -> float:
    return _clip(1 / (1 + delay_hours / unit_hours), floor, 1.0)


@formula("bentham.fecundity@1")
def fecundity(intensity: float, chain: bool, without_chain: float) -> float:
    return _clip(intensity * (1.0 if chain else without_chain))


@formula("bentham.purity@1")
def purity(ekman: dict[str, float]) -> float:
    pos, neg = sum(ekman[e] for e in POSITIVE), sum(ekman[e] for e in NEGATIVE)
    return 1.0 - min(pos, neg) / max(pos, neg) if max(pos, neg) > 0 else 1.0


@formula("bentham.extent@1")
def extent(people: int, others: bool, floor: float) -> float:
    """People affected: the text's count, at least two when it is about someone else too."""
    return _clip(math.log10(max(people, 2 if others else 1)) / 3, floor, 1.0)


@formula("bentham.external_cost@1")
def external_cost(impacts: dict[str, float], weights: dict[str, float]) -> float:
    """Harm to the others and the community: minus their weighted impact, when negative."""
    groups = [g for g in ("others", "community") if g in impacts]
    total = sum(weights[g] for g in groups)
    return _clip(-sum(weights[g] * impacts[g] for g in groups) / total) if total else 0.0


@formula("bentham.self_damage@1")
def self_damage(impacts: dict[str, float]) -> float:
    return _clip(-impacts.get("self", 0.0))


@formula("bentham.redistribution@1")
def redistribution(give: int, take: int) -> float:
    return _clip(0.5 + 0.25 * (give - take))


def transform(name: str, x: float) -> float:
    """T of 1.11: sqrt, ln(1 + x), or the logistic 1 / (1 + e^(-10 (x - 0.5)))."""
    kind = constants()["bentham"]["transforms"][name]
    if kind == "sqrt":
        return math.sqrt(x)
    if kind == "log1p":
        return math.log1p(x)
    return 1 / (1 + math.exp(-10 * (x - 0.5)))


@formula("bentham.base@1")
def base(tone: float, dimensions: dict[str, float], weights: dict[str, float], costs: list[str],
         centred: list[str]) -> float:
    """tone x weighted mean of T(classical dimensions) - sum w (T(x) - T(0)) over costs + sum w (T(x) - T(0.5)) over
    centred ones: no cost subtracts nothing, a neutral redistribution adds nothing."""
    magnitude = sum(weights[d] * transform(d, dimensions[d]) for d in CLASSICAL) / sum(weights[d] for d in CLASSICAL)
    cost = sum(weights[d] * (transform(d, dimensions[d]) - transform(d, 0.0)) for d in costs)
    gain = sum(weights[d] * (transform(d, dimensions[d]) - transform(d, 0.5)) for d in centred)
    return tone * magnitude - cost + gain


@formula("bentham.layer.contextual@1")
def contextual(structural: float, community: bool, structural_above: float, structural_factor: float,
               community_factor: float, low: float, high: float) -> float:
    """Mean of the factors that apply: a complex situation (x1.2), one that reaches a community (x1.3)."""
    factors = [structural_factor] * (structural > structural_above) + [community_factor] * community
    return _clip(sum(factors) / len(factors) if factors else 1.0, low, high)


@formula("bentham.layer.temporal@1")
def temporal(delay_hours: float, urgency: float, rate_per_hour: float, floor: float, ceiling: float,
             urgent_above: float, urgent_factor: float, calm_below: float, calm_factor: float, low: float,
             high: float) -> float:
    """Hyperbolic discount of a later consequence, raised by urgency and lowered by calm."""
    w = _clip(1 / (1 + rate_per_hour * delay_hours), floor, ceiling)
    w *= urgent_factor if urgency > urgent_above else calm_factor if urgency < calm_below else 1.0
    return _clip(w, low, high)


@formula("bentham.layer.social@1")
def social(people: int, influential: bool, vulnerable: bool, per_decade: float, cap: float,
           influential_factor: float, vulnerable_factor: float, low: float, high: float) -> float:
    """Network effect min(2, 1 + 0.1 log10 n), x1.3 with someone influential, x1.4 with someone vulnerable."""
    w = min(cap, 1 + per_decade * math.log10(max(people, 1)))
    w *= (influential_factor if influential else 1.0) * (vulnerable_factor if vulnerable else 1.0)
    return _clip(w, low, high)


@formula("bentham.layer.ethical@1")
def ethical(salience: dict[str, float], high_above: float, high_gain: float, low_below: float, low_loss: float,
            low: float, high: float) -> float:
    """Per principle (life & safety, justice & fairness, autonomy & freedom): 1 + 0.5 s above 0.7, 1 - 0.3 (0.3 - s)
    below 0.3; multiplied."""
    w = 1.0
    for s in salience.values():
        w *= 1 + high_gain * s if s > high_above else 1 - low_loss * (low_below - s) if s < low_below else 1.0
    return _clip(w, low, high)


@formula("bentham.layer.emotional@1")
def emotional(ekman: dict[str, float], gain: float, valence: dict[str, float], synergy_min: float,
              synergies: list[list], low: float, high: float) -> float:
    """1 + 0.3 x the Ekman-weighted emotion valence (table of 1.10), times the synergy of co-present emotion pairs."""
    total = sum(ekman.values())
    v = sum(p * valence[e] for e, p in ekman.items()) / total if total else 0.0
    w = 1 + gain * v
    for a, b, factor in synergies:
        if ekman[a] >= synergy_min and ekman[b] >= synergy_min:
            w *= factor
    return _clip(w, low, high)


@formula("bentham.cognitive_load@1")
def cognitive_load(lexical_diversity: float, structural: float, uncertainty: float, structural_scale: float) -> float:
    """mean(lexical diversity, min(1, 10 x clause marks per token), uncertainty)."""
    return (lexical_diversity + min(1.0, structural_scale * structural) + uncertainty) / 3


@formula("bentham.layer.cognitive@1")
def cognitive(load: float, uncertainty: float, high_load: float, high_factor: float, low_load: float,
              low_factor: float, uncertain_above: float, uncertain_factor: float, certain_below: float,
              certain_factor: float, low: float, high: float) -> float:
    """A heavy cognitive load and high uncertainty temper the weight; light load and certainty raise it."""
    w = high_factor if load > high_load else low_factor if load < low_load else 1.0
    w *= uncertain_factor if uncertainty > uncertain_above else certain_factor if uncertainty < certain_below else 1.0
    return _clip(w, low, high)


@formula("bentham.score@1")
def score(base: float, layers: dict[str, float]) -> float:
    """U_B = base x the product of the enabled layers' weights."""
    return base * math.prod(layers.values())
