"""Bad input on the command line: the same messages as the HTTP API, exit code 2, and no service contacted."""

import json

import pytest

from services.cli import EXIT_BAD_INPUT, main


@pytest.mark.parametrize(
    ("argv", "field", "limit"),
    [
        (["analyze", ""], "text", 1),
        (["analyze", "x" * 10_001], "text", 10_000),
        (["analyze", "hi", "--language", "fr"], "language", "'auto', 'en' or 'ko'"),
        (["analyze", "hi", *sum([["--alternative", f"option {i}"] for i in range(9)], [])], "alternatives", 8),
        (["analyze", "hi", "--module", "astrology"], "modules.0", "'crisis', 'emotion', 'ethics' or 'surd'"),
    ],
)
def test_bad_input_exits_2_naming_field_and_limit(
    argv: list[str], field: str, limit: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDHEART_URL", "http://127.0.0.1:9")  # nothing may be contacted before validation
    assert main(argv) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    (error,) = json.loads(captured.err)["detail"]
    assert error["field"] == field
    assert error["limit"] == limit


def test_unreadable_history_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "hi", "--history", "/nonexistent/history.json"]) == EXIT_BAD_INPUT
    assert json.loads(capsys.readouterr().err)["detail"][0]["field"] == "history"


def test_configuration_error_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDHEART_PROT", "8000")
    assert main(["status"]) == EXIT_BAD_INPUT
    assert "REDHEART_PROT" in capsys.readouterr().err


def test_status_without_a_service_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--url", "http://127.0.0.1:9"]) == 1
    assert json.loads(capsys.readouterr().out)["ready"] is False


def test_eval_of_an_unavailable_task_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "astrology", "--data", "/nonexistent.csv"]) == EXIT_BAD_INPUT
    assert "not available" in capsys.readouterr().err


def test_eval_with_missing_weights_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "kote", "--data", "/nonexistent.tsv", "--weights", "/nonexistent.safetensors"]) == 2
    assert "no released weights" in capsys.readouterr().err


def test_verify_eval_of_a_bad_request_file_exits_2_naming_the_line(capsys: pytest.CaptureFixture[str],
                                                                    tmp_path) -> None:
    data = tmp_path / "requests.jsonl"
    data.write_text('{"text": "fine"}\n{"text": ""}\n', encoding="utf-8")
    assert main(["verify-eval", "--data", str(data)]) == EXIT_BAD_INPUT
    assert f"{data}:2:" in capsys.readouterr().err
