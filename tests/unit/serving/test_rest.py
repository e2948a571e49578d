"""The REST routes, health, metrics, the OpenAPI document, feedback and the audit rows they write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.catalog import Catalog
from assistant.evidence import Passage
from assistant.questionnaire import questionnaire_dict
from assistant.rules import recommend
from serving.audit import AuditStore
from tests.unit.serving.conftest import MakeClient
from tests.unit.serving.test_errors import assert_error

ANSWERS = {
    "input_text_only": True,
    "output_text_only": True,
    "data_sharing": False,
    "radiology_text_generation": "yes",
    "deploy_local": "unknown",
}


def store_of(client: Any) -> AuditStore:
    store: AuditStore = client.app.state.clinadvisor.store
    return store


def test_recommendation_is_the_rules_core_output(client: Any, catalog: Catalog) -> None:
    r = client.post("/v1/recommendations", json={"stage": "2", "answers": ANSWERS, "extra": "ignored"})
    assert r.status_code == 200
    assert r.json() == recommend(catalog, "II", ANSWERS).to_dict()


def test_recommendation_errors_name_the_param(client: Any) -> None:
    r = client.post("/v1/recommendations", json={"stage": "VI"})
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param="stage")
    r = client.post("/v1/recommendations", json={"stage": "I", "answers": {"radiology_text_generation": True}})
    assert_error(r.json(), "invalid_request_error", param="radiology_text_generation")
    r = client.post("/v1/recommendations", json={"stage": "II", "answers": {"deploy_local": "maybe"}})
    assert_error(r.json(), "invalid_request_error", param="deploy_local")
    r = client.post("/v1/recommendations", json={"stage": "II", "answers": ["deploy_local"]})
    assert_error(r.json(), "invalid_request_error", param="answers")


def test_recommendations_are_audited(client: Any) -> None:
    client.post("/v1/recommendations", json={"stage": "II", "answers": ANSWERS})
    (row,) = store_of(client).rows()
    assert row["route"] == "recommendations" and row["stage"] == "II"
    assert row["answers"]["radiology_text_generation"] is True and row["answers"]["deploy_local"] is None
    assert row["recommendation"]["schema"] == "recommendation/1"
    assert row["catalog_version"] == row["recommendation"]["catalog_version"]
    assert row["messages"] is None and row["created_at"]


def test_chat_turns_with_a_recommendation_are_audited_without_text(client: Any) -> None:
    secret = "patient Jane Roe, 54, suspected sarcoidosis"
    body = {
        "model": "clinadvisor",
        "messages": [{"role": "user", "content": secret}],
        "clinadvisor": {"stage": "II", "answers": ANSWERS},
    }
    reply = client.post("/v1/chat/completions", json=body).json()
    (row,) = store_of(client).rows()
    assert row["route"] == "chat" and row["response_id"] == reply["id"] and row["backend"] == "none"
    assert row["answers"]["radiology_text_generation"]["source"] == "clicked"
    assert row["messages"] is None
    assert secret not in str(row)


def test_message_text_is_audited_only_when_asked(make_client: MakeClient) -> None:
    client = make_client(audit_messages=True)
    body = {
        "model": "clinadvisor",
        "messages": [{"role": "user", "content": "draft CT reports"}],
        "clinadvisor": {"stage": "II", "answers": ANSWERS},
    }
    client.post("/v1/chat/completions", json=body)
    (row,) = store_of(client).rows()
    assert row["messages"] == [{"role": "user", "content": "draft CT reports"}]


def test_feedback(make_client: MakeClient) -> None:
    client = make_client(audit_messages=True)
    reply = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hello"}]})
    response_id = reply.json()["id"]
    r = client.post("/v1/feedback", json={"response_id": response_id, "rating": "down", "comment": "too long"})
    assert r.status_code == 201
    assert r.json() == {"id": 1, "object": "feedback", "response_id": response_id, "rating": "down"}
    (row,) = store_of(client).rows("feedback")
    assert (row["rating"], row["comment"]) == ("down", "too long")
    r = client.post("/v1/feedback", json={"response_id": response_id, "rating": "meh"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "rating"


def test_questionnaire(client: Any, catalog: Catalog) -> None:
    assert client.get("/v1/questionnaire").json() == questionnaire_dict(catalog)
    one = client.get("/v1/questionnaire", params={"stage": "iii"}).json()
    assert [s["id"] for s in one["stages"]] == ["III"]
    assert client.get("/v1/questionnaire", params={"stage": "0"}).status_code == 400


class _Retriever:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def search(self, query: str, k: int = 5, max_per_doc: int | None = -1) -> Sequence[Passage]:
        self.calls.append((query, k))
        return [
            Passage(
                key="c1",
                doc_id="card:qlora",
                title="QLoRA",
                authors=("Dettmers T",),
                year=2023,
                url="https://arxiv.org/abs/2305.14314",
                source="qlora.md",
                page=None,
                section="Method",
                score=0.9,
                text="4-bit finetuning",
                kind="card",
                venue="NeurIPS 2023",
            )
        ]


def test_search_shape(make_client: MakeClient) -> None:
    retriever = _Retriever()
    client = make_client(retriever=retriever)
    body = client.get("/v1/search", params={"q": "what is QLoRA", "k": 3}).json()
    assert retriever.calls == [("what is QLoRA", 3)]
    assert body == {
        "query": "what is QLoRA",
        "k": 3,
        "hits": [
            {
                "rank": 1,
                "key": "c1",
                "doc_id": "card:qlora",
                "title": "QLoRA",
                "authors": ["Dettmers T"],
                "year": 2023,
                "url": "https://arxiv.org/abs/2305.14314",
                "source": "qlora.md",
                "page": None,
                "section": "Method",
                "score": 0.9,
                "text": "4-bit finetuning",
                "kind": "card",  # extensions
                "venue": "NeurIPS 2023",
            }
        ],
    }


def test_search_without_an_index_is_503(client: Any) -> None:
    r = client.get("/v1/search", params={"q": "QLoRA"})
    assert r.status_code == 503
    assert_error(r.json(), "service_unavailable", code="index_unavailable")
    assert "not started" in r.json()["error"]["message"]


def test_healthz(make_client: MakeClient, catalog: Catalog) -> None:
    body = make_client(retriever=_Retriever()).get("/healthz").json()
    assert body["status"] == "ok"
    assert body["catalog_version"] == catalog.version
    assert body["backend"] == {"name": "none", "requested": "none", "reachable": True, "warm": False}
    assert body["index"]["status"] == "ready" and body["store"] == {"ok": True}


def test_metrics_exposition(client: Any) -> None:
    client.post("/v1/recommendations", json={"stage": "II", "answers": ANSWERS})
    client.post("/v1/recommendations", json={"stage": "IX"})
    client.get("/v1/unknown/route/with/patient-name")
    text = client.get("/metrics").text
    assert 'clinadvisor_http_requests_total{method="POST",route="/v1/recommendations",status="200"} 1.0' in text
    assert 'clinadvisor_http_requests_total{method="POST",route="/v1/recommendations",status="400"} 1.0' in text
    assert 'clinadvisor_http_request_duration_seconds_count{method="POST",route="/v1/recommendations"} 2.0' in text
    assert "patient-name" not in text  # raw paths never become labels


def test_openapi_document(client: Any) -> None:
    doc = client.get("/openapi.json").json()
    for path in (
        "/v1/models",
        "/v1/chat/completions",
        "/v1/recommendations",
        "/v1/questionnaire",
        "/v1/search",
        "/v1/feedback",
        "/healthz",
        "/metrics",
    ):
        assert path in doc["paths"], path
    assert "/v1/{path}" not in doc["paths"]
    props = doc["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    assert {"model", "messages", "stream", "stream_options", "clinadvisor"} <= set(props)
