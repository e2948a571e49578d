"""The one narrow seam to a language model: chat messages in, text or schema-valid JSON out, streaming.

The domain declares what it needs here; adapters (``openai`` for vLLM and any OpenAI-compatible server,
``embedded`` for llama-cpp-python in-process, ``none`` for no LLM at all) live in ``serving.backends``.
The LLM only reads and writes language: it never chooses models, numbers or citations.

Exceptions::

    AdvisorError
     └── BackendError            the backend could not answer
          ├── BackendUnavailable  down, unreachable, timed out, or not installed
          └── BackendOutputError  it answered, but not with what was asked (e.g. invalid JSON)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from assistant.errors import AdvisorError

Message = Mapping[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class BackendError(AdvisorError):
    """The LLM backend could not produce an answer."""


class BackendUnavailable(BackendError):
    """The backend is down, unreachable, timed out, or its package or weights are missing."""


class BackendOutputError(BackendError):
    """The backend answered, but the answer is not usable (for example JSON that fails the schema)."""


@runtime_checkable
class ChatBackend(Protocol):
    """What the assistant needs from an LLM."""

    @property
    def name(self) -> str:
        """The backend's name as reported to users: "openai", "embedded" or "none"."""
        ...

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The assistant's reply text to the conversation."""
        ...

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """A JSON object that validates against ``schema`` (BackendOutputError otherwise)."""
        ...

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """The reply text in pieces as they are generated."""
        ...
