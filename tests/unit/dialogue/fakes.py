"""Small fakes with queues for the dialogue tests: a chat backend and a retriever."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from assistant.evidence import Passage
from assistant.llm import BackendUnavailable, Message


class FakeBackend:
    """Answers ``complete`` from a queue (an exception in the queue is raised); extraction gets an empty reading."""

    def __init__(self, replies: Iterable[str | Exception] = (), name: str = "fake") -> None:
        self.replies: deque[str | Exception] = deque(replies)
        self._name = name
        self.prompts: list[Sequence[Message]] = []

    @property
    def name(self) -> str:
        """The backend's name."""
        return self._name

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The next queued reply."""
        self.prompts.append(messages)
        if not self.replies:
            raise BackendUnavailable("fake queue is empty")
        reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        return reply

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """An empty reading (no answer codes), so that the rule-based answers stand."""
        return {}

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """The next queued reply, word by word as a model streams it (an exception in the queue is raised)."""
        self.streamed = getattr(self, "streamed", 0)
        text = self.complete(messages, max_tokens=max_tokens, temperature=temperature)
        for piece in re.findall(r"\S+\s*", text):
            self.streamed += 1
            yield piece


def passage(key: str, title: str, text: str, *, score: float = 1.0, year: int = 2023) -> Passage:
    """A passage with the given key, title and text."""
    return Passage(
        key=key,
        doc_id=f"doc-{key}",
        title=title,
        authors=("A. Author", "B. Author"),
        year=year,
        url=f"https://example.org/{key}",
        source=f"{key}.md",
        page=None,
        section="Compute",
        score=score,
        text=text,
    )


class FakeRetriever:
    """Returns queued passage lists in order (the last one again when the queue runs out); records queries."""

    def __init__(self, *results: Sequence[Passage]) -> None:
        self.results: deque[Sequence[Passage]] = deque(results)
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5, max_per_doc: int | None = -1) -> Sequence[Passage]:
        """The next queued passages."""
        self.queries.append(query)
        if len(self.results) > 1:
            return self.results.popleft()
        return self.results[0] if self.results else ()


class FailingRetriever:
    """A retriever whose search always fails."""

    def search(self, query: str, k: int = 5, max_per_doc: int | None = -1) -> Sequence[Passage]:
        """Raises."""
        raise RuntimeError("index offline")


def user(text: str) -> dict[str, str]:
    """A user message."""
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    """An assistant message."""
    return {"role": "assistant", "content": text}
