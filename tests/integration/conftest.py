"""Fixtures of the integration tests. The LLM ones live in tests/fixtures/llama_server.py (documented there)."""

from __future__ import annotations

from tests.fixtures.llama_server import llama_server, llama_server_env, qwen_gguf, qwen_server, smollm2_gguf

__all__ = ["llama_server", "llama_server_env", "qwen_gguf", "qwen_server", "smollm2_gguf"]
