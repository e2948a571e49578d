"""Bounded work per request: the per-client rate limit (token bucket), the request body's size (on
Content-Length and on the streamed body) and encodable text, and the length of one chat message.

The rate limit counts requests, not work; the message cap bounds the work of one request, since every user
turn of a history is read again on each turn. A chat client's own background task (Open WebUI asks for a
title with a ``### Task:`` prompt that quotes the whole conversation) is recognised before the cap applies
(``assistant.client_tasks``, called first by the chat route).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.conversation import content_text
from serving.api.errors import APIError, error_payload

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CAPPED_ROLES = frozenset({"user", "assistant"})  # the turns the assistant reads; system prompts are ignored
# a lone surrogate can only come as a JSON escape (\ud800) or as the invalid UTF-8 bytes json.loads lets pass
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


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
    """ASGI middleware: 413 when a request body is larger than ``max_bytes`` (declared or actually sent), and
    400 when a JSON body holds text that cannot be encoded (a lone surrogate such as ``"\\ud800"``)."""

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
        if (problem := unencodable_field(body)) is not None:
            await self._send_error(send, APIError(400, f"{_where(problem)} holds unencodable text (a lone UTF-16 "
                                                       "surrogate); send valid Unicode", param=problem or None,
                                                       code="invalid_value"))  # fmt: skip
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        await self._send_error(
            send, APIError(413, f"request body larger than {self.max_bytes} bytes (CLINADVISOR_MAX_REQUEST_BYTES)")
        )

    async def _send_error(self, send: Send, error: APIError) -> None:
        status, body, _ = error_payload(error)
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})


def _where(param: str) -> str:
    return f"'{param}'" if param else "the request body"


def unencodable_field(body: bytes) -> str | None:
    """The dotted path of the first JSON string (or key) holding a lone surrogate, "" for the top level; None
    when the body has none or is not JSON (the route then reports that)."""
    if not _MAYBE_SURROGATE.search(body):
        return None  # the common case: no second parse
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return _first_unencodable(value, [])


def _first_unencodable(value: Any, path: list[str]) -> str | None:
    if isinstance(value, str):
        return None if _encodable(value) else ".".join(path)
    if isinstance(value, dict):
        for key, item in value.items():
            if not _encodable(key):
                return ".".join(path)
            if (found := _first_unencodable(item, [*path, key])) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _first_unencodable(item, [*path, str(index)])) is not None:
                return found
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_message_lengths(messages: Sequence[Mapping[str, Any]], limit: int) -> None:
    """APIError 400 naming the first user or assistant message longer than ``limit`` characters (0: no cap)."""
    if limit <= 0:
        return
    for index, message in enumerate(messages):
        if message.get("role") not in CAPPED_ROLES:
            continue
        length = len(content_text(message.get("content"))[0])
        if length > limit:
            raise APIError(
                400,
                f"message {index} is {length:,} characters long; one message may have at most {limit:,} "
                "(CLINADVISOR_MAX_MESSAGE_CHARS): describe the need in fewer words, or send it in several turns",
                param=f"messages.{index}.content",
                code="message_too_long",
            )
