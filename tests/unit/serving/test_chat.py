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
    assert_error(r.json(), "invalid_request_error", param="clinadvisor.stage")
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
        assert health["backend"] == {"name": "none", "requested": "openai", "reachable": False, "warm": False}


def test_pieces_arriving_apart_are_streamed_apart(make_client: MakeClient) -> None:
    import time
    from collections.abc import Iterator

    from serving.api.state import Dialogue

    class _Slow:
        def __init__(self) -> None:
            import assistant.dialogue

            self.real = assistant.dialogue

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


TITLE_TASK = (
    "### Task:\nGenerate a concise, 3-5 word title summarizing the chat history.\n### Output:\n"
    'JSON format: { "title": "your concise title here" }\n### Chat History:\n<chat_history>\n'
    "USER: I'm a radiologist and want to draft CT reports; the data must stay in the hospital.\n"
    "ASSISTANT: Here is what I understood.\n</chat_history>"
)


def test_a_front_ends_title_task_gets_json_without_an_audit_row(client: Any) -> None:
    import json

    from tests.unit.serving.test_rest import store_of

    before = len(list(store_of(client).rows()))
    r = chat(client, messages=[{"role": "user", "content": TITLE_TASK}])
    assert r.status_code == 200
    body = r.json()
    assert json.loads(body["choices"][0]["message"]["content"]) == {"title": "Examination text generation, stage II"}
    assert "clinadvisor" not in body  # no conversation state: this was not a turn of the conversation
    assert len(list(store_of(client).rows())) == before
    metrics = client.get("/metrics").text
    assert 'clinadvisor_client_tasks_total{kind="title"} 1.0' in metrics
    assert "clinadvisor_chat_turns_total{" not in metrics  # not counted as a chat turn
    events = sse_events(chat(client, messages=[{"role": "user", "content": TITLE_TASK}], stream=True).text)
    assert events[-1] == "[DONE]" and json.loads(events[0]["choices"][0]["delta"]["content"])["title"]
    assert events[-2]["choices"][0]["finish_reason"] == "stop"


def test_citations_with_web_links_are_url_citation_annotations_the_openai_client_parses(
    make_client: MakeClient,
) -> None:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from tests.unit.dialogue.fakes import FakeRetriever, passage

    web = passage("web-1", "QLoRA paper", "QLoRA fine-tunes a 65B model on one 48 GB GPU with 4-bit weights.")
    own = passage("own-1", "My notes", "QLoRA was used for our report model with a 48 GB GPU in 2024.")
    own = own.__class__(**{**own.__dict__, "url": None, "kind": "user"})
    client = make_client(retriever=FakeRetriever([web, own]))
    history = [{"role": "user", "content": "I'm a radiologist drafting CT reports, text only, data stays here, local."}]
    first = chat(client, messages=history, clinadvisor=CLICKED).json()
    history += [{"role": "assistant", "content": first["choices"][0]["message"]["content"]}]
    history += [{"role": "user", "content": "Which GPU does QLoRA need for a 65B model?"}]
    body = chat(client, messages=history, clinadvisor=CLICKED).json()
    parsed = ChatCompletion.model_validate(body)
    message = parsed.choices[0].message
    annotations = message.annotations or []
    assert annotations, message.content
    for note in annotations:
        span = message.content[note.url_citation.start_index : note.url_citation.end_index]  # type: ignore[index]
        assert span.startswith("[") and note.url_citation.url == "https://example.org/web-1"
    cited_urls = {c["url"] for c in body["clinadvisor"]["citations"]}
    assert None in cited_urls or len(cited_urls) == 1  # the user's own document gets no annotation
    events = sse_events(chat(client, messages=history, clinadvisor=CLICKED, stream=True).text)
    final = ChatCompletionChunk.model_validate(events[-2])
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].delta.model_extra and final.choices[0].delta.model_extra.get("annotations")


def test_two_references_with_one_link_get_annotations_that_stay_apart() -> None:
    from serving.api.chat import url_citations

    link = "https://www.jmir.org/2025/1/e71916"
    citations = [
        {"n": 1, "url": "https://arxiv.org/abs/1", "title": "A"},
        {"n": 2, "url": link, "title": "Review, stage II"},
        {"n": 3, "url": link, "title": "Review, catalog"},
        {"n": 4, "url": None, "title": "My own notes"},
    ]
    notes = url_citations("See [1], [2] and [3]; also [4].", citations)
    urls = [n["url_citation"]["url"] for n in notes]
    assert urls == ["https://arxiv.org/abs/1", f"{link}#clinadvisor-ref-2", f"{link}#clinadvisor-ref-3"]
    assert len(set(urls)) == 3  # Open WebUI groups sources by URL: one each, so markers map to their own source


def test_a_streamed_replys_first_chunk_arrives_before_the_llms_prose_is_complete(make_client: MakeClient) -> None:
    import time
    from collections.abc import Iterator, Mapping, Sequence

    class SlowWriter:
        """Streams a prose sentence word by word, slowly, as a model on a CPU does."""

        name = "slow"

        def complete(self, messages: Sequence[Mapping[str, str]], **kw: Any) -> str:
            return "".join(self.stream(messages))

        def complete_json(self, messages: Sequence[Mapping[str, str]], schema: Any, **kw: Any) -> Mapping[str, Any]:
            return {"stage": None, "answers": {}}

        def stream(self, messages: Sequence[Mapping[str, str]], **kw: Any) -> Iterator[str]:
            for word in ["These", "models", "cover", "every", "task", "you", "selected", "."]:
                time.sleep(0.25)
                yield word + " "

    client = make_client(backend=SlowWriter())
    start = time.monotonic()
    arrivals: list[tuple[float, str]] = []
    body = {"model": "clinadvisor", "messages": ASK, "clinadvisor": CLICKED, "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                import json

                chunk = json.loads(line[6:])
                content = chunk["choices"][0]["delta"].get("content") if chunk["choices"] else None
                if content:
                    arrivals.append((time.monotonic() - start, content))
    first, last = arrivals[0][0], arrivals[-1][0]
    assert "understood" in arrivals[0][1]  # the deterministic part, sent before the model writes
    assert last - first > 1.5 and first < 1.5  # the prose took ~2 s to write; the first chunk did not wait for it
    assert any("These models cover every task" in text for _, text in arrivals)
