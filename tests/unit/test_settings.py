from pathlib import Path

import pytest
from pydantic import ValidationError

from actors.settings import Settings, load_settings, unknown_env_keys


def test_reads_redis_url_and_ray_address_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://db.internal:6380/2")
    monkeypatch.setenv("RAY_ADDRESS", "ray://head:10001")
    monkeypatch.setenv("REDHEART_HOME", "/srv/redheart")
    settings = load_settings()
    assert settings.redis_url == "redis://db.internal:6380/2"
    assert settings.ray_address == "ray://head:10001"
    assert settings.home == Path("/srv/redheart")


def test_embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "RAY_ADDRESS", "REDHEART_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.redis_url is None and settings.ray_address is None
    assert settings.home == Path.home() / ".local" / "share" / "redheart"
    assert settings.serve_config.name == "ray_config.yaml" and settings.serve_config.exists()


def test_unknown_redheart_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDHEART_AUDIT_MAXLNE", "5000")
    assert unknown_env_keys() == ["REDHEART_AUDIT_MAXLNE"]
    with pytest.raises(ValueError, match="REDHEART_AUDIT_MAXLNE"):
        load_settings()


def test_wrong_type_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDHEART_AUDIT_MAXLEN", "lots")
    with pytest.raises(ValidationError, match="audit_maxlen"):
        load_settings()


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(ValidationError, match="colour"):
        Settings(colour="red")
