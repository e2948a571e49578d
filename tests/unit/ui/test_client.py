"""ui.client against the real app: every /v1 route the page uses, errors included."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.ui.conftest import MakeAdvisor, OnePassage
from ui.client import AdvisorClient, ChatResult, ClientError, _read_events, api_root

RADIOLOGIST = (
    "I'm a radiologist; I want to draft CT reports from the images and summarise them; "
    "the data can't leave the hospital"
)


def test_api_root_accepts_both_forms() -> None:
    assert api_root("http://h:1") == "http://h:1/v1"
    assert api_root("http://h:1/v1/") == "http://h:1/v1"


def test_questionnaire_lists_stages_and_glossary(make_advisor: MakeAdvisor) -> None:
    data = make_advisor().questionnaire()
    assert [s["id"] for s in data["stages"]] == ["I", "II", "III", "IV", "V"]
    assert "qlora" in data["glossary"]
    assert make_advisor().questionnaire("II")["stages"][0]["id"] == "II"


def test_recommend_follows_the_answers(make_advisor: MakeAdvisor) -> None:
    client = make_advisor()
    base = {"input_text_only": False, "output_text_only": True, "radiology_report_summarization": True}
    local = client.recommend("II", {**base, "data_sharing": False, "deploy_local": True})
    cloud = client.recommend("II", {**base, "data_sharing": True, "deploy_local": False})
    assert "GPT-4" not in [m["name"] for m in local["matches"]]
    assert "GPT-4" in [m["name"] for m in cloud["matches"]]


def test_recommend_error_is_a_client_error(make_advisor: MakeAdvisor) -> None:
    with pytest.raises(ClientError) as caught:
        make_advisor().recommend("IX", {})
    assert caught.value.status == 400


def test_chat_stream_yields_pieces_then_the_extension(make_advisor: MakeAdvisor) -> None:
    pieces = list(make_advisor().chat_stream([{"role": "user", "content": RADIOLOGIST}]))
    result = pieces[-1]
    assert isinstance(result, ChatResult)
    assert all(isinstance(p, str) for p in pieces[:-1]) and len(pieces) > 1
    assert result.text == "".join(p for p in pieces[:-1] if isinstance(p, str))
    assert result.id.startswith("chatcmpl-")
    assert result.extension["schema"] == "reply/1" and result.extension["stage"] == "II"


def test_clicked_answers_override_extraction(make_advisor: MakeAdvisor) -> None:
    client = make_advisor()
    messages = [{"role": "user", "content": RADIOLOGIST}]
    plain = client.chat(messages)
    assert plain.extension["answers"]["data_sharing"]["value"] is False
    clicked = client.chat(messages, {"stage": None, "answers": {"data_sharing": True, "deploy_local": False}})
    answers = clicked.extension["answers"]
    assert answers["data_sharing"] == {"value": True, "source": "clicked", "turn": None}
    assert "GPT-4" in [m["name"] for m in clicked.extension["recommendation"]["matches"]]


def test_feedback_is_recorded_and_validated(make_advisor: MakeAdvisor) -> None:
    client = make_advisor()
    reply = client.chat([{"role": "user", "content": RADIOLOGIST}])
    record = client.feedback(reply.id, "up", "clear answer")
    assert record["response_id"] == reply.id and record["rating"] == "up"
    with pytest.raises(ClientError) as caught:
        client.feedback(reply.id, "sideways")
    assert caught.value.status == 400


def test_api_keys_are_sent(make_advisor: MakeAdvisor) -> None:
    with pytest.raises(ClientError) as caught:
        make_advisor(api_keys="secret").questionnaire()
    assert caught.value.status == 401
    assert make_advisor(api_key="secret", api_keys="secret").questionnaire()["stages"]


def test_search_without_index_is_503_with_its_code(make_advisor: MakeAdvisor) -> None:
    with pytest.raises(ClientError) as caught:
        make_advisor().search("qlora")
    assert (caught.value.status, caught.value.code) == (503, "index_unavailable")


def test_search_returns_hits(make_advisor: MakeAdvisor) -> None:
    hits = make_advisor(retriever=OnePassage()).search("anything", k=3)["hits"]
    assert hits[0]["key"] == "card-x#0" and hits[0]["text"] == "The passage text."


def test_unreachable_server_is_status_0() -> None:
    client = AdvisorClient("http://127.0.0.1:9", timeout=2)
    with pytest.raises(ClientError) as caught:
        client.questionnaire()
    assert caught.value.status == 0
    with pytest.raises(ClientError):
        list(client.chat_stream([{"role": "user", "content": "hi"}]))


def test_error_event_mid_stream_raises() -> None:
    lines = iter(
        ['data: {"id": "c1", "choices": [{"delta": {"content": "Hel"}}]}', 'data: {"error": {"message": "boom"}}']
    )
    events = _read_events(lines)
    assert next(events) == "Hel"
    with pytest.raises(ClientError, match="boom"):
        next(events)


def test_stream_without_extension_raises() -> None:
    with pytest.raises(ClientError):
        list(_read_events(iter(["data: [DONE]"])))


def test_http_error_without_json_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    client = AdvisorClient("http://x", http=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(ClientError, match="HTTP 502"):
        client.questionnaire()
