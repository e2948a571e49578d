"""``/v1/models`` and ``/v1/chat/completions``: the OpenAI shapes, streaming, the ``clinadvisor`` extensions."""

from __future__ import annotations

from typing import Any

from serving.api.state import BackendHolder
from serving.app import create_app
from serving.settings import Settings
from tests.unit.serving.conftest import MakeClient, sse_events
from tests.unit.serving.test_errors import assert_error

CLICKED = {
    "stage": "II",
    "answers": {
        "input_text_only": "yes",
        "output_text_only": True,
        "data_sharing": False,
        "radiology_text_generation": True,
        "deploy_local": True,
    },
}
ASK = [{"role": "user", "content": "Which model should we use?"}]


def chat(client: Any, **body: Any) -> Any:
    return client.post("/v1/chat/completions", json={"model": "clinadvisor", **body})


def test_models_lists_only_clinadvisor(client: Any) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["clinadvisor"]


def test_completion_shape_and_extension(client: Any) -> None:
    r = chat(client, messages=ASK, clinadvisor=CLICKED, temperature=0.2, max_tokens=300, user="u1")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "clinadvisor"
    assert body["id"].startswith("chatcmpl-")
    (choice,) = body["choices"]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    assert choice["message"]["content"].strip()
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    ext = body["clinadvisor"]
    assert ext["schema"] == "reply/1" and ext["backend"] == "none" and ext["stage"] == "II"
    # the clicked answers were passed as overrides
    assert ext["answers"]["radiology_text_generation"] == {"value": True, "source": "clicked", "turn": None}
    assert ext["recommendation"]["schema"] == "recommendation/1"
    assert ext["recommendation"]["status"] == "recommended"
    assert ext["recommendation"]["matches"]
    assert any("index" in n for n in ext["notices"])  # no index here: the reply says it cites nothing


def test_answers_are_extracted_from_the_messages(client: Any) -> None:
    text = "I'm a radiologist and want to draft CT reports; the data must not leave the hospital."
    ext = chat(client, messages=[{"role": "user", "content": text}]).json()["clinadvisor"]
    assert ext["stage"] == "II"
    assert ext["answers"]["radiology_text_generation"]["source"] == "extracted"


def test_content_parts_are_accepted(client: Any) -> None:
    parts = [
        {"type": "text", "text": "I'm a radiologist drafting CT reports"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    r = chat(client, messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": parts}])
    assert r.status_code == 200
    assert r.json()["clinadvisor"]["stage"] == "II"


def test_bad_clicked_answers_are_400_with_param(client: Any) -> None:
    r = chat(client, messages=ASK, clinadvisor={"stage": "VII"})
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param="stage")
    r = chat(client, messages=ASK, clinadvisor={"stage": "II", "answers": {"favourite_colour": True}})
    assert_error(r.json(), "invalid_request_error", param="clinadvisor.answers.favourite_colour")
    r = chat(client, messages=ASK, clinadvisor={"stage": "II", "answers": {"deploy_local": "perhaps"}})
    assert r.status_code == 400 and r.json()["error"]["param"] == "clinadvisor.answers.deploy_local"


def test_streaming_chunks_extension_and_usage(client: Any) -> None:
    r = chat(client, messages=ASK, clinadvisor=CLICKED, stream=True, stream_options={"include_usage": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    finals = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finals) == 1 and finals[0]["choices"][0]["finish_reason"] == "stop"
    assert finals[0]["clinadvisor"]["recommendation"]["status"] == "recommended"
    assert sum("clinadvisor" in c for c in chunks) == 1
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["completion_tokens"] > 0
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    plain = chat(client, messages=ASK, clinadvisor=CLICKED).json()
    assert text == plain["choices"][0]["message"]["content"]  # streaming and not give the same reply


def test_stream_without_usage_has_no_usage_chunk(client: Any) -> None:
    events = sse_events(chat(client, messages=ASK, stream=True).text)
    assert events[-1] == "[DONE]"
    assert all("usage" not in e for e in events[:-1])
    assert events[-2]["choices"][0]["finish_reason"] == "stop"


def test_an_unavailable_backend_degrades_to_none_with_a_notice(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    settings = Settings(
        home=tmp_path, backend="openai", llm_url="http://127.0.0.1:9/v1", llm_retries=0, llm_timeout=0.5
    )
    with TestClient(create_app(settings, mount_ui=False, start_index=False)) as client:
        holder: BackendHolder = client.app.state.clinadvisor.backend  # type: ignore[attr-defined]
        assert holder.requested == "openai" and holder.degraded
        r = chat(client, messages=ASK, clinadvisor=CLICKED)
        assert r.status_code == 200
        ext = r.json()["clinadvisor"]
        assert ext["backend"] == "none"
        assert any("openai" in n and "unavailable" in n for n in ext["notices"])
        assert ext["recommendation"]["status"] == "recommended"  # the rules core does not need the LLM
        metrics = client.get("/metrics").text
        assert 'clinadvisor_llm_fallbacks_total{backend="none"} 1.0' in metrics
        health = client.get("/healthz").json()
        assert health["status"] == "degraded"
        assert health["backend"] == {"name": "none", "requested": "openai", "reachable": False}


def test_missing_dialogue_is_503(make_client: MakeClient, monkeypatch: Any) -> None:
    import serving.app

    monkeypatch.setattr(serving.app, "load_dialogue", lambda: None)
    r = chat(make_client(), messages=ASK)
    assert r.status_code == 503
    assert_error(r.json(), "service_unavailable")


def test_pieces_arriving_apart_are_streamed_apart(make_client: MakeClient) -> None:
    import time
    from collections.abc import Iterator

    from serving.api.state import Dialogue

    class _Slow:
        def __init__(self) -> None:
            self.real = __import__("assistant.dialogue", fromlist=["respond"])

        def respond_stream(self, catalog: Any, messages: Any, **kw: Any) -> Iterator[Any]:
            *pieces, final = list(self.real.respond_stream(catalog, messages, **kw))
            for piece in pieces:
                time.sleep(0.05)  # like tokens from an LLM
                yield piece
            yield final

    slow = _Slow()
    client = make_client(dialogue=Dialogue(respond=slow.real.respond, respond_stream=slow.respond_stream))
    events = sse_events(chat(client, messages=ASK, stream=True).text)
    contents = [e["choices"][0]["delta"]["content"] for e in events[1:-2]]
    assert len(contents) > 2 and all(contents)  # one chunk per piece: nothing held back
