"""LLM backends behind ``assistant.llm.ChatBackend``: ``embedded`` (llama-cpp-python, the default),
``openai`` (any OpenAI-compatible server, vLLM in production) and ``none`` (no LLM).

Obtain one with ``get_backend(name, settings)`` (degrades to ``none``, never raises for unavailability) or
``load_backend`` (also returns the notices to show). Heavy packages are imported only when a backend starts.
"""

from __future__ import annotations

from serving.backends.registry import BACKENDS, LoadedBackend, backend_name, create_backend, get_backend, load_backend

__all__ = ["BACKENDS", "LoadedBackend", "backend_name", "create_backend", "get_backend", "load_backend"]
