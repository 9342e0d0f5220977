"""Start, check and stop what Red Heart runs on: a local Ray cluster (or `RAY_ADDRESS`) and Redis.

The runtime stops exactly what it started: a Ray cluster it joined and an external Redis are left alone.
"""

import logging
from types import TracebackType

import ray

from actors.settings import Settings
from cluster.redis_server import NAMESPACE, EmbeddedRedis, ping


class Runtime:
    """Ray plus Redis for one process (`redheart serve`, the CLI's local pipeline, the test session)."""

    def __init__(self, settings: Settings, *, with_ray: bool = True) -> None:
        self.settings = settings
        self.with_ray = with_ray
        self.embedded: EmbeddedRedis | None = None
        self._started_ray = False

    @property
    def redis_url(self) -> str:
        if self.settings.redis_url:
            return self.settings.redis_url
        if self.embedded is None:
            raise RuntimeError("the runtime is not started")
        return self.embedded.url

    def start(self) -> "Runtime":
        if self.settings.redis_url is None:
            self.embedded = EmbeddedRedis(self.settings.home).start()
        elif not ping(self.settings.redis_url):
            raise ConnectionError(f"Redis at REDIS_URL={self.settings.redis_url} does not answer")
        if self.with_ray and not ray.is_initialized():
            ray.init(
                address=self.settings.ray_address,
                num_cpus=None if self.settings.ray_address else self.settings.ray_num_cpus,
                namespace=NAMESPACE,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
            self._started_ray = True
        return self

    def readiness(self) -> dict[str, bool]:
        """Whether Ray and Redis answer now."""
        checks = {"redis": ping(self.redis_url)}
        if self.with_ray:
            checks["ray"] = ray.is_initialized()
        return checks

    def shutdown(self) -> None:
        """Stop the Ray cluster and the Redis server if this runtime started them."""
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    def __enter__(self) -> "Runtime":
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.shutdown()
