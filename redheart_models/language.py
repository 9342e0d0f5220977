"""Language identification for Red Heart's two languages by script: the share of Hangul among letters."""

import unicodedata
from dataclasses import dataclass

FORMULA = "language.hangul_ratio@1"
KOREAN_THRESHOLD = 0.3  # Korean text mixes in Latin words and acronyms; 30% Hangul letters is unambiguous.


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    hangul_letters: int
    letters: int

    @property
    def hangul_ratio(self) -> float:
        return self.hangul_letters / self.letters if self.letters else 0.0


def _is_hangul(char: str) -> bool:
    return "HANGUL" in unicodedata.name(char, "")


def detect_language(text: str) -> LanguageGuess:
    """`ko` when at least KOREAN_THRESHOLD of the letters are Hangul, else `en` (also for text with no letters)."""
    letters = [c for c in text if c.isalpha()]
    hangul = sum(_is_hangul(c) for c in letters)
    ratio = hangul / len(letters) if letters else 0.0
    return LanguageGuess("ko" if ratio >= KOREAN_THRESHOLD else "en", hangul, len(letters))
