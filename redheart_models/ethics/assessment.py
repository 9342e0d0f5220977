"""One ethics assessment from the models' outputs: stakeholders, the Bentham calculus, regret, legal risk.

`assess` is pure: the models run elsewhere (the Ethics deployment, or a benchmark over cached embeddings) and hand
over their readings; every derived number goes through a registered formula on a `Tracer`, so the answer can be
replayed step by step (trace.py).
"""

from dataclasses import dataclass, field

from redheart_models.ethics import bentham, features, legal, regret, stakeholders
from redheart_models.ethics.config import constants
from redheart_models.trace import Step, Tracer

VERSION = "ethics@1"
NEGATIVE = bentham.NEGATIVE


@dataclass(frozen=True)
class Reading:
    """The models' outputs for one text: utility ensemble mean and spread, and the emotion model's valence, Ekman-7
    and P(neutral) (None when the emotion module did not answer)."""

    utility: float
    utility_std: float
    valence: float | None = None
    ekman: dict[str, float] | None = None
    neutral: float | None = None

    @property
    def felt(self) -> bool:
        return self.ekman is not None

    def as_dict(self) -> dict:
        return {"utility": self.utility, "utility_std": self.utility_std, "valence": self.valence,
                "ekman": self.ekman, "neutral": self.neutral}


@dataclass(frozen=True)
class Option:
    text: str
    utility: float
    utility_std: float


@dataclass
class Assessment:
    """`bentham` and `stakeholders` are None without emotion readings: the calculus weighs feelings."""

    utility: dict[str, float]
    bentham: dict | None
    stakeholders: dict | None
    regret: list[dict]
    legal: dict
    uncertainty: float
    steps: list[Step] = field(default_factory=list)


def _layers(t: Tracer, f: features.Features, impacts_present: list[str], ekman: dict[str, float], load: float,
            uncertainty: float, delay: float, enabled: dict[str, bool]) -> dict[str, float]:
    c = constants()["layers"]
    bounds = {"low": c["low"], "high": c["high"]}
    inputs = {
        "contextual": (bentham.contextual, {"structural": f.structural, "community": "community" in impacts_present}),
        "temporal": (bentham.temporal, {"delay_hours": delay, "urgency": f.urgency}),
        "social": (bentham.social, {"people": f.people, "influential": f.influential, "vulnerable": f.vulnerable}),
        "ethical": (bentham.ethical, {"salience": f.salience}),
        "emotional": (bentham.emotional, {"ekman": ekman}),
        "cognitive": (bentham.cognitive, {"load": load, "uncertainty": uncertainty}),
    }
    return {name: t.apply(f"ethics.layer.{name}", function, **values, **c[name], **bounds)
            for name, (function, values) in inputs.items() if enabled[name]}


def assess(text: str, language: str, message: Reading, sentences: list[Reading], options: list[Option],
           model: str, layers: dict[str, bool] | None = None) -> Assessment:
    """`sentences`: one reading per sentence of `features.split_sentences(text, language)`, in order. Without the
    emotion readings (any reading not `felt`) the Bentham calculus and the stakeholders are left out; utility,
    regret and legal risk do not need them."""
    c, b = constants(), constants()["bentham"]
    t = Tracer()
    f = features.extract(text, language)
    if len(sentences) != len(f.sentences):
        raise ValueError(f"{len(sentences)} sentence readings for {len(f.sentences)} sentences")
    t.model("ethics.features", features.VERSION, {"language": language, "characters": len(text)}, f.summary())
    t.model("ethics.utility", model, {"text": "the message"}, {"mean": message.utility, "std": message.utility_std})
    certainty = t.apply("ethics.certainty", bentham.certainty, hedging=f.hedging, utility_std=message.utility_std,
                        scale=b["uncertainty_scale"])
    load = t.apply("ethics.cognitive_load", bentham.cognitive_load, lexical_diversity=f.lexical_diversity,
                   structural=f.structural, uncertainty=1 - certainty, structural_scale=b["structural_scale"])
    felt = message.felt and all(s.felt for s in sentences)
    calculus, groups = (_calculus(t, text, language, f, message, sentences, model, certainty, load,
                                  layers or c["layers"]["enabled"]) if felt else (None, None))
    u = c["utility"]
    normalised = t.apply("ethics.utility.normalised", regret.normalised, means=[message.utility],
                         stds=[message.utility_std], shift=0.0, mean=u["mean"], std=u["std"])[0]
    uncertainty = t.apply("ethics.uncertainty", bentham.ensemble_uncertainty, utility_std=message.utility_std,
                          scale=b["uncertainty_scale"])
    return Assessment(
        utility={"mean": message.utility, "std": message.utility_std, "normalised": normalised},
        bentham=calculus,
        stakeholders=groups,
        regret=_regret(t, options, load),
        legal=_legal(t, text, language),
        uncertainty=uncertainty,
        steps=t.steps,
    )


