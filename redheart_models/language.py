"""Language identification for Red Heart's two languages by script: the share of Hangul among letters."""

import unicodedata
from dataclasses import dataclass

FORMULA = "language.hangul_ratio@1"
KOREAN_THRESHOLD = 0.3  # Korean text mixes in Latin words and acronyms; 30% Hangul letters is unambiguous.
SUPPORTED_SHARE = 0.5  # at least half the letters Latin or Hangul: the scripts of the models' training data


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


def unsupported_script(text: str) -> str | None:
    """Why the emotion models cannot read this text, or None. Texts without letters (emoji, numbers) are read."""
    letters = [c for c in text if c.isalpha()]
    known = sum(any(s in unicodedata.name(c, "") for s in ("LATIN", "HANGUL")) for c in letters)
    if letters and known / len(letters) < SUPPORTED_SHARE:
        return (f"{known} of {len(letters)} letters are Latin or Hangul; the emotion models were trained on English "
                "and Korean and read a text when at least half its letters are")
    return None
