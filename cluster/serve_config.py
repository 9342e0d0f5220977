"""Read `ray_config.yaml` (Serve's own schema) so `redheart serve` deploys exactly what `serve run` would."""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ray.serve.deployment import Application
from ray.serve.schema import ServeApplicationSchema, ServeDeploySchema


def load_serve_config(path: Path) -> ServeDeploySchema:
    """Parse and validate the file with Serve's schema; an error names the file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return ServeDeploySchema.parse_obj(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"invalid Serve config {path}: {exc}") from exc


def deployment_options(app: ServeApplicationSchema) -> dict[str, dict[str, Any]]:
    """Deployment name -> the options the file sets for it (as `Deployment.options` keyword arguments)."""
    options = {}
    for deployment in app.deployments:
        values = deployment.dict(exclude_unset=True)
        options[values.pop("name")] = values
    return options


def builder(app: ServeApplicationSchema) -> Callable[[dict[str, Any]], Application]:
    """The application builder named by `import_path` (`module:function`)."""
    module, _, attr = app.import_path.partition(":")
    return getattr(importlib.import_module(module), attr)