def _calculus(t: Tracer, text: str, language: str, f: features.Features, message: Reading, sentences: list[Reading],
              model: str, certainty: float, load: float, enabled: dict[str, bool]) -> tuple[dict, dict]:
    """The Bentham calculus and the stakeholders of the message, from its sentences' readings."""
    c, b = constants(), constants()["bentham"]
    groups = stakeholders.attribute([stakeholders.mentions(text[a:z], language) for a, z in f.sentences])
    t.model("ethics.mentions", "stakeholders.mentions@1", {"sentences": [list(s) for s in f.sentences]}, groups)
    t.model("ethics.readings", f"{model} + the emotion model", {"sentences": len(sentences)},
            [s.as_dict() for s in sentences])
    u = c["utility"]
    z = [t.apply(f"ethics.z.{i}", bentham.standardise, utility=s.utility, mean=u["mean"], std=u["std"])
         for i, s in enumerate(sentences)]
    tones = [t.apply(f"ethics.tone.{i}", bentham.tone, utility_z=zi, valence=s.valence,
                     utility_share=c["tone"]["utility_share"]) for i, (zi, s) in enumerate(zip(z, sentences))]
    negative = [max(s.ekman[e] for e in NEGATIVE) for s in sentences]
    s_c = c["stakeholders"]
    impacts = t.apply("ethics.impacts", stakeholders.impacts, tones=tones, groups=groups)
    critical = t.apply("ethics.critical_loss", stakeholders.critical_loss, negative=negative, groups=groups,
                       threshold=s_c["critical_loss"])
    weights = t.apply("ethics.weights", stakeholders.weights, present=list(impacts),
                      self_critical=critical.get("self", False), base=dict(s_c["weights"]))
    tone = t.apply("ethics.tone", stakeholders.integrate, impacts=impacts, weights=weights)

    duration_hours = f.duration_hours if f.duration_hours is not None else b["default_duration_hours"]
    delay = f.delay_hours if f.delay_hours is not None else b["default_delay_hours"]
    d = {}
    d["intensity"] = t.apply("ethics.intensity", bentham.intensity, tone=tone, neutral=message.neutral)
    d["duration"] = t.apply("ethics.duration", bentham.duration, hours=duration_hours,
                            max_hours=b["duration_max_hours"])
    d["certainty"] = certainty
    d["propinquity"] = t.apply("ethics.propinquity", bentham.propinquity, delay_hours=delay,
                               unit_hours=b["propinquity_unit_hours"], floor=b["propinquity_floor"])
    d["fecundity"] = t.apply("ethics.fecundity", bentham.fecundity, intensity=d["intensity"], chain=f.chain,
                             without_chain=b["fecundity_without_chain"])
    d["purity"] = t.apply("ethics.purity", bentham.purity, ekman=message.ekman)
    d["extent"] = t.apply("ethics.extent", bentham.extent, people=f.people, others="others" in impacts,
                          floor=b["extent_floor"])
    d["external_cost"] = t.apply("ethics.external_cost", bentham.external_cost, impacts=impacts, weights=weights)
    d["redistribution"] = t.apply("ethics.redistribution", bentham.redistribution, give=f.give, take=f.take)
    d["self_damage"] = t.apply("ethics.self_damage", bentham.self_damage, impacts=impacts)
    base = t.apply("ethics.base", bentham.base, tone=tone, dimensions=d, weights=dict(b["weights"]),
                   costs=list(b["costs"]), centred=list(b["centred"]))
    weights_by_layer = _layers(t, f, list(impacts), message.ekman, load, 1 - certainty, delay, enabled)
    score = t.apply("ethics.score", bentham.score, base=base, layers=weights_by_layer)
    return (
        {"dimensions": d, "layers": {name: weights_by_layer.get(name, 1.0) for name in bentham.LAYERS},
         "layers_enabled": {name: bool(enabled[name]) for name in bentham.LAYERS},
         "tone": tone, "base": base, "score": score},
        {"groups": {g: {"impact": impacts[g], "weight": weights[g], "critical_loss": critical[g],
                        "sentences": [i for i, gs in enumerate(groups) if g in gs]} for g in impacts},
         "reversed": critical.get("self", False)},
    )


