"""Prometheus metrics, the access log and the last-resort error catcher, in one outermost ASGI middleware.

Requests are counted and timed by route template (``/v1/chat/completions``, never the raw path or query,
which may carry patient text), method and status. The access log line has the same fields and nothing else.
"""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.api.errors import error_payload

access_log = logging.getLogger("clinadvisor.access")
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The app's own registry (so that several apps in one process do not collide) and its instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "clinadvisor_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "clinadvisor_http_request_duration_seconds",
            "Time to the end of the response body (streams included).",
            ["route", "method"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.fallbacks = Counter(
            "clinadvisor_llm_fallbacks",
            "Chat turns answered without the configured LLM backend, by backend.",
            ["backend"],
            registry=self.registry,
        )
        self.llm_seconds = Histogram(
            "clinadvisor_llm_call_duration_seconds",
            "Time spent inside LLM backend calls, by backend and call (streams: time waiting for pieces).",
            ["backend", "call"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )
        self.chat_turns = Counter(
            "clinadvisor_chat_turns",
            "Chat turns by the backend that answered and whether they streamed.",
            ["backend", "stream"],
            registry=self.registry,
        )

        self.client_tasks = Counter(
            "clinadvisor_client_tasks",
            "Chat front ends' background tasks (title, tags, follow-up suggestions...), answered without the LLM.",
            ["kind"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


def route_label(scope: Scope) -> str:
    """The route template the request matched, or a fixed label (raw paths would explode the label set)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return "unmatched"


class ObserveMiddleware:
    """Outermost middleware: count, time and log every request; turn an escaped exception into a 500."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, observing its status and duration."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def observe(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
            await send(message)

        try:
            await self.app(scope, receive, observe)
        except Exception as exc:  # the last resort: no traceback ever reaches a client
            status, body, _ = error_payload(exc)
            if not started:
                data = json.dumps(body).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": data})
        finally:
            elapsed = time.perf_counter() - start
            route, method = route_label(scope), scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(elapsed)
            access_log.info("%s %s %d %.1fms", method, route, status, elapsed * 1000)
