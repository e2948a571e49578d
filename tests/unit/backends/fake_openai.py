"""A tiny scripted OpenAI-compatible HTTP server on loopback, for testing our client logic (retries, fallbacks)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    sse: list[str] | None = None  # raw "data:" payloads for a streaming reply
    delay: float = 0.0


def chat(content: str) -> Reply:
    """A 200 chat completion whose message is ``content``."""
    return Reply(body={"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


@dataclass
class Request:
    """What the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeOpenAI:
    """Answers GET /v1/models with ``models``; other requests with the next scripted reply (or ``handler``)."""

    def __init__(self, models: tuple[str, ...] = ("fake-model",)) -> None:
        self.models = models
        self.script: list[Reply] = []
        self.handler: Callable[[Request], Reply] | None = None
        self.requests: list[Request] = []
        self.url = ""

    def chat_requests(self) -> list[Request]:
        """The requests to /v1/chat/completions, in order."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _answer(self, request: Request) -> Reply:
        self.requests.append(request)
        if request.method == "GET" and request.path.endswith("/models"):
            return Reply(body={"object": "list", "data": [{"id": m, "object": "model"} for m in self.models]})
        if self.handler is not None:
            return self.handler(request)
        return self.script.pop(0) if self.script else Reply(500, {"error": "script exhausted"})


@contextmanager
def serve(fake: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """Run ``fake`` on a free loopback port while the block runs; ``fake.url`` ends with /v1."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            reply = fake._answer(Request(self.command, self.path, dict(self.headers), body))
            time.sleep(reply.delay)
            if reply.sse is not None:
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for payload in reply.sse:
                    self.wfile.write(f"data: {payload}\n\n".encode())
                    self.wfile.flush()
                return
            data = json.dumps(reply.body).encode() if not isinstance(reply.body, str) else reply.body.encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = _handle
        do_POST = _handle

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            # A client that timed out and hung up is part of what these tests script (delays); its
            # broken pipe must not print a traceback into whatever test output is captured next.
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
