"""Per-client rate limit (token bucket) and request size limit (on Content-Length and on the streamed body)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.api.errors import APIError, error_payload

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last refill time)
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Take one token for ``client`` or raise APIError 429 with Retry-After."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise APIError(
                    429,
                    f"rate limit of {self.per_minute} requests per minute exceeded; retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            if len(self._buckets) >= self._max_clients and client not in self._buckets:
                self._forget_full_buckets(now, rate)
            self._buckets[client] = (tokens - 1.0, now)

    def _forget_full_buckets(self, now: float, rate: float) -> None:
        # a bucket that has refilled completely holds no state worth keeping
        full = [c for c, (t, last) in self._buckets.items() if t + (now - last) * rate >= self.per_minute]
        for client in full:
            del self._buckets[client]


class BodySizeLimit:
    """ASGI middleware: 413 when a request body is larger than ``max_bytes`` (declared or actually sent)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body up to the limit, then hand it on; refuse anything larger."""
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        import json

        status, body, _ = error_payload(
            APIError(413, f"request body larger than {self.max_bytes} bytes (CLINADVISOR_MAX_REQUEST_BYTES)")
        )
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})
