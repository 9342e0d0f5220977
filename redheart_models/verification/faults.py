"""The faults the harness injects into a clean analysis (`redheart verify-eval`), as pure functions.

Output faults corrupt a number where it is reported and leave the trace alone (a bug or a tampered answer); model
faults are internally consistent, trace included (a model that is wrong, or another input's answer), so only a
cross-module rule, the grounding or the memory can see them. Input faults (gibberish, another language) are
requests of their own, run through the pipeline by the harness.
"""

import copy
import json
import math
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.emotion import cultural, labels
from redheart_models.ethics import assessment, features
from redheart_models.verification.analysis import Analysis
from redheart_models.verification.memory import fingerprint

CLEAR_UTILITY = 0.5  # a utility this far from neutral takes a side an emotion reading can contradict
FEELING_SIDE = {"joy": 1, "anger": -1, "disgust": -1, "fear": -1, "sadness": -1}  # Ekman's emotions with a side
Fault = Callable[[Analysis, list[Analysis], random.Random], Analysis | None]  # (clean, all clean, rng) -> faulty


def feeling_side(ekman: dict[str, float]) -> int:
    """The side (+1, -1; 0 for surprise) of the likeliest Ekman emotion other than neutral: the harness's own
    reading of a feeling, kept apart from the rules it measures."""
    return FEELING_SIDE.get(max((e for e in ekman if e != "neutral"), key=ekman.__getitem__), 0)


def with_section(analysis: Analysis, module: str, section: dict[str, Any]) -> Analysis:
    """The analysis with one module's answer replaced."""
    return replace(analysis, sections={**analysis.sections, module: section})


def _same_language(clean: Analysis, pool: list[Analysis], module: str) -> list[Analysis]:
    return [o for o in pool if o.text != clean.text and o.language == clean.language and o.answered(module)]


