"""What the ethics calculus reads from the text itself: sentences, cues, temporal expressions, people affected.

Cue lists are in cues.json (English regular expressions, Korean kiwipiepy lemmas); every match is kept as
evidence (kind, cue, character span), so each feature can be pointed back to the words it came from.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from redheart_models.ethics.config import constants
from redheart_models.morphology import Morpheme, morphemes
from redheart_models.morphology import sentences as ko_sentences

VERSION = "ethics.features@1"
CUES = Path(__file__).with_name("cues.json")
PRINCIPLES = ("life_safety", "justice_fairness", "autonomy_freedom")

EN_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
EN_TOKEN = re.compile(r"[a-z0-9']+")
KO_TOKEN = re.compile(r"\S+")
CLAUSE_MARK = re.compile(r"[,;:]|\b(?:and|but|because|although|though|while|if|when|so|which|that)\b")
KO_CLAUSE_TAGS = {"EC"}  # connective endings join clauses

HOURS = {"minute": 1 / 60, "hour": 1, "day": 24, "week": 168, "month": 730, "year": 8760, "decade": 87600,
         "분": 1 / 60, "시간": 1, "일": 24, "주": 168, "주일": 168, "달": 730, "개월": 730, "년": 8760}
EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "a few": 3, "few": 3, "several": 4, "many": 10}
KO_NUMBERS = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
              "몇": 3}
LIFETIME_HOURS = 50 * 8760
EN_AMOUNT = r"(\d+|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|few|several|many)"
EN_SPAN = re.compile(rf"\b{EN_AMOUNT}\s+(minute|hour|day|week|month|year|decade)s?\b")
EN_DELAY_BEFORE = re.compile(r"\b(?:in|after|within)\s+$")
EN_DELAY_AFTER = re.compile(r"^\s+(?:from now|later|away)\b")
EN_WHOLE = {r"forever|for life|for the rest of (?:my|his|her|their|our) li(?:fe|ves)|permanent(?:ly)?|lifelong":
            LIFETIME_HOURS, r"all day|overnight": 12, r"all week": 168, r"all year": 8760,
            r"for a (?:moment|minute|second)|briefly|momentar(?:y|ily)": 0.1}
EN_WHEN = {r"right now|now|immediately|today|tonight|this (?:morning|afternoon|evening)": 0.0, r"tomorrow": 24.0,
           r"next week": 168.0, r"next month": 730.0, r"next year": 8760.0,
           r"someday|some day|one day|eventually|in the future|years from now": 5 * 8760.0}
KO_SPAN = re.compile(r"(\d+|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|몇)\s*(분|시간|일|주일|주|달|개월|년)")
KO_DELAY_AFTER = re.compile(r"^\s*(?:후|뒤|이후|만에)")
KO_WHOLE = {r"평생|영원히|죽을 때까지|영구": LIFETIME_HOURS, r"하루 ?종일|밤새": 12, r"잠깐|잠시|순간": 0.1}
KO_WHEN = {r"지금|당장|오늘|오늘 ?밤": 0.0, r"내일": 24.0, r"다음 ?주": 168.0, r"다음 ?달": 730.0, r"내년": 8760.0,
           r"언젠가|나중에|미래에": 5 * 8760.0}
EN_PEOPLE = re.compile(rf"\b{EN_AMOUNT}\s+(?:\w+\s+)?(people|persons|friends|children|kids|students|workers|employees|"
                       r"families|neighbou?rs|customers|patients|members|colleagues|strangers)\b")
KO_PEOPLE = re.compile(r"(\d+|두|세|네|다섯|여섯|일곱|여덟|아홉|열|몇)\s*(?:명|사람|가족)")


@dataclass(frozen=True)
class Cue:
    kind: str
    cue: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Features:
    """The text's features that feed the Bentham dimensions and the layers (all traced)."""

    sentences: list[tuple[int, int]]
    tokens: int
    lexical_diversity: float  # distinct tokens / tokens
    structural: float  # clause marks per token
    duration_hours: float | None  # the longest duration mentioned
    delay_hours: float | None  # the latest time the consequence is placed at
    hedging: float
    urgency: float
    chain: bool  # a consequence cue: "so that", "as a result", "그래서"
    salience: dict[str, float]  # principle -> salience in [0, 1]
    give: int
    take: int
    people: int
    community: bool
    vulnerable: bool
    influential: bool
    cues: list[Cue] = field(default_factory=list)

    def summary(self) -> dict:
        """The values the formulas use, as JSON (the trace output of this extractor)."""
        return {k: v for k, v in vars(self).items() if k not in ("sentences", "cues")} | {
            "sentences": len(self.sentences), "cues": [vars(c) | {"span": list(c.span)} for c in self.cues]}


@cache
def cue_lists() -> dict[str, dict[str, list[str]]]:
    return {k: v for k, v in json.loads(CUES.read_text(encoding="utf-8")).items() if not k.startswith("_")}


@cache
def _en_pattern(kind: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(cue_lists()[kind]["en"]) + r")\b")


@cache
def _ko_surface(kind: str) -> re.Pattern | None:
    patterns = cue_lists()[kind].get("ko_surface")
    return re.compile("|".join(patterns)) if patterns else None


