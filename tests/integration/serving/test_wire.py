"""The real server over the wire: auth, error shapes, CORS, metrics, audit rows, feedback, search, logs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from serving.audit import AuditStore
from tests.integration.serving.conftest import ORIGIN, Server
from tests.unit.serving.test_errors import assert_error

pytestmark = pytest.mark.integration

SENTENCE = "Patient Ottilie Brandstaetter, 71, was admitted with a left-sided hemiparesis"
ANSWERS = {"radiology_text_generation": True, "data_sharing": False}


def test_auth(api_server: Server, auth: dict[str, str]) -> None:
    for path in ("/v1/models", "/v1/questionnaire", "/metrics"):
        r = httpx.get(api_server.url + path)
        assert r.status_code == 401, path
        assert_error(r.json(), "authentication_error", code="invalid_api_key")
        assert httpx.get(api_server.url + path, headers=auth).status_code == 200
    assert httpx.get(api_server.url + "/healthz").json()["catalog_version"]
    assert httpx.get(api_server.url + "/openapi.json").json()["info"]["title"] == "Clinical LLM Advisor"


def test_error_shapes(api_server: Server, auth: dict[str, str]) -> None:
    url = api_server.v1 + "/chat/completions"
    r = httpx.post(url, content=b"{not json", headers={**auth, "content-type": "application/json"})
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error")
    r = httpx.post(url, json={"model": "clinadvisor", "messages": [{"role": "user"}], "stream": "often"}, headers=auth)
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param="stream")
    r = httpx.post(url, json={"model": "llama-3", "messages": [{"role": "user", "content": "x"}]}, headers=auth)
    assert r.status_code == 404
    assert_error(r.json(), "invalid_request_error", param="model", code="model_not_found")
    r = httpx.get(api_server.v1 + "/embeddings", headers=auth)
    assert r.status_code == 404
    assert_error(r.json(), "invalid_request_error", code="not_found")


def test_cors(api_server: Server, auth: dict[str, str]) -> None:
    r = httpx.get(api_server.v1 + "/models", headers={**auth, "Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    r = httpx.options(
        api_server.v1 + "/chat/completions", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN


def test_recommendation_is_audited(api_server: Server, auth: dict[str, str]) -> None:
    r = httpx.post(api_server.v1 + "/recommendations", json={"stage": "II", "answers": ANSWERS}, headers=auth)
    assert r.status_code == 200 and r.json()["status"] in ("recommended", "no_full_match")
    store = AuditStore(f"sqlite:///{api_server.home}/clinadvisor.db")
    try:
        rows = [row for row in store.rows() if row["route"] == "recommendations"]
    finally:
        store.close()
    assert rows and rows[-1]["recommendation"] == r.json()
    assert rows[-1]["client"] and rows[-1]["client"] not in auth["Authorization"]  # a hash, not the key


def test_feedback(api_server: Server, auth: dict[str, str]) -> None:
    reply = httpx.post(
        api_server.v1 + "/chat/completions",
        headers=auth,
        json={"model": "clinadvisor", "messages": [{"role": "user", "content": "stage II"}]},
    ).json()
    r = httpx.post(api_server.v1 + "/feedback", json={"response_id": reply["id"], "rating": "up"}, headers=auth)
    assert r.status_code == 201 and r.json()["response_id"] == reply["id"]
    store = AuditStore(f"sqlite:///{api_server.home}/clinadvisor.db")
    try:
        assert any(row["response_id"] == reply["id"] for row in store.rows("feedback"))
    finally:
        store.close()


def test_search_without_a_built_index(api_server: Server, auth: dict[str, str]) -> None:
    r = httpx.get(api_server.v1 + "/search", params={"q": "QLoRA memory", "k": 2}, headers=auth)
    # this server does not build the index: an empty index answers no hits, a missing one 503
    if r.status_code == 200:
        assert r.json() == {"query": "QLoRA memory", "k": 2, "hits": []}
    else:
        assert r.status_code == 503
        assert_error(r.json(), "service_unavailable", code="index_unavailable")


def test_metrics(api_server: Server, auth: dict[str, str]) -> None:
    httpx.get(api_server.v1 + "/models", headers=auth)
    text = httpx.get(api_server.url + "/metrics", headers=auth).text
    assert 'clinadvisor_http_requests_total{method="GET",route="/v1/models",status="200"}' in text
    assert "clinadvisor_http_request_duration_seconds_bucket" in text
    assert "# TYPE clinadvisor_llm_fallbacks_total counter" in text


def chat(server: Server, auth: dict[str, str], **body: Any) -> httpx.Response:
    return httpx.post(
        server.v1 + "/chat/completions",
        headers=auth,
        timeout=30,
        json={"model": "clinadvisor", "messages": [{"role": "user", "content": SENTENCE}], **body},
    )


def test_no_message_text_in_the_server_log(api_server: Server, auth: dict[str, str]) -> None:
    assert chat(api_server, auth).status_code == 200
    assert chat(api_server, auth, stream=True).status_code == 200
    httpx.get(api_server.v1 + "/search", params={"q": SENTENCE}, headers=auth)
    assert chat(api_server, auth, n=5).status_code == 400
    log = api_server.log.read_text()
    assert "POST /v1/chat/completions 200" in log  # debug logging is on and the access log ran
    assert "Brandstaetter" not in log and "hemiparesis" not in log
