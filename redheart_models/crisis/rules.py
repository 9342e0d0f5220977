"""The bilingual crisis rule engine: curated expressions (expressions.json, each with its source) and their context.

A matched expression counts for the speaker only when it is theirs and meant: each hit gets a status, and only an
`active` hit keeps its tier. Context rules, the same in both languages:
- negated ("I'd never hurt myself", "죽고 싶진 않아"), idiom (everyday hyperbole: "배고파 죽겠다", "killing me"),
- other_person (third person: "my friend wants to die"; hearsay "죽고 싶대") and reported (quoted words of others),
- fiction (a story, film, song or game about someone else), hypothetical ("if I ever felt suicidal, ..."; never
  for methods, plans or imminent danger: "hypothetically, how many pills ..." is a known way of asking),
- resolved_past (ideation the speaker places in the past and reports resolved: kept as tier 1, a risk indicator),
- mention (a noun such as "suicide" with no person attached).
An intent cue raises an active ideation hit to tier 3, intent with an imminent time to tier 4 (C-SSRS Q4-Q5).
English works on the lower-cased text with regular expressions, Korean on kiwipiepy morphemes.
"""

import bisect
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from redheart_models.morphology import Morpheme, morphemes

VERSION = "crisis.rules@1"
EXPRESSIONS = Path(__file__).with_name("expressions.json")

Status = Literal[
    "active", "negated", "idiom", "other_person", "reported", "fiction", "hypothetical", "resolved_past", "mention"
]
NEVER_HYPOTHETICAL = {"method", "plan", "imminent", "behaviour", "intent"}


@dataclass(frozen=True)
class Hit:
    rule: str
    tier: int  # the expression's tier before context
    kind: str
    source: str
    start: int  # character span in the analysed text
    end: int
    status: Status
    cue: str | None = None  # the context word that set the status

    @property
    def effective_tier(self) -> int:
        """What the hit contributes to the speaker's tier."""
        if self.status == "active":
            return self.tier
        return min(self.tier, 1) if self.status == "resolved_past" else 0


@dataclass(frozen=True)
class RuleAssessment:
    tier: int
    hits: tuple[Hit, ...]

    @property
    def concern_other(self) -> bool:
        """A risk expression about someone else (a friend, a relative): the speaker may need help to help."""
        return any(h.status in ("other_person", "reported") and h.tier >= 2 for h in self.hits)

    @property
    def neutralised(self) -> bool:
        """Risk-like words whose context the engine has read (idiom, negation, ...): a classifier must not
        override that reading, it cannot see it."""
        return any(h.status != "active" for h in self.hits) and self.tier == 0


# ---------------------------------------------------------------- English context
EN_NEGATION = {"not", "never", "no", "nor", "don't", "dont", "won't", "wont", "wouldn't", "wouldnt", "isn't",
               "ain't", "cannot", "didn't", "doesn't", "haven't", "hardly", "nothing", "neither"}
EN_FIRST = {"i", "i'm", "im", "i've", "ive", "i'll", "i'd", "me", "myself"}  # not "my": "my class" is no subject
EN_THIRD = {"he", "she", "they", "he's", "she's", "they're", "he'd", "she'd", "they'd", "he'll", "she'll", "his",
            "her", "their", "him", "them", "friend", "friends", "brother", "sister", "mom", "mum", "dad", "mother",
            "father", "son", "daughter", "wife", "husband", "partner", "boyfriend", "girlfriend", "bf", "gf",
            "roommate", "someone", "somebody", "kid", "child", "student", "patient", "client", "colleague",
            "coworker", "cousin", "uncle", "aunt", "grandma", "grandpa", "grandmother", "grandfather", "neighbor",
            "neighbour", "classmate", "teammate", "character", "protagonist", "guy", "girl", "man", "woman"}
EN_GENERIC = {"we", "we're", "us", "our", "you", "you're", "your", "everyone", "everybody", "people", "anyone",
              "anybody", "one"}
EN_REFLEXIVE_SELF = {"myself", "my"}
EN_FICTION = {"novel", "story", "stories", "character", "characters", "movie", "film", "book", "fiction", "fanfic",
              "fanfiction", "screenplay", "script", "episode", "scene", "plot", "lyrics", "lyric", "song", "poem",
              "game", "villain", "protagonist", "roleplay", "show", "series", "chapter", "anime", "manga", "drama",
              "play", "musical", "opera", "comic", "sitcom"}
