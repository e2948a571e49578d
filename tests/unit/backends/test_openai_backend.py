"""The openai backend's own logic over real HTTP against a scripted fake server: model detection, retries and
backoff, the json_schema -> json_object fallback, validation of JSON replies, streaming, errors."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from assistant.llm import BackendError, BackendOutputError, BackendUnavailable, ChatBackend
from serving.backends.openai_backend import OpenAIBackend
from tests.unit.backends.fake_openai import FakeOpenAI, Reply, chat, serve

MSGS = [{"role": "user", "content": "hello"}]
SCHEMA = {
    "type": "object",
    "properties": {"stage": {"type": "string", "enum": ["I", "II"]}, "local": {"type": "boolean"}},
    "required": ["stage", "local"],
    "additionalProperties": False,
}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with serve(FakeOpenAI(models=("first-model", "second-model"))) as f:
        yield f


def backend(fake: FakeOpenAI, **kw: object) -> OpenAIBackend:
    options: dict[str, object] = {"retries": 2, "backoff": 0.05, "timeout": 5.0} | kw
    return OpenAIBackend(fake.url, **options)  # type: ignore[arg-type]


def test_it_is_a_chat_backend_named_openai(fake: FakeOpenAI) -> None:
    b = backend(fake)
    assert isinstance(b, ChatBackend)
    assert b.name == "openai"


def test_model_defaults_to_the_first_listed_and_is_sent(fake: FakeOpenAI) -> None:
    fake.script = [chat("hi there")]
    b = backend(fake)
    assert b.complete(MSGS) == "hi there"
    assert b.model == "first-model"
    sent = fake.chat_requests()[0].body
    assert sent["model"] == "first-model"
    assert sent["messages"] == MSGS


def test_configured_model_and_api_key_are_used(fake: FakeOpenAI) -> None:
    fake.script = [chat("ok")]
    backend(fake, model="second-model", api_key="s3cret").complete(MSGS)
    req = fake.chat_requests()[0]
    assert req.body["model"] == "second-model"
    assert req.headers["Authorization"] == "Bearer s3cret"
    assert not any(r.path.endswith("/models") for r in fake.requests)  # no detection needed


def test_503_twice_then_200_is_retried_with_backoff(fake: FakeOpenAI) -> None:
    fake.script = [Reply(503, {"error": "busy"}), Reply(503, {"error": "busy"}), chat("finally")]
    b = backend(fake, model="m")
    t0 = time.perf_counter()
    assert b.complete(MSGS) == "finally"
    elapsed = time.perf_counter() - t0
    assert len(fake.chat_requests()) == 3
    assert elapsed >= 0.05 + 0.10  # backoff doubles: 0.05 s, then 0.10 s


def test_429_honours_retry_after(fake: FakeOpenAI) -> None:
    fake.script = [Reply(429, {"error": "slow down"}, headers={"Retry-After": "0.3"}), chat("ok")]
    t0 = time.perf_counter()
    assert backend(fake, model="m").complete(MSGS) == "ok"
    assert time.perf_counter() - t0 >= 0.3


def test_persistent_5xx_gives_backend_unavailable_after_all_retries(fake: FakeOpenAI) -> None:
    fake.handler = lambda req: Reply(502, {"error": "bad gateway"})
    with pytest.raises(BackendUnavailable, match="502"):
        backend(fake, model="m", retries=2).complete(MSGS)
    assert len(fake.chat_requests()) == 3


def test_client_error_is_not_retried(fake: FakeOpenAI) -> None:
    fake.script = [Reply(400, {"error": "context too long"})]
    with pytest.raises(BackendError, match="400") as info:
        backend(fake, model="m").complete(MSGS)
    assert not isinstance(info.value, BackendUnavailable)
    assert len(fake.chat_requests()) == 1


def test_json_schema_is_asked_first_and_validated(fake: FakeOpenAI) -> None:
    fake.script = [chat('{"stage": "II", "local": true}')]
    b = backend(fake, model="m")
    assert b.complete_json(MSGS, SCHEMA) == {"stage": "II", "local": True}
    fmt = fake.chat_requests()[0].body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == SCHEMA
    assert fmt["json_schema"]["strict"] is True


@pytest.mark.parametrize(
    "refusal",
    [
        Reply(400, {"error": "response_format json_schema is not supported"}),
        Reply(422, {"detail": "unprocessable"}),
        # llama-cpp-python's server reports its validation error as a 500 naming the field
        Reply(500, {"error": {"message": "Input should be 'text' or 'json_object' (response_format)"}}),
    ],
)
def test_rejected_json_schema_falls_back_to_json_object_once(fake: FakeOpenAI, refusal: Reply) -> None:
    fake.script = [refusal, chat('{"stage": "I", "local": false}'), chat('{"stage": "II", "local": true}')]
    b = backend(fake, model="m")
    assert b.complete_json(MSGS, SCHEMA) == {"stage": "I", "local": False}
    assert b.complete_json(MSGS, SCHEMA) == {"stage": "II", "local": True}
    formats = [r.body["response_format"] for r in fake.chat_requests()]
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object"]  # remembered, no retry
    assert formats[1]["schema"] == SCHEMA


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("not json at all", "not JSON"),
        ('["a list"]', "not an object"),
        ('{"stage": "VII", "local": true}', "fails the schema"),
        ('{"stage": "I"}', "fails the schema"),
    ],
)
def test_server_ignoring_the_constraint_gives_backend_output_error(fake: FakeOpenAI, content: str, why: str) -> None:
    fake.script = [chat(content)]
    with pytest.raises(BackendOutputError, match=why):
        backend(fake, model="m").complete_json(MSGS, SCHEMA)


def test_stream_yields_the_pieces_of_the_event_stream(fake: FakeOpenAI) -> None:
    events = [json.dumps({"choices": [{"delta": {"content": p}}]}) for p in ("Hel", "lo", " there")]
    fake.script = [Reply(sse=[json.dumps({"choices": [{"delta": {"role": "assistant"}}]}), *events, "[DONE]"])]
    pieces = list(backend(fake, model="m").stream(MSGS))
    assert pieces == ["Hel", "lo", " there"]
    assert fake.chat_requests()[0].body["stream"] is True


def test_stream_retries_a_503_before_the_first_piece(fake: FakeOpenAI) -> None:
    ok = Reply(sse=[json.dumps({"choices": [{"delta": {"content": "ok"}}]}), "[DONE]"])
    fake.script = [Reply(503, {"error": "busy"}), ok]
    assert list(backend(fake, model="m").stream(MSGS)) == ["ok"]
    assert len(fake.chat_requests()) == 2


def test_timeout_gives_backend_unavailable(fake: FakeOpenAI) -> None:
    fake.handler = lambda req: Reply(delay=1.0, body={"choices": []})
    with pytest.raises(BackendUnavailable, match="timed out"):
        backend(fake, model="m", timeout=0.2, retries=0).complete(MSGS)


def test_server_down_gives_backend_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        b = OpenAIBackend(f"http://127.0.0.1:{port}/v1", retries=1, backoff=0.01)
        with pytest.raises(BackendUnavailable, match="unreachable"):
            b.complete(MSGS)
        with pytest.raises(BackendUnavailable, match="unreachable"):
            list(b.stream(MSGS))


def test_server_listing_no_models_is_unavailable() -> None:
    with serve(FakeOpenAI(models=())) as f, pytest.raises(BackendUnavailable, match="lists no models"):
        OpenAIBackend(f.url).complete(MSGS)
