"""Fixtures of the chat page's unit tests: the real app in-process, reached through ``ui.client``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.evidence import Passage
from serving.app import create_app
from serving.backends.none_backend import NoneBackend
from serving.settings import Settings
from ui.client import AdvisorClient

MakeAdvisor = Callable[..., AdvisorClient]


class OnePassage:
    """A retriever that always returns the same passage."""

    def search(self, query: str, k: int = 5, max_per_doc: int | None = -1) -> list[Passage]:
        return [
            Passage(
                key="card-x#0",
                doc_id="card-x",
                title="A card",
                authors=("A. Author",),
                year=2024,
                url=None,
                source="card-x.md",
                page=None,
                section="Summary",
                score=1.0,
                text="The passage text.",
            )
        ][:k]


@pytest.fixture
def make_advisor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeAdvisor]:
    """``make_advisor(api_key=..., **settings)``: an AdvisorClient talking to a started app (no LLM, no index)."""
    for name in ("API_KEYS", "API_KEYS_FILE", "RATE_LIMIT", "DATABASE_URL", "BACKEND", "LLM_URL", "UI_USERS"):
        monkeypatch.delenv(f"CLINADVISOR_{name}", raising=False)
    started: list[TestClient] = []

    def make(api_key: str | None = None, retriever: Any = None, **values: Any) -> AdvisorClient:
        settings = Settings(home=tmp_path / "home", backend="none", **values)
        app = create_app(settings, backend=NoneBackend(), retriever=retriever, mount_ui=False, start_index=False)
        http = TestClient(app, raise_server_exceptions=False)
        http.__enter__()
        started.append(http)
        return AdvisorClient("http://testserver", api_key, http=http)

    yield make
    for http in started:
        http.__exit__(None, None, None)