EN_HYPOTHETICAL = re.compile(r"\bhypothetical(?:ly)?\b|\bif\s+i\s+(?:were\s+)?ever\b|\bin\s+theory\b|"
                             r"\bif\s+(?:someone|somebody|a\s+person|anyone)\b|\bwhat\s+would\s+happen\s+if\b")
EN_PAST = re.compile(r"\bused\s+to\b|\b(?:years|months)\s+ago\b|\bwhen\s+i\s+was\b|\bin\s+the\s+past\b|"
                     r"\bback\s+then\b|\bat\s+one\s+point\b|\bas\s+a\s+(?:teen|teenager|kid|child)\b|"
                     r"\bin\s+(?:high\s+school|college|my\s+teens|my\s+twenties)\b|\ba\s+long\s+time\s+ago\b")
EN_RESOLVED = re.compile(r"\bused\s+to\b|\b(?:much\s+|a\s+lot\s+)?better\s+now\b|\bdoing\s+(?:much\s+)?(?:better|well|"
                         r"okay|ok|great)\b|\brecover(?:ed|y|ing)\b|\bin\s+a\s+(?:good|better)\s+place\b|"
                         r"\b(?:glad|happy|grateful)\s+(?:i'?m|to\s+be|i\s+am)\s+(?:still\s+)?(?:here|alive)\b|"
                         r"\bnot\s+any\s*more\b|\bno\s+longer\b|\bgot\s+(?:help|through\s+it|over)\b|\bsurvived\b|"
                         r"\b(?:life|things)\s+(?:is|are)\s+(?:good|better|great|okay)\s+now\b|"
                         r"\bi'?m\s+(?:happy|okay|ok|fine|good)\s+now\b")
EN_INTENT = re.compile(r"\b(?:going\s+to|gonna|will|i'll|plan\s+to|planning\s+to|decided\s+to|ready\s+to|"
                       r"about\s+to|tonight\s+i)\s*(?:\w+\s+){0,2}$")
EN_NOW = re.compile(r"\b(?:tonight|today|right\s+now|now|in\s+an\s+hour|this\s+(?:evening|morning|afternoon))\b")
EN_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
EN_CLAUSE_BREAK = re.compile(r"[,;:—–]|\s-\s|\b(?:but|and|yet|so|now|though|although|however|because|while)\b")
EN_TOKEN = re.compile(r"[a-z0-9']+")
EN_QUOTE = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|(?<![a-z])'[^']+'(?![a-z])")


