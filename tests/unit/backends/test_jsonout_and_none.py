"""Validation of JSON replies, and the ``none`` backend."""

from __future__ import annotations

import pytest

from assistant.llm import BackendOutputError, BackendUnavailable, ChatBackend
from serving.backends.jsonout import parse_json_reply
from serving.backends.none_backend import NoneBackend

SCHEMA = {
    "type": "object",
    "properties": {"answers": {"type": "object", "additionalProperties": {"enum": ["yes", "no", "unknown"]}}},
    "required": ["answers"],
}


def test_valid_reply_is_returned_as_a_dict() -> None:
    assert parse_json_reply('{"answers": {"deploy_local": "yes"}}', SCHEMA) == {"answers": {"deploy_local": "yes"}}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"answers": {"deploy_local": "maybe"}', "not JSON"),
        ("42", "not an object"),
        ('{"answers": {"deploy_local": "maybe"}}', "answers/deploy_local"),
        ("{}", "answers"),
    ],
)
def test_invalid_reply_is_a_backend_output_error_that_says_where(text: str, why: str) -> None:
    with pytest.raises(BackendOutputError, match=why):
        parse_json_reply(text, SCHEMA)


def test_none_backend_refuses_every_call() -> None:
    backend = NoneBackend()
    assert isinstance(backend, ChatBackend)
    assert backend.name == "none"
    msgs = [{"role": "user", "content": "hi"}]
    with pytest.raises(BackendUnavailable, match="no LLM backend configured"):
        backend.complete(msgs)
    with pytest.raises(BackendUnavailable):
        backend.complete_json(msgs, SCHEMA)
    with pytest.raises(BackendUnavailable):
        backend.stream(msgs)  # raises on the call, before any iteration


def test_none_backend_carries_the_reason_it_stands_in() -> None:
    with pytest.raises(BackendUnavailable, match="server down"):
        NoneBackend("server down").complete([])
