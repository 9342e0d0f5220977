"""An aiohttp client for the Red Heart HTTP API."""

from typing import Any

import aiohttp


class ServiceError(Exception):
    """The service answered with an error status; `status` and `body` say what."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class RedHeartClient:
    def __init__(self, url: str, timeout_s: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _request(self, method: str, path: str, ok: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.request(method, self.url + path, **kwargs) as response:
                body = await response.json(content_type=None)
                if response.status not in ok:
                    raise ServiceError(response.status, body)
                return body

    async def alive(self) -> bool:
        """Whether a Red Heart service answers /healthz at this URL."""
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
                async with session.get(self.url + "/healthz") as response:
                    return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def ready(self) -> dict[str, Any]:
        """The readiness report (`ready` false with the failing checks when not ready)."""
        return await self._request("GET", "/readyz", ok=(200, 503))

    async def analyze(self, request: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        headers = {"X-Request-ID": request_id} if request_id else {}
        return await self._request("POST", "/v1/analyze", json=request, headers=headers)
