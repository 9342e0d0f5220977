import pytest
from pydantic import ValidationError

from actors.requests import MAX_ALTERNATIVES, MAX_HISTORY, MAX_TEXT_CHARS, AnalyzeRequest
from services.errors import describe_errors


def errors_of(payload: dict) -> list[dict]:
    with pytest.raises(ValidationError) as info:
        AnalyzeRequest.model_validate(payload)
    return describe_errors(info.value.errors())


@pytest.mark.parametrize(
    ("payload", "field", "limit"),
    [
        ({"text": ""}, "text", 1),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text", MAX_TEXT_CHARS),
        ({"text": "hi", "language": "fr"}, "language", "'auto', 'en' or 'ko'"),
        ({"text": "hi", "alternatives": ["a"] * (MAX_ALTERNATIVES + 1)}, "alternatives", MAX_ALTERNATIVES),
        ({"text": "hi", "history": [{"text": "a"}] * (MAX_HISTORY + 1)}, "history", MAX_HISTORY),
        ({"text": "hi", "history": [{"text": ""}]}, "history.0.text", 1),
    ],
)
def test_limits_name_the_field_and_the_limit(payload: dict, field: str, limit: object) -> None:
    (error,) = errors_of(payload)
    assert error["field"] == field
    assert error["limit"] == limit
    assert error["message"].startswith(f"{field}: ")
    assert str(limit).strip("'") in error["message"] or error["type"] == "literal_error"


def test_limits_are_inclusive() -> None:
    request = AnalyzeRequest(
        text="x" * MAX_TEXT_CHARS, alternatives=[f"a{i}" for i in range(MAX_ALTERNATIVES)],
        history=[{"text": "h"}] * MAX_HISTORY,
    )
    assert len(request.text) == MAX_TEXT_CHARS


@pytest.mark.parametrize("payload", [{"text": "   \n"}, {"text": "ok", "alternatives": ["a", " "]}])
def test_blank_text_is_rejected(payload: dict) -> None:
    (error,) = errors_of(payload)
    assert "non-whitespace" in error["message"]


def test_blank_and_repeated_alternatives_name_the_item() -> None:
    (blank,) = errors_of({"text": "ok", "alternatives": ["a", " "]})
    assert blank["field"] == "alternatives.1"
    (repeat,) = errors_of({"text": "ok", "alternatives": ["Tell her.", "b", "tell  HER."]})
    assert repeat["field"] == "alternatives" and "alternatives.2 repeats alternatives.0" in repeat["message"]


def test_unknown_fields_and_modules_are_rejected() -> None:
    fields = {e["field"] for e in errors_of({"text": "hi", "txet": "typo", "modules": ["emotion", "astrology"]})}
    assert fields == {"txet", "modules.1"}


def test_locale_is_a_language_tag() -> None:
    assert AnalyzeRequest(text="hi", locale="ko-KR").locale == "ko-KR"
    (error,) = errors_of({"text": "hi", "locale": "korea please"})
    assert error["field"] == "locale"


def test_body_errors_say_what_a_body_must_be() -> None:
    (error,) = describe_errors([{"type": "json_invalid", "loc": ("body", 3), "msg": "JSON decode error"}])
    assert error == {"field": "body", "message": "body: the request body is not valid JSON", "type": "json_invalid"}


def test_errors_do_not_echo_the_input() -> None:
    secret = "my secret diary " * 700
    for error in errors_of({"text": secret}):
        assert "secret" not in str(error)


def test_history_timestamps_must_not_go_back_and_name_the_item() -> None:
    history = [{"text": "a", "timestamp": "2026-01-01T10:00:00Z"}, {"text": "b", "timestamp": "2026-01-01T09:00:00Z"}]
    with pytest.raises(ValidationError, match=r"history\.1\.timestamp is earlier than history\.0\.timestamp"):
        AnalyzeRequest(text="c", history=history)


def test_history_timestamps_are_all_or_none() -> None:
    history = [{"text": "a", "timestamp": "2026-01-01T10:00:00Z"}, {"text": "b"}]
    with pytest.raises(ValidationError, match=r"history\.1\.timestamp is missing"):
        AnalyzeRequest(text="c", history=history)


def test_the_message_comes_after_its_history_and_defaults_to_arrival() -> None:
    history = [{"text": "a", "timestamp": "2026-01-01T10:00:00"}]  # no zone: read as UTC
    request = AnalyzeRequest(text="b", history=history)
    assert request.timestamp is not None and request.timestamp.tzinfo is not None
    with pytest.raises(ValidationError, match=r"timestamp\n.*is earlier than history\.0\.timestamp"):
        AnalyzeRequest(text="b", history=history, timestamp="2025-12-31T23:00:00Z")
    assert AnalyzeRequest(text="b").timestamp is None, "without timed history nothing is added"
