"""Input hygiene and bounded work at the API: unencodable text, the message cap, feedback only for the
caller's own replies, no credentialed CORS without configured origins, /docs without a CDN, strict headers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.audit import AuditStore
from serving.backends.none_backend import NoneBackend
from serving.settings import Settings
from tests.unit.serving.conftest import MakeClient
from tests.unit.serving.test_errors import assert_error

NEED = "I'm a radiologist; I want to draft CT reports from text; the data can't leave the hospital; local servers"


def chat_body(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "clinadvisor", "messages": [{"role": "user", "content": text}], **extra}


def raw_json(client: TestClient, path: str, text: str, headers: dict[str, str] | None = None) -> Any:
    """POST a JSON text as is (so that escapes such as a lone surrogate reach the server unchanged)."""
    return client.post(
        path, content=text.encode("utf-8"), headers={"Content-Type": "application/json", **(headers or {})}
    )


# --- unencodable text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ('{"messages": [{"role": "user", "content": "CT \\ud800 reports"}]}', "messages.0.content"),
        (
            '{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\udfff"}]}]}',
            "messages.0.content.0.text",
        ),
        (
            '{"messages": [{"role": "user", "content": "hi"}], "clinadvisor": {"answers": {"\\ud800": true}}}',
            "clinadvisor.answers",
        ),
    ],
)
def test_lone_surrogates_are_400_naming_the_field(client: TestClient, body: str, param: str) -> None:
    r = raw_json(client, "/v1/chat/completions", body)
    assert r.status_code == 400, r.text
    assert_error(r.json(), "invalid_request_error", param=param)
    assert "unencodable" in r.json()["error"]["message"]


def test_lone_surrogates_in_other_routes_are_400(client: TestClient) -> None:
    r = raw_json(client, "/v1/feedback", '{"response_id": "x\\ud800", "rating": "up"}')
    assert r.status_code == 400 and r.json()["error"]["param"] == "response_id"
    r = raw_json(client, "/v1/recommendations", '{"stage": "\\udc00", "answers": {}}')
    assert r.status_code == 400 and r.json()["error"]["param"] == "stage"


def test_surrogate_pairs_and_plain_unicode_still_work(client: TestClient) -> None:
    r = raw_json(client, "/v1/chat/completions", json.dumps(chat_body("Radióloga 😀 \\ud83d\\ude00")))
    assert r.status_code == 200, r.text


# --- the message cap --------------------------------------------------------------------------------------


def test_a_message_over_the_default_cap_is_400_with_the_limit(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=chat_body("1" * 100_000))
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["param"] == "messages.0.content" and error["code"] == "message_too_long"
    assert "12,000" in error["message"] and "100,000" in error["message"]


def test_the_cap_is_configurable_and_counts_text_parts(make_client: MakeClient) -> None:
    client = make_client(max_message_chars=50)
    parts = [{"type": "text", "text": "x" * 30}, {"type": "text", "text": "y" * 30}]
    body = {"messages": [{"role": "user", "content": "fine"}, {"role": "assistant", "content": "ok"},
                         {"role": "user", "content": parts}]}  # fmt: skip
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400 and r.json()["error"]["param"] == "messages.2.content"
    assert "50" in r.json()["error"]["message"]
    # system prompts of chat portals are not read by the assistant and are not capped
    body = {"messages": [{"role": "system", "content": "s" * 500}, {"role": "user", "content": "fine"}]}
    assert client.post("/v1/chat/completions", json=body).status_code == 200
    assert (
        make_client(max_message_chars=0).post("/v1/chat/completions", json=chat_body("z" * 20_000)).status_code == 200
    )


def test_a_long_history_of_short_messages_is_still_trimmed_not_refused(client: TestClient) -> None:
    turns = []
    for n in range(8):
        turns += [{"role": "user", "content": f"turn {n} " + "w " * 2_000}, {"role": "assistant", "content": "noted"}]
    turns.append({"role": "user", "content": NEED})
    r = client.post("/v1/chat/completions", json={"messages": turns})
    assert r.status_code == 200
    assert any("latest" in n for n in r.json()["clinadvisor"]["notices"])


# --- feedback ---------------------------------------------------------------------------------------------


def completion_id(client: TestClient, key: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = client.post("/v1/chat/completions", json=chat_body(NEED), headers=headers)
    assert r.status_code == 200
    return str(r.json()["id"])


def test_feedback_only_for_the_callers_own_response_ids(make_client: MakeClient) -> None:
    client = make_client(api_keys="k1,k2")
    mine, theirs = completion_id(client, "k1"), completion_id(client, "k2")
    k1 = {"Authorization": "Bearer k1"}
    assert client.post("/v1/feedback", json={"response_id": mine, "rating": "up"}, headers=k1).status_code == 201
    for response_id in (theirs, "chatcmpl-made-up", mine[:-1] + ("0" if mine[-1] != "0" else "1")):
        r = client.post("/v1/feedback", json={"response_id": response_id, "rating": "down"}, headers=k1)
        assert r.status_code == 404, response_id
        assert_error(r.json(), "invalid_request_error", param="response_id")


def test_feedback_comment_is_stored_only_with_message_storage(make_client: MakeClient) -> None:
    for keep in (False, True):
        client = make_client(audit_messages=keep)
        body = {"response_id": completion_id(client), "rating": "down", "comment": "my patient Jane Doe"}
        assert client.post("/v1/feedback", json=body).status_code == 201
        store: AuditStore = client.app.state.clinadvisor.store  # type: ignore[attr-defined]
        assert [row["comment"] for row in store.rows("feedback")][-1] == ("my patient Jane Doe" if keep else None)


# --- the page's neighbours: CORS, /docs, headers -----------------------------------------------------------


@pytest.fixture
def app_with_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with the chat page mounted at / (no keys, no CORS origins)."""
    for name in ("API_KEYS", "API_KEYS_FILE", "CORS_ORIGINS", "UI_USERS", "RATE_LIMIT"):
        monkeypatch.delenv(f"CLINADVISOR_{name}", raising=False)
    settings = Settings(home=tmp_path / "home", backend="none")
    app = create_app(settings, backend=NoneBackend(), mount_ui=True, start_index=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_cors_preflight_on_v1_does_not_allow_credentials_without_origins(app_with_page: TestClient) -> None:
    for path in ("/v1/chat/completions", "/v1/models", "/healthz"):
        r = app_with_page.options(
            path,
            headers={"Origin": "http://localhost:9999", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization"},
        )  # fmt: skip
        assert "access-control-allow-credentials" not in r.headers, path
        assert "access-control-allow-origin" not in r.headers, path


def test_docs_load_nothing_from_a_cdn(app_with_page: TestClient) -> None:
    r = app_with_page.get("/docs")
    if r.status_code == 404:
        return  # off is also fine
    assert r.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", r.text)
    assert urls, "the page links its script and styles"
    for url in urls:
        assert not re.match(r"(?:https?:)?//", url), url
        assert app_with_page.get(url).status_code == 200, url
    assert "cdn." not in r.text


def test_the_page_has_a_strict_content_security_and_frame_policy(app_with_page: TestClient) -> None:
    r = app_with_page.get("/")
    assert r.status_code == 200
    csp = r.headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    for name in ("img-src", "connect-src", "script-src", "font-src", "media-src"):
        assert not [s for s in directives.get(name, ["'self'"]) if s.startswith(("http", "*", "https:"))], name
    assert r.headers.get("x-frame-options") == "DENY"
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy") == "no-referrer"
