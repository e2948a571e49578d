"""Fixtures of the HTTP API unit tests: the real app in-process (Starlette's TestClient), no LLM, no index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.backends.none_backend import NoneBackend
from serving.settings import Settings

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Settings with the data folder in a temporary directory, environment ignored."""
    for name in (
        "API_KEYS",
        "API_KEYS_FILE",
        "RATE_LIMIT",
        "MAX_REQUEST_BYTES",
        "CORS_ORIGINS",
        "DATABASE_URL",
        "AUDIT_MESSAGES",
        "BACKEND",
        "LLM_URL",
    ):
        monkeypatch.delenv(f"CLINADVISOR_{name}", raising=False)

    def make(**values: Any) -> Settings:
        return Settings(home=tmp_path / "home", backend="none", **values)

    return make


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[MakeClient]:
    """A factory of started TestClients: ``make_client(rate_limit=2, backend=..., dialogue=...)``."""
    clients: list[TestClient] = []

    def make(*, backend: Any = None, dialogue: Any = None, retriever: Any = None, **values: Any) -> TestClient:
        app = create_app(
            make_settings(**values),
            backend=backend if backend is not None else NoneBackend(),
            dialogue=dialogue,
            retriever=retriever,
            mount_ui=False,
            start_index=False,
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    """The app with default settings (no keys, no LLM, no index)."""
    return make_client()


def sse_events(text: str) -> list[Any]:
    """The JSON payloads of a server-sent event stream, with ``"[DONE]"`` as a string."""
    import json

    events: list[Any] = []
    for block in text.split("\n\n"):
        block = block.strip()
        if not block.startswith("data: "):
            continue
        data = block.removeprefix("data: ")
        events.append(data if data == "[DONE]" else json.loads(data))
    return events