def _normalise_en(text: str) -> str:
    """Lower case with ASCII apostrophes, character for character, so spans map back to the input."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text).replace("’", "'")


def _person_en(before: str, first: bool = False) -> str | None:
    """'self', 'other' or 'generic' from the nearest person word before a match (with `first`, the first one:
    the subject of a reporting clause), or None if there is none."""
    tokens = EN_TOKEN.findall(before)
    for token in tokens if first else reversed(tokens):
        if token in EN_FIRST:
            return "self"
        if token in EN_THIRD or token.endswith("'s") and token[:-2] in EN_THIRD:
            return "other"
        if token in EN_GENERIC:
            return "generic"
    return None


def _negated_en(clause_before: str) -> str | None:
    """A negation cue within three words before the match, not across a pronoun ("can't stop" is no negation)."""
    closer = None
    for token in list(reversed(EN_TOKEN.findall(clause_before)))[:3]:
        if (token in EN_NEGATION or token.endswith("n't")) and closer not in ("stop", "help", "wait"):
            return token
        closer = token
        if token in EN_FIRST or token in EN_THIRD or token in EN_GENERIC or token in {"why", "that", "if", "how"}:
            return None
    return None


@dataclass(frozen=True)
class _Sentence:
    """One English sentence with what every match in it needs, computed once (long texts have many matches)."""

    text: str
    offset: int
    clause_breaks: list[int]
    quotes: list[tuple[int, int]]
    words: set[str]
    hypothetical: str | None
    resolved_message: bool  # the whole message reports a resolution ("doing better now", ...)

    @classmethod
    def read(cls, text: str, offset: int, resolved_message: bool) -> "_Sentence":
        hypothetical = EN_HYPOTHETICAL.search(text)
        return cls(text, offset, [m.end() for m in EN_CLAUSE_BREAK.finditer(text)],
                   [q.span() for q in EN_QUOTE.finditer(text)], set(EN_TOKEN.findall(text)),
                   hypothetical.group(0) if hypothetical else None, resolved_message)

    def clause_start(self, position: int) -> int:
        i = bisect.bisect_right(self.clause_breaks, position)
        return self.clause_breaks[i - 1] if i else 0


def _status_en(rule: dict, match: re.Match, sentence: _Sentence) -> tuple[Status, str | None, int]:
    """Status, cue and tier (after intent / imminence) of one English match in its sentence."""
    text = sentence.text
    start, end = match.start() - sentence.offset, match.end() - sentence.offset
    clause_before = text[sentence.clause_start(start):start]
    tier = rule["tier"]
    if rule["kind"] == "idiom":
        return "idiom", None, 0
    negation = _negated_en(clause_before)
    if negation:
        return "negated", negation, tier
    quote = next(((a, b) for a, b in sentence.quotes if a < start and end <= b), None)
    reflexive = match.groupdict().get("self")
    if reflexive:
        person = "self" if reflexive in EN_REFLEXIVE_SELF else "generic" if reflexive.startswith("your") else "other"
    elif quote:
        person = _person_en(text[:quote[0]], first=True)
    else:
        person = rule.get("person") or _person_en(clause_before) or _person_en(text[:start])
    if quote and person != "self":
        return "reported", "quotation", tier
    fiction = sentence.words & EN_FICTION
    if fiction and person != "self":
        return "fiction", sorted(fiction)[0], tier
    if person in ("other", "generic"):
        return "other_person", person, tier
    if person is None and rule.get("needs_person"):
        return "mention", None, tier
    if sentence.hypothetical and rule["kind"] not in NEVER_HYPOTHETICAL:
        return "hypothetical", sentence.hypothetical, tier
    past = EN_PAST.search(clause_before) or EN_PAST.search(text, end)
    if past and (past.group(0).startswith("used") or sentence.resolved_message):
        return "resolved_past", past.group(0), tier
    if rule["kind"] in ("ideation", "self_harm") and EN_INTENT.search(clause_before):
        tier = 4 if EN_NOW.search(text) else 3
    return "active", None, tier


def _assess_en(text: str, rules: list[dict]) -> list[Hit]:
    lowered = _normalise_en(text)
    resolved = EN_RESOLVED.search(lowered) is not None
    hits: list[Hit] = []
    for sentence_match in EN_SENTENCE.finditer(lowered):
        sentence = None
        for rule in rules:
            for match in rule["regex"].finditer(lowered, sentence_match.start(), sentence_match.end()):
                sentence = sentence or _Sentence.read(sentence_match.group(0), sentence_match.start(), resolved)
                status, cue, tier = _status_en(rule, match, sentence)
                hits.append(Hit(rule["id"], tier, rule["kind"], rule["source"], match.start(), match.end(), status, cue))
    return hits


# ---------------------------------------------------------------- Korean context
KO_FIRST = {"나", "내", "저", "제", "우리"}
KO_THIRD_NP = {"그", "그녀", "걔", "쟤", "얘", "그분", "그들", "이분", "저분"}
KO_PERSON_NOUNS = {"친구", "동생", "언니", "오빠", "형", "누나", "엄마", "아빠", "어머니", "아버지", "남편", "아내",
                   "남친", "여친", "남자친구", "여자친구", "아이", "애", "딸", "아들", "학생", "동료", "선배", "후배",
                   "사람", "누구", "주인공", "할머니", "할아버지", "선생님", "환자", "룸메", "사촌", "이모", "삼촌",
                   "조카", "손님", "팀원", "반", "반장", "캐릭터"}
KO_FICTION = {"소설", "드라마", "영화", "주인공", "캐릭터", "웹툰", "만화", "노래", "가사", "게임", "연극", "대본",
              "시나리오", "작품", "등장인물", "애니", "웹소설", "뮤지컬", "시"}
KO_HEARSAY_EF = {"대", "래", "대요", "래요", "ᆫ대", "는대", "ᆫ대요", "는대요", "다네", "다더라", "대더라"}
KO_QUOTATIVE_EC = {"다고", "라고", "냐고", "자고", "다는", "다며", "라며"}
KO_NEGATION = {("않", "VX"), ("안", "MAG"), ("못", "MAG"), ("못", "VX"), ("말", "VX"), ("아니", "VCN"), ("없", "VA")}
KO_CLAUSE_EC = {"지만", "는데", "ᆫ데", "은데", "는데도", "어도", "아도", "으면서", "면서", "다가", "고서", "니까",
                "으니까", "서", "어서", "아서"}
KO_PAST_NOUNS = {"예전", "옛날", "한때", "과거", "학창", "어릴", "전"}
KO_RESOLVED = {"괜찮", "나아지", "극복", "회복", "다행", "좋아지", "이겨내", "행복", "감사"}
KO_INTENT = {"려고", "으려고", "기로"}
KO_NOW = {"오늘", "지금", "곧", "이따", "당장", "오늘밤"}


def _compile_morphemes(spec: str) -> list[tuple[set[str] | None, tuple[str, ...] | None, bool]]:
    """`form|form/TAG|TAG?` items: forms (None = any), tag prefixes (None = any), optional."""
    items = []
    for item in spec.split():
        optional = item.endswith("?")
        item = item.rstrip("?")
        form, _, tag = item.partition("/")
        items.append((set(form.split("|")) if form else None, tuple(tag.split("|")) if tag else None, optional))
    return items


def _match_at(morphemes: list[Morpheme], i: int, pattern: list, end: int) -> int | None:
    """Index after a match of `pattern` starting at morpheme i and ending by `end`, or None."""
    j = i
    for forms, tags, optional in pattern:
        ok = j < end and (forms is None or morphemes[j].form in forms) and (
            tags is None or morphemes[j].tag.startswith(tags))
        if ok:
            j += 1
        elif not optional:
            return None
    return j if j > i else None


def _ko_boundary(m: Morpheme) -> bool:
    return m.tag in ("SF", "EF") or m.tag == "SP" or (m.tag == "EC" and m.form in KO_CLAUSE_EC)


def _status_ko(rule: dict, ms: list[Morpheme], i: int, j: int, sent_from: int, sent_to: int,
               last_resolution: int) -> tuple[Status, str | None, int]:
    """Status, cue and tier of the Korean match ms[i:j]; `last_resolution` is the start of the message's last
    resolution word ("괜찮아", "극복", ...), -1 if none."""
    tier = rule["tier"]
    if rule["kind"] == "idiom":
        return "idiom", None, 0
    after: list[Morpheme] = []
    for m in ms[j:sent_to]:
        after.append(m)
        if _ko_boundary(m) or len(after) >= 9:
            break
    before = ms[max(sent_from, i - 2):i]
    negation = next((m for m in after if (m.form, m.tag) in KO_NEGATION), None) or next(
        (m for m in before if (m.form, m.tag) in KO_NEGATION and m.tag == "MAG"), None)
    if negation:
        return "negated", negation.form, tier
    sentence_before = ms[sent_from:i]
    forms = {m.form for m in ms[sent_from:sent_to]}
    person = None
    for m in reversed(sentence_before):
        if m.tag == "NP" and m.form in KO_FIRST:
            person = "self"
            break
        if (m.tag == "NP" and m.form in KO_THIRD_NP) or (m.tag.startswith("NN") and m.form in KO_PERSON_NOUNS):
            person = "other"
            break
    if person is None and any(m.tag == "NP" and m.form in KO_FIRST for m in ms[i:j]):
        person = "self"
    hearsay = next((m for m in after if (m.tag == "EF" and m.form in KO_HEARSAY_EF)
                    or (m.tag in ("EC", "ETM") and m.form in KO_QUOTATIVE_EC)), None)
    # "죽고 싶다는 생각" (the thought of wanting to die) is the speaker's own unless someone else is named
    if hearsay and person != "self" and not (hearsay.form == "다는" and person is None):
        return "reported", hearsay.form, tier
    fiction = forms & KO_FICTION
    if fiction and person != "self":
        return "fiction", sorted(fiction)[0], tier
    if person == "other":
        return "other_person", "third person", tier
    if person is None and rule.get("needs_person") and not _ko_predicate_follows(ms, j, sent_to):
        return "mention", None, tier
    if "만약" in forms and rule["kind"] not in NEVER_HYPOTHETICAL:
        return "hypothetical", "만약", tier
    past = next((m for m in after if m.tag == "EP" and m.form in ("었", "았", "었었", "았었")), None)
    past_noun = next((m for m in sentence_before if m.form in KO_PAST_NOUNS), None)
    if (past or past_noun) and last_resolution >= ms[j - 1].end:
        return "resolved_past", (past_noun or past).form, tier
    if rule["kind"] in ("ideation", "self_harm"):
        if any(m.form in KO_INTENT for m in after) or any(m.form == "거" and m.tag == "NNB" for m in after):
            tier = 4 if forms & KO_NOW else 3
    return "active", None, tier


def _ko_predicate_follows(ms: list[Morpheme], j: int, sent_to: int) -> bool:
    """A bare noun ("자살", "자해") that the speaker does or wants: followed by 하다 or 싶다, or by 생각/충동."""
    following = ms[j:min(j + 4, sent_to)]
    return any(m.tag in ("XSV", "VX") or m.form in ("하", "싶", "생각", "충동", "했") for m in following)


def _assess_ko(text: str, rules: list[dict]) -> list[Hit]:
    ms = morphemes(text)
    sentences, start = [], 0
    for k, m in enumerate(ms):
        if m.tag in ("SF", "EF") and (k + 1 == len(ms) or ms[k + 1].tag != "SF"):
            sentences.append((start, k + 1))
            start = k + 1
    if start < len(ms):
        sentences.append((start, len(ms)))
    last_resolution = max((m.start for m in ms if m.form in KO_RESOLVED), default=-1)
    hits: list[Hit] = []
    for sent_from, sent_to in sentences:
        for rule in rules:
            i = sent_from
            first_forms, _, first_optional = rule["pattern"][0]
            while i < sent_to:
                if first_forms is not None and not first_optional and ms[i].form not in first_forms:
                    i += 1
                    continue
                j = _match_at(ms, i, rule["pattern"], sent_to)
                if j is None:
                    i += 1
                    continue
                status, cue, tier = _status_ko(rule, ms, i, j, sent_from, sent_to, last_resolution)
                hits.append(Hit(rule["id"], tier, rule["kind"], rule["source"], ms[i].start, ms[j - 1].end, status, cue))
                i = j
    return hits


# ---------------------------------------------------------------- the engine
@cache
def load_expressions(path: Path = EXPRESSIONS) -> dict:
    """The curated expressions, compiled; each rule keeps its id, tier, kind and source key."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for rule in data["english"]:
        rule["regex"] = re.compile(rule["pattern"])
    for rule in data["korean"]:
        rule["pattern"] = _compile_morphemes(rule["morphemes"])
    return data


