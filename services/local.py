"""The pipeline of ray_config.yaml in this process (Serve's local testing mode, embedded Redis): what `redheart
analyze` runs without a service, and what the verification harness analyses its requests with."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from actors.settings import Settings


@contextmanager
def local_pipeline(settings: Settings, wait_ready: Any) -> Iterator[Any]:
    """A handle of the coordinator with the same deployments and options as the service, ready (models loaded);
    `wait_ready(report)` polls a readiness report until it is ready."""
    from ray import serve

    from cluster.runtime import Runtime
    from cluster.serve_config import deployment_options, load_serve_config
    from services.app import AppArgs, build_pipeline

    (app_config,) = load_serve_config(settings.serve_config).applications
    with Runtime(settings, with_ray=False) as runtime:
        args = AppArgs(**{**app_config.args, "redis_url": runtime.redis_url,
                          "deployments": deployment_options(app_config)})
        handle = serve.run(build_pipeline(args, settings), _local_testing_mode=True)
        wait_ready(lambda: handle.ready.remote().result())
        yield handle
