"""The one settings object of Red Heart, read from `REDHEART_*`, `REDIS_URL` and `RAY_ADDRESS`."""

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, HttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "REDHEART_"


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "redheart"


class Settings(BaseSettings):
    """Runtime settings. Deployment resources and tunables live in `ray_config.yaml`, not here."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    # --- storage -----------------------------------------------------------------------------------
    home: Path = Field(default_factory=_default_home, description="Data directory (embedded Redis AOF, caches).")
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "REDHEART_REDIS_URL", "redis_url"),
        description="External Redis; unset means the embedded server under `home`.",
    )
    audit_maxlen: int = Field(default=100_000, ge=1_000, description="Approximate cap of the audit stream.")
    audit_include_text: bool = Field(default=False, description="Store raw request text in the audit stream.")

    # --- Ray ---------------------------------------------------------------------------------------
    ray_address: str | None = Field(
        default=None,
        validation_alias=AliasChoices("RAY_ADDRESS", "REDHEART_RAY_ADDRESS", "ray_address"),
        description="Existing Ray cluster to join; unset starts a local one.",
    )
    ray_num_cpus: int | None = Field(default=None, ge=1, description="CPUs of a local Ray cluster (all if unset).")

    # --- service -----------------------------------------------------------------------------------
    serve_config: Path = Field(
        # cluster/ray_config.yaml links to the top-level file, so a wheel carries it as package data
        default=Path(__file__).resolve().parents[1] / "cluster" / "ray_config.yaml",
        description="Serve application config (deployments, replicas, resources).",
    )
    url: HttpUrl = Field(default=HttpUrl("http://127.0.0.1:8000"), description="Where clients find the service.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.home / "cache" / "embeddings"


def unknown_env_keys(environ: dict[str, str] | None = None) -> list[str]:
    """`REDHEART_*` variables that name no setting: a typo must be an error, not a silently ignored value."""
    environ = os.environ if environ is None else environ
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(key for key in environ if key.startswith(ENV_PREFIX) and key not in known)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment plus explicit overrides; unknown `REDHEART_*` variables are rejected."""
    unknown = unknown_env_keys()
    if unknown:
        raise ValueError(f"unknown Red Heart environment variable(s): {', '.join(unknown)}")
    return Settings(**overrides)
