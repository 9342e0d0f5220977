"""Deploy the Serve application of `ray_config.yaml` on a started runtime (what `redheart serve` does)."""

from typing import Any

from ray import serve

from cluster.runtime import Runtime
from cluster.serve_config import builder, deployment_options, load_serve_config


def deploy(runtime: Runtime, *, host: str | None = None, port: int | None = None,
           user_config: dict[str, dict[str, Any]] | None = None) -> str:
    """Start Serve's HTTP proxy and the application; returns the service's base URL. `user_config`: deployment
    name -> fields that replace those of the file's `user_config`."""
    config = load_serve_config(runtime.settings.serve_config)
    http = config.http_options.dict(exclude_unset=True)
    http.update({k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    serve.start(proxy_location=config.proxy_location, http_options=http)
    (app,) = config.applications
    options = deployment_options(app)
    for name, fields in (user_config or {}).items():
        options[name] = {**options[name], "user_config": {**options[name].get("user_config", {}), **fields}}
    args = {**app.args, "redis_url": runtime.redis_url, "deployments": options}
    serve.run(builder(app)(args), name=app.name, route_prefix=app.route_prefix)
    host = http.get("host", "127.0.0.1")
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{http.get('port', 8000)}"
