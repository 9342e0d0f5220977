"""Korean morphemes from kiwipiepy, shared by the rule engines (crisis, ethics)."""

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str  # Sejong tag, e.g. NP (pronoun), NNG (common noun), VV (verb)
    start: int  # character span in the text
    end: int


@cache
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


def morphemes(text: str) -> list[Morpheme]:
    return [Morpheme(t.form, t.tag, t.start, t.end) for t in _kiwi().tokenize(text)]


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences kiwipiepy finds."""
    return [(s.start, s.end) for s in _kiwi().split_into_sents(text)]


def log_likelihood_per_char(text: str) -> float:
    """kiwipiepy's log-probability of its best analysis per non-space character: about -3 to -5 for Korean prose,
    far lower for strings of syllables that form no words."""
    chars = sum(not c.isspace() for c in text)
    return _kiwi().analyze(text)[0][1] / chars if chars else 0.0
