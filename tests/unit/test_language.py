import pytest

from redheart_models.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I lied to my friend and now I regret it", "en"),
        ("친구에게 거짓말을 했고 지금 후회해요", "ko"),
        ("오늘 meeting에서 PM한테 혼났어", "ko"),
        ("I love 김치 and bibimbap and bulgogi", "en"),
        ("12345 !!!", "en"),
    ],
)
def test_detects_by_share_of_hangul_letters(text: str, expected: str) -> None:
    assert detect_language(text).language == expected


def test_reports_its_counts() -> None:
    guess = detect_language("ab가나")
    assert (guess.hangul_letters, guess.letters, guess.hangul_ratio) == (2, 4, 0.5)