def _regret(t: Tracer, options: list[Option], load: float) -> list[dict]:
    """Regret of each alternative under the three views, its recommendation and anticipated regret."""
    if not options:
        return []
    c, u = constants()["regret"], constants()["utility"]
    means, stds = [o.utility for o in options], [o.utility_std for o in options]
    t.model("ethics.alternatives", "ethics-util", {"alternatives": len(options)}, {"means": means, "stds": stds})
    views = {}
    for view, shift in c["views"].items():
        utilities = t.apply(f"ethics.regret.{view}.utility", regret.normalised, means=means, stds=stds, shift=shift,
                            mean=u["mean"], std=u["std"])
        views[view] = (utilities, t.apply(f"ethics.regret.{view}.regret", regret.regret, utilities=utilities,
                                          tie=u["tie"]))
    out = []
    for i, option in enumerate(options):
        utility, r = views["neutral"][0][i], views["neutral"][1][i]
        spread = t.apply(f"ethics.regret.{i}.diversity", regret.diversity, views=[v[0][i] for v in views.values()])
        spread_u = min(1.0, option.utility_std / u["std"])
        out.append({
            "alternative": option.text, "utility": utility, "utility_mean": option.utility,
            "utility_std": option.utility_std, "regret": r, "best": r == 0.0, "diversity": spread,
            "views": {view: {"utility": v[0][i], "regret": v[1][i]} for view, v in views.items()},
            "recommendation": t.apply(f"ethics.regret.{i}.recommendation", regret.recommendation, utility=utility,
                                      regret=r, diversity=spread, **c["recommend"]),
            "anticipated": {
                "intensity": t.apply(f"ethics.regret.{i}.intensity", regret.intensity, regret=r,
                                     uncertainty=spread_u, cognitive_load=load,
                                     cognitive_gain=c["intensity_cognitive"]),
                "duration_hours": t.apply(f"ethics.regret.{i}.duration", regret.duration_hours, regret=r,
                                          uncertainty=spread_u, cognitive_load=load,
                                          days=[list(row) for row in c["duration_days"]],
                                          bounds=list(c["duration_hours"])),
            },
        })
    return out


def _legal(t: Tracer, text: str, language: str) -> dict:
    hits = legal.scan(text, language)
    t.model("ethics.legal.hits", legal.VERSION, {"language": language},
            [{"domain": h.domain, "pattern": h.pattern, "span": list(h.span), "weight": h.weight,
              "context": h.context} for h in hits])
    risks = {}
    for domain in legal.DOMAINS:
        strongest = {}
        for h in hits:
            if h.domain == domain:
                strongest[h.pattern] = max(strongest.get(h.pattern, 0.0), h.weight)
        risks[domain] = t.apply(f"ethics.legal.{domain}", legal.risk, weights=sorted(strongest.values()))
    threshold = constants()["legal"]["review_above"]
    return {"risk": risks, "max_risk": max(risks.values()), "review": max(risks.values()) > threshold,
            "threshold": threshold,
            "hits": [{"domain": h.domain, "pattern": h.pattern, "statute": h.statute, "span": list(h.span),
                      "weight": h.weight, "context": h.context} for h in hits],
            "notice": "A signal with citations for a person to weigh; not legal advice."}
