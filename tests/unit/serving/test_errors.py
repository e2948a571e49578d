"""Every error is OpenAI-shaped with the right status; nothing of a traceback or message reaches a client."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError

from assistant.errors import UnknownStage
from assistant.llm import BackendUnavailable
from serving.api.errors import GENERIC_500, APIError, error_payload
from serving.api.state import Dialogue
from tests.unit.serving.conftest import MakeClient, sse_events

USER = [{"role": "user", "content": "hello"}]
SECRET = "Mrs Kowalski's biopsy shows a grade 3 carcinoma"


def assert_error(body: Mapping[str, Any], type_: str, *, param: str | None = None, code: str | None = None) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == type_
    assert body["error"]["param"] == param
    if code is not None:
        assert body["error"]["code"] == code
    assert "Traceback" not in body["error"]["message"]


def test_error_payload_maps_each_kind() -> None:
    assert error_payload(APIError(429, "slow down"))[0] == 429
    status, body, _ = error_payload(UnknownStage("unknown stage 'X'", param="stage", valid=("I", "II")))
    assert status == 400 and body["error"]["param"] == "stage" and "valid: I, II" in body["error"]["message"]
    assert error_payload(BackendUnavailable("down"))[0] == 503
    status, body, _ = error_payload(RequestValidationError([{"type": "missing", "loc": ("body", "messages")}]))
    assert (status, body["error"]["param"]) == (400, "messages")
    status, body, _ = error_payload(KeyError(SECRET))
    assert status == 500 and body["error"]["message"] == GENERIC_500 and SECRET not in str(body)


def test_invalid_json_is_400_not_422(client: Any) -> None:
    r = client.post("/v1/chat/completions", content=b'{"model": ', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", code="invalid_request")
    assert "not valid JSON" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "clinadvisor"}, "messages"),
        ({"model": "clinadvisor", "messages": []}, "messages"),
        ({"model": "clinadvisor", "messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ({"model": "clinadvisor", "messages": USER, "temperature": 7}, "temperature"),
        ({"model": "clinadvisor", "messages": USER, "n": 3}, "n"),
    ],
)
def test_validation_errors_name_the_param(client: Any, body: dict[str, Any], param: str) -> None:
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param=param)


def test_query_validation_is_400_with_param(client: Any) -> None:
    r = client.get("/v1/search", params={"q": "gpu", "k": 0})
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param="k")


def test_unknown_model_is_404_model_not_found(client: Any) -> None:
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": USER})
    assert r.status_code == 404
    assert_error(r.json(), "invalid_request_error", param="model", code="model_not_found")
    assert client.get("/v1/models/gpt-4o").status_code == 404
    assert client.get("/v1/models/clinadvisor").json()["id"] == "clinadvisor"


def test_unknown_routes_and_methods(client: Any) -> None:
    r = client.get("/v1/no-such-thing")
    assert r.status_code == 404
    assert_error(r.json(), "invalid_request_error", code="not_found")
    r = client.get("/elsewhere")
    assert r.status_code == 404
    assert_error(r.json(), "invalid_request_error", code="not_found")
    r = client.delete("/v1/recommendations")
    assert r.status_code == 405
    assert_error(r.json(), "invalid_request_error", code="method_not_allowed")


def test_unknown_request_fields_are_ignored(client: Any) -> None:
    body = {
        "model": "clinadvisor",
        "messages": [{"role": "user", "content": "hi", "x-extra": 1}],
        "frequency_penalty": 0.5,
        "chat_id": "open-webui-123",
        "tools": [],
        "logit_bias": {},
    }
    assert client.post("/v1/chat/completions", json=body).status_code == 200


class _Exploding:
    """A dialogue that fails: before its first piece, or after one piece of the stream."""

    def __init__(self, exc: Exception, after_pieces: int = 0) -> None:
        self.exc = exc
        self.after = after_pieces

    def respond(self, catalog: Any, messages: Sequence[Any], **kw: Any) -> Any:
        raise self.exc

    def respond_stream(self, catalog: Any, messages: Sequence[Any], **kw: Any) -> Iterator[Any]:
        for n in range(self.after):
            yield f"piece {n} "
        raise self.exc


def _dialogue(exc: Exception, after: int = 0) -> Dialogue:
    fake = _Exploding(exc, after)
    return Dialogue(respond=fake.respond, respond_stream=fake.respond_stream)


def test_internal_error_is_generic_and_logged_without_its_text(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(dialogue=_dialogue(RuntimeError(SECRET)))
    with caplog.at_level(logging.DEBUG):
        r = client.post("/v1/chat/completions", json={"model": "clinadvisor", "messages": USER})
    assert r.status_code == 500
    assert_error(r.json(), "internal_error", code="internal_error")
    assert r.json()["error"]["message"] == GENERIC_500
    assert "RuntimeError" in caplog.text  # the type and stack are logged...
    assert SECRET not in caplog.text  # ...the message, which may quote a patient, is not


def test_backend_down_without_degraded_mode_is_503(make_client: MakeClient) -> None:
    client = make_client(dialogue=_dialogue(BackendUnavailable("connection refused")))
    r = client.post("/v1/chat/completions", json={"model": "clinadvisor", "messages": USER})
    assert r.status_code == 503
    assert_error(r.json(), "service_unavailable", code="backend_unavailable")


def test_failure_mid_stream_ends_with_an_error_event_and_done(make_client: MakeClient) -> None:
    client = make_client(dialogue=_dialogue(RuntimeError(SECRET), after=2))
    r = client.post("/v1/chat/completions", json={"model": "clinadvisor", "messages": USER, "stream": True})
    assert r.status_code == 200  # the headers were sent before the failure
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    assert_error(events[-2], "internal_error")
    assert SECRET not in r.text
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-2])
    assert text == "piece 0 piece 1 "  # what was sent before the failure


def test_failure_before_the_first_piece_is_a_plain_http_error(make_client: MakeClient) -> None:
    client = make_client(dialogue=_dialogue(UnknownStage("unknown stage", param="stage")))
    r = client.post("/v1/chat/completions", json={"model": "clinadvisor", "messages": USER, "stream": True})
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param="stage")