def find_cues(kind: str, text: str, language: str, ms: list[Morpheme] | None = None) -> list[Cue]:
    """Every match of the cue list `kind` in `text` (Korean: lemmas over `ms`, kiwipiepy morphemes of `text`)."""
    if language == "en":
        return [Cue(kind, m.group(0), m.span()) for m in _en_pattern(kind).finditer(text.lower())]
    lemmas = set(cue_lists()[kind]["ko"])
    found = [Cue(kind, m.form, (m.start, m.end)) for m in (ms if ms is not None else morphemes(text))
             if m.form in lemmas]
    surface = _ko_surface(kind)
    return found + ([Cue(kind, m.group(0), m.span()) for m in surface.finditer(text)] if surface else [])


def split_sentences(text: str, language: str) -> list[tuple[int, int]]:
    if language == "ko":
        return ko_sentences(text) or [(0, len(text))]
    spans = [m.span() for m in EN_SENTENCE.finditer(text) if m.group(0).strip()]
    return spans or [(0, len(text))]


def _amount(word: str, numbers: dict[str, int]) -> float:
    return float(word) if word.isdigit() else float(numbers[word])


def _times(text: str, language: str) -> tuple[list[tuple[float, Cue]], list[tuple[float, Cue]]]:
    """(durations, delays) in hours, each with the words it was read from."""
    lowered = text.lower() if language == "en" else text
    span, numbers, whole, when = ((EN_SPAN, EN_NUMBERS, EN_WHOLE, EN_WHEN) if language == "en"
                                  else (KO_SPAN, KO_NUMBERS, KO_WHOLE, KO_WHEN))
    durations, delays = [], []
    for m in span.finditer(lowered):
        hours = _amount(m.group(1), numbers) * HOURS[m.group(2)]
        if language == "en":
            delayed = EN_DELAY_BEFORE.search(lowered[:m.start()]) or EN_DELAY_AFTER.match(lowered[m.end():])
        else:
            delayed = KO_DELAY_AFTER.match(lowered[m.end():])
        kind = "delay" if delayed else "duration"
        (delays if delayed else durations).append((hours, Cue(kind, m.group(0), m.span())))
    bound = (lambda p: rf"\b(?:{p})\b") if language == "en" else (lambda p: p)
    for table, out, kind in ((whole, durations, "duration"), (when, delays, "delay")):
        for pattern, hours in table.items():
            out += [(hours, Cue(kind, m.group(0), m.span())) for m in re.finditer(bound(pattern), lowered)]
    return durations, delays


def _people(text: str, language: str, community: bool, society: bool) -> tuple[int, list[Cue]]:
    """How many people the text says are affected: an explicit count, else a community or society size, else 1."""
    pattern, numbers = (EN_PEOPLE, EN_NUMBERS) if language == "en" else (KO_PEOPLE, KO_NUMBERS)
    lowered = text.lower() if language == "en" else text
    counts = [(int(_amount(m.group(1), numbers)), Cue("people", m.group(0), m.span()))
              for m in pattern.finditer(lowered)]
    c = constants()["features"]
    n = max([1, *(k for k, _ in counts)])
    n = max(n, c["society_people"] if society else c["community_people"] if community else 1)
    return n, [cue for _, cue in counts]


def extract(text: str, language: str) -> Features:
    c = constants()["features"]
    ms = morphemes(text) if language == "ko" else None
    spans = split_sentences(text, language)
    tokens = EN_TOKEN.findall(text.lower()) if language == "en" else KO_TOKEN.findall(text)
    clauses = (len(CLAUSE_MARK.findall(text.lower())) if language == "en"
               else sum(m.tag in KO_CLAUSE_TAGS for m in ms))
    found = {kind: find_cues(kind, text, language, ms) for kind in cue_lists()}
    durations, delays = _times(text, language)
    n, people = _people(text, language, bool(found["community"]), bool(found["society"]))
    urgency = c["urgent"] if found["urgent"] else c["calm"] if found["calm"] else c["neutral_urgency"]
    salience = {p: min(1.0, c["salience_base"] + c["salience_step"] * len(found[p])) for p in PRINCIPLES}
    return Features(
        sentences=spans,
        tokens=len(tokens),
        lexical_diversity=len(set(tokens)) / len(tokens) if tokens else 0.0,
        structural=clauses / len(tokens) if tokens else 0.0,
        duration_hours=max((h for h, _ in durations), default=None),
        delay_hours=max((h for h, _ in delays), default=None),
        hedging=min(1.0, c["hedge_per_sentence"] * len(found["hedge"]) / len(spans)),
        urgency=urgency,
        chain=bool(found["chain"]),
        salience=salience,
        give=len(found["give"]),
        take=len(found["take"]),
        people=n,
        community=bool(found["community"] or found["society"]),
        vulnerable=bool(found["vulnerable"]),
        influential=bool(found["influential"]),
        cues=sorted([cue for cues in found.values() for cue in cues] + [cue for _, cue in durations + delays] + people,
                    key=lambda cue: cue.span),
    )
