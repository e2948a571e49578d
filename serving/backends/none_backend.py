"""The ``none`` backend: no LLM at all. Every call raises BackendUnavailable, so callers take their
deterministic path (the rule-based extractor and the reply templates)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from assistant.llm import BackendUnavailable, Message


class NoneBackend:
    """A ChatBackend that has no model; ``reason`` says why (configured, or another backend failed to start)."""

    def __init__(self, reason: str = "no LLM backend configured") -> None:
        self.reason = reason

    @property
    def name(self) -> str:
        """The backend's name: "none"."""
        return "none"

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """Always raises BackendUnavailable."""
        raise BackendUnavailable(self.reason)

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """Always raises BackendUnavailable."""
        raise BackendUnavailable(self.reason)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """Always raises BackendUnavailable (when called, not when iterated)."""
        raise BackendUnavailable(self.reason)
