"""The openai backend over real HTTP against llama-cpp-python's OpenAI-compatible server (the vLLM code path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm import BackendUnavailable
from serving.backends import load_backend
from serving.backends.openai_backend import OpenAIBackend
from serving.settings import Settings
from tests.fixtures.llama_server import LlamaServer

pytestmark = pytest.mark.integration

MSGS = [{"role": "user", "content": "Name a colour."}]
SCHEMA = {
    "type": "object",
    "properties": {
        "deploy_local": {"type": "string", "enum": ["yes", "no", "unknown"]},
        "task": {"type": "string", "maxLength": 60},
    },
    "required": ["deploy_local", "task"],
    "additionalProperties": False,
}


def test_model_is_auto_detected_from_the_listing(llama_server: LlamaServer) -> None:
    backend = OpenAIBackend(llama_server.url)
    assert backend.list_models() == [llama_server.model]
    assert backend.model == llama_server.model


def test_plain_completion(llama_server: LlamaServer) -> None:
    reply = OpenAIBackend(llama_server.url).complete(MSGS, max_tokens=12)
    assert isinstance(reply, str)
    assert reply.strip()


def test_streaming_comes_in_several_pieces(llama_server: LlamaServer) -> None:
    pieces = list(OpenAIBackend(llama_server.url).stream(MSGS, max_tokens=12))
    assert len(pieces) > 1
    assert all(isinstance(p, str) and p for p in pieces)
    assert "".join(pieces).strip()


def test_json_output_uses_the_fallback_format_and_validates(llama_server: LlamaServer) -> None:
    backend = OpenAIBackend(llama_server.url)
    messages = [
        {"role": "system", "content": "Fill in the JSON fields from the user's message."},
        {"role": "user", "content": "We must run the model on our own hospital servers, for report summaries."},
    ]
    value = backend.complete_json(messages, SCHEMA, max_tokens=64)
    assert value["deploy_local"] in {"yes", "no", "unknown"}
    assert set(value) == {"deploy_local", "task"}
    # llama-cpp-python's server refuses json_schema, so the backend learnt to send json_object + schema
    assert backend._json_schema_supported is False


def test_registry_starts_the_openai_backend_from_the_environment(llama_server_env: LlamaServer, tmp_path: Path) -> None:
    loaded = load_backend(None, Settings(home=tmp_path))
    assert loaded.notices == []
    assert loaded.backend.name == "openai"
    assert isinstance(loaded.backend, OpenAIBackend)
    assert loaded.backend.model == llama_server_env.model


def test_a_stopped_server_is_unavailable(llama_server: LlamaServer) -> None:
    down = llama_server.url.replace(llama_server.url.rsplit(":", 1)[1].split("/")[0], "9")
    with pytest.raises(BackendUnavailable, match="unreachable"):
        OpenAIBackend(down, retries=0).complete(MSGS)
