"""The stakeholder hierarchy (original_system.md 1.8): who each sentence is about, and whose good counts how much.

Groups: `self` (the speaker), `others` (particular people), `community` (a group, society). English mentions are
pronouns and person nouns; Korean mentions are kiwipiepy pronouns (NP) and nouns. A group's impact is the mean tone
of the sentences that mention it; the integrated impact weighs the groups present community .5 > others .3 >
self .2. When the speaker suffers a critical loss (a negative emotion above 0.7 in a sentence about themself) the
order is reversed, self first: a person in acute pain comes before the common good. (The original raised the
others' and the community's weights on *their* losses instead; Red Heart's users are the people in the text.)
"""

import re

from redheart_models.ethics.features import find_cues
from redheart_models.morphology import morphemes
from redheart_models.trace import formula

GROUPS = ("self", "others", "community")
EN_SELF = re.compile(r"\b(?:i|me|my|mine|myself|i'm|i've|i'll|i'd|im|ive)\b")
EN_OTHERS = re.compile(
    r"\b(?:he|she|him|her|his|hers|they|them|their|you|your|we|us|our|someone|somebody|friends?|mom|mother|dad|"
    r"father|parents?|brother|sister|siblings?|wife|husband|partner|boyfriend|girlfriend|son|daughter|kids?|child|"
    r"children|boss|coworkers?|colleagues?|neighbou?rs?|stranger|teacher|students?|customers?|roommate|"
    r"grand(?:ma|pa|mother|father)|aunt|uncle|cousin|baby|family)\b")
KO_SELF = {"나", "내", "저", "제"}
KO_OTHERS_NP = {"그", "그녀", "너", "당신", "걔", "쟤", "얘", "그분", "그들", "너희", "우리"}
KO_PERSON = {"친구", "동생", "언니", "오빠", "형", "누나", "엄마", "아빠", "어머니", "아버지", "부모", "부모님",
             "남편", "아내", "남자친구", "여자친구", "애인", "아들", "딸", "아이", "가족", "동료", "상사", "이웃",
             "선생님", "학생", "손님", "할머니", "할아버지", "사촌", "룸메이트", "사람"}


def mentions(sentence: str, language: str) -> list[str]:
    """The groups a sentence is about."""
    ms = morphemes(sentence) if language == "ko" else None
    if ms is None:
        lowered = sentence.lower()
        found = {"self": bool(EN_SELF.search(lowered)), "others": bool(EN_OTHERS.search(lowered))}
    else:
        found = {"self": any(m.tag == "NP" and m.form in KO_SELF for m in ms),
                 "others": any((m.tag == "NP" and m.form in KO_OTHERS_NP) or (m.tag == "NNG" and m.form in KO_PERSON)
                               for m in ms)}
    found["community"] = any(find_cues(kind, sentence, language, ms) for kind in ("community", "society"))
    return [g for g in GROUPS if found[g]]


def attribute(sentence_groups: list[list[str]]) -> list[list[str]]:
    """Sentences that name nobody are the speaker's own when no sentence names anyone; else they are left out."""
    if not any(sentence_groups):
        return [["self"] for _ in sentence_groups]
    return sentence_groups


@formula("stakeholders.impacts@1")
def impacts(tones: list[float], groups: list[list[str]]) -> dict[str, float]:
    """Group -> mean tone of the sentences about it (groups no sentence mentions are absent)."""
    out = {}
    for g in GROUPS:
        about = [t for t, gs in zip(tones, groups) if g in gs]
        if about:
            out[g] = sum(about) / len(about)
    return out


@formula("stakeholders.critical_loss@1")
def critical_loss(negative: list[float], groups: list[list[str]], threshold: float) -> dict[str, bool]:
    """Group -> whether one of its sentences carries a negative emotion above `threshold`."""
    return {g: any(n > threshold for n, gs in zip(negative, groups) if g in gs) for g in GROUPS
            if any(g in gs for gs in groups)}


@formula("stakeholders.weights@1")
def weights(present: list[str], self_critical: bool, base: dict[str, float]) -> dict[str, float]:
    """The hierarchy's weights over the groups present, renormalised; reversed when the self has a critical loss."""
    order = sorted(base.values(), reverse=True)
    ranked = list(reversed(GROUPS)) if not self_critical else list(GROUPS)  # community first, or self first
    hierarchy = dict(zip(ranked, order))
    total = sum(hierarchy[g] for g in present)
    return {g: hierarchy[g] / total for g in present} if total else {}


@formula("stakeholders.integrate@1")
def integrate(impacts: dict[str, float], weights: dict[str, float]) -> float:
    """The weighted impact over the groups: the tone the Bentham calculus scores."""
    return sum(weights[g] * impacts[g] for g in impacts)