def swap(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
    """One module's answer replaced by its answer to another input of the same language (an emotion answer is
    handed on to Ethics, as the coordinator would)."""
    modules = [m for m in ("emotion", "ethics", "crisis") if clean.answered(m) and _same_language(clean, pool, m)]
    if not modules:
        return None
    module = rng.choice(modules)
    other = copy.deepcopy(rng.choice(_same_language(clean, pool, module)).sections[module])
    return as_handed(clean, other) if module == "emotion" else with_section(clean, module, other)


def out_of_range(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
    """A probability, a tier or a valence pushed outside its range."""
    choices = []
    if clean.answered("emotion"):
        choices += [("emotion", ("ekman", "joy"), 1.0 + rng.uniform(0.1, 1.0)), ("emotion", ("valence",), -1.5)]
    if clean.answered("ethics") and clean.sections["ethics"].get("morality") is not None:
        choices.append(("ethics", ("morality",), 1.0 + rng.uniform(0.1, 1.0)))
    if clean.answered("crisis"):
        choices.append(("crisis", ("tier",), 5 + rng.randrange(3)))
    if not choices:
        return None
    module, path, value = rng.choice(choices)
    section = copy.deepcopy(clean.sections[module])
    owner = section
    for key in path[:-1]:
        owner = owner[key]
    owner[path[-1]] = value
    return with_section(clean, module, section)


def sign_flip(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
    """The sign of a valence or a utility flipped where it is reported."""
    choices = []
    if clean.answered("emotion") and abs(clean.sections["emotion"]["valence"]) > 0.05:
        choices.append(("emotion", ("valence",)))
    if clean.answered("ethics") and abs(clean.sections["ethics"]["utility"]["normalised"]) > 0.05:
        choices.append(("ethics", ("utility", "normalised")))
    if not choices:
        return None
    module, path = rng.choice(choices)
    section = copy.deepcopy(clean.sections[module])
    owner = section
    for key in path[:-1]:
        owner = owner[key]
    owner[path[-1]] = -owner[path[-1]]
    return with_section(clean, module, section)


def _non_finite(value: float) -> Fault:
    def inject(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
        modules = [m for m in ("emotion", "ethics") if clean.answered(m)]
        if not modules:
            return None
        module = rng.choice(modules)
        section = copy.deepcopy(clean.sections[module])
        if module == "emotion":
            section["valence"] = value
        else:
            section["utility"]["mean"] = value
        return with_section(clean, module, section)

    inject.__doc__ = f"A reported number replaced by {value}."
    return inject


def numpy_scalar(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
    """A reported number left as a numpy scalar instead of a Python float."""
    if not clean.answered("emotion"):
        return None
    section = copy.deepcopy(clean.sections["emotion"])
    section["valence"] = np.float32(section["valence"])
    return with_section(clean, "emotion", section)


def trace_tamper(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
    """One numeric trace step's output altered, the answer left as it was."""
    candidates = [(m, i) for m in ("ethics", "emotion", "crisis") if clean.answered(m)
                  for i, s in enumerate(clean.sections[m].get("trace", [])) if _numeric(s["output"])]
    if not candidates:
        return None
    module, index = rng.choice(candidates)
    section = copy.deepcopy(clean.sections[module])
    step = section["trace"][index]
    step["output"] = _perturb(step["output"], rng)
    return with_section(clean, module, section)


def _numeric(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_numeric(v) for v in value.values())
    if isinstance(value, list):
        return any(_numeric(v) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _perturb(value: Any, rng: random.Random) -> Any:
    """The first number found, moved by 0.1 to 0.5 (a flip for a boolean is not a number's fault)."""
    if isinstance(value, dict):
        key = next(k for k, v in value.items() if _numeric(v))
        return {**value, key: _perturb(value[key], rng)}
    if isinstance(value, list):
        i = next(i for i, v in enumerate(value) if _numeric(v))
        return [*value[:i], _perturb(value[i], rng), *value[i + 1:]]
    return value + 1 if isinstance(value, int) else value + rng.choice([-1, 1]) * rng.uniform(0.1, 0.5)


def contradiction(clean: Analysis, pool: list[Analysis], rng: random.Random) -> Analysis | None:
    """A contradictory module pair: the emotion module answers, consistently (trace, and the readings the ethics
    module records it was handed), the reading of another input of the same language that contradicts another
    module: the most joyful reading beside a crisis tier >= 2, or, of the readings of the opposite feeling (valence
    and top emotion both on the other side of a clear utility), the one of the farthest valence. None where no
    module gives a clear side to contradict, or no reading of the pool takes the other."""
    emotion, crisis, ethics = clean.answered("emotion"), clean.answered("crisis"), clean.answered("ethics")
    others = _same_language(clean, pool, "emotion")
    if emotion is None or not others:
        return None
    if crisis is not None and crisis["tier"] >= RESPONSE_TIER:
        opposite = max(others, key=lambda o: o.sections["emotion"]["ekman"]["joy"])
    elif ethics is not None and abs(ethics["utility"]["normalised"]) >= CLEAR_UTILITY:
        sign = math.copysign(1.0, ethics["utility"]["normalised"])
        opposed = [o for o in others if sign * o.sections["emotion"]["valence"] < 0
                   and sign * feeling_side(o.sections["emotion"]["ekman"]) < 0]
        if not opposed:
            return None
        opposite = min(opposed, key=lambda o: sign * o.sections["emotion"]["valence"])
    else:
        return None
    return as_handed(clean, with_reading(emotion, **{k: opposite.sections["emotion"][k]
                                                      for k in ("goemotions", "kote", "valence")}))


def as_handed(clean: Analysis, emotion: dict[str, Any]) -> Analysis:
    """The analysis with this emotion answer, and the ethics answer recomputed from it as the ethics module would
    have (the coordinator hands Ethics the emotion module's answer): the same utilities, alternatives and text,
    the new feelings, so everything downstream of a wrong reading is consistently wrong."""
    faulty = with_section(clean, "emotion", emotion)
    ethics = clean.answered("ethics")
    if ethics is None or ethics.get("bentham") is None:
        return faulty
    return with_section(faulty, "ethics", reassessed(ethics, emotion, clean))


def reassessed(ethics: dict[str, Any], emotion: dict[str, Any], analysis: Analysis) -> dict[str, Any]:
    """The ethics answer of `analysis` had the emotion module answered `emotion` (its model outputs, the utilities,
    kept from its trace)."""
    steps = {s["id"]: s for s in ethics["trace"]}
    utility = steps["ethics.utility"]
    spans = [tuple(s["span"]) for s in emotion["sentences"]]
    readable = spans == features.split_sentences(analysis.text, analysis.language)  # else Ethics answers in part
    feel = lambda r: (r["valence"], r["ekman"], r["ekman"]["neutral"]) if readable else ()  # noqa: E731
    message = assessment.Reading(utility["output"]["mean"], utility["output"]["std"], *feel(emotion))
    sentences = [assessment.Reading(r["utility"], r["utility_std"], *feel(s))
                 for r, s in zip(steps["ethics.readings"]["output"], emotion["sentences"] if readable else
                                 [{}] * len(steps["ethics.readings"]["output"]))]
    made = steps.get("ethics.alternatives", {}).get("output", {"means": [], "stds": []})
    options = [assessment.Option(r["alternative"], m, sd)
               for r, m, sd in zip(ethics["regret"], made["means"], made["stds"])]
    result = assessment.assess(analysis.text, analysis.language, message, sentences, options, utility["name"])
    kept = [s for s in ethics["trace"] if s["id"] in ("ethics.embed", "ethics.morality")]
    partial = {} if readable else {"status": "partial", "detail": "the emotion answer reads other sentences"}
    return {**copy.deepcopy(ethics), **partial, "utility": result.utility, "bentham": result.bentham,
            "stakeholders": result.stakeholders, "legal": result.legal, "uncertainty": result.uncertainty,
            "regret": [r | {"language": old["language"]} for r, old in zip(result.regret, ethics["regret"])],
            "trace": json.loads(json.dumps(kept[:1] + [vars(s) for s in result.steps] + kept[1:], default=float))}


def with_reading(emotion: dict[str, Any], goemotions: dict[str, float], kote: dict[str, float],
                 valence: float) -> dict[str, Any]:
    """An emotion section with another reading, made consistent: Ekman, the composites, each sentence and the trace
    recomputed from it (what a module serving a different head would answer). The detected labels are left as
    they were: their thresholds are the released model's, and no check reads them against the probabilities."""
    section = copy.deepcopy(emotion)
    groups = labels.EKMAN_FROM_GOEMOTIONS if section["ekman_from"] == "goemotions" else labels.EKMAN_FROM_KOTE
    source = goemotions if section["ekman_from"] == "goemotions" else kote
    ekman = labels.ekman(source, groups)
    section.update(goemotions=goemotions, kote=kote, ekman=ekman, valence=valence,
                   cultural=cultural.composites(kote))
    for s in section["sentences"]:
        s.update(valence=valence, ekman=ekman)
    for step in section["trace"]:
        if step["id"] in ("emotion.goemotions", "emotion.kote"):
            probabilities = goemotions if step["id"] == "emotion.goemotions" else kote
            top = sorted(probabilities.items(), key=lambda kv: -kv[1])[:len(step["output"]["top"])]
            step["output"] = {**step["output"], "top": dict(top)}
        elif step["id"] == "emotion.ekman":
            step["output"] = ekman
        elif step["id"] == "emotion.valence":
            step["output"] = valence
        elif step["id"].startswith("emotion.cultural."):
            step["output"] = section["cultural"][step["id"].rsplit(".", 1)[1]]
        elif step["id"] == "emotion.sentences":
            step["output"] = [{"valence": valence, "ekman": ekman} for _ in section["sentences"]]
    return section


def altered_memory(clean: Analysis, rng: random.Random) -> dict[str, Any]:
    """A remembered answer for this input that is not what was answered: one stable number moved."""
    remembered = fingerprint(clean)
    module = rng.choice(sorted(remembered))
    field = next(f for f, v in remembered[module].items() if _numeric(v))
    remembered[module][field] = _perturb(remembered[module][field], rng)
    return remembered


OUTPUT_FAULTS: dict[str, Fault] = {
    "swap": swap, "out_of_range": out_of_range, "sign_flip": sign_flip, "nan": _non_finite(math.nan),
    "inf": _non_finite(math.inf), "numpy_scalar": numpy_scalar, "trace_tamper": trace_tamper,
    "contradiction": contradiction,
}