class _Spans:
    """Disjoint character spans kept sorted, so an overlap test costs O(log n) even for a text full of hits."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.labels: list[str] = []

    def find(self, start: int, end: int) -> str | None:
        """The label of a kept span overlapping [start, end), or None."""
        i = bisect.bisect_right(self.starts, start)
        if i and self.ends[i - 1] > start:
            return self.labels[i - 1]
        return self.labels[i] if i < len(self.starts) and self.starts[i] < end else None

    def add(self, start: int, end: int, label: str) -> None:
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.labels.insert(i, label)


def _resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """An idiom overrides the risk expressions it overlaps; of overlapping hits the highest tier, then the longest,
    is kept (Korean and English rules never overlap in meaning, so one span gives one reading)."""
    idioms = _Spans()
    for idiom in sorted((h for h in hits if h.kind == "idiom"), key=lambda h: h.start):
        if idioms.starts and idioms.ends[-1] > idiom.start:  # merge with the previous idiom span
            idioms.ends[-1] = max(idioms.ends[-1], idiom.end)
        else:
            idioms.add(idiom.start, idiom.end, idiom.rule)
    read = []
    for hit in hits:
        idiom = None if hit.kind == "idiom" else idioms.find(hit.start, hit.end)
        read.append(Hit(**{**vars(hit), "status": "idiom", "cue": idiom}) if idiom else hit)
    kept, spans = [], _Spans()
    for hit in sorted(read, key=lambda h: (-h.effective_tier, h.kind == "idiom", -h.tier, h.start - h.end)):
        if spans.find(hit.start, hit.end) is None:
            spans.add(hit.start, hit.end, hit.rule)
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


@lru_cache(maxsize=4096)
def assess(text: str) -> RuleAssessment:
    """Every expression found in `text` (Korean and English rules both run: messages mix languages), with its
    context status; the tier is the highest active one."""
    expressions = load_expressions()
    hits = _resolve_overlaps(_assess_ko(text, expressions["korean"]) + _assess_en(text, expressions["english"]))
    return RuleAssessment(max((h.effective_tier for h in hits), default=0), tuple(hits))


def source_of(hit: Hit) -> str:
    return load_expressions()["sources"][hit.source]
