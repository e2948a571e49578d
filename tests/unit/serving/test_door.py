"""One door for the page and the API: with keys or page users configured, no route of the chat page answers
without a log-in, uploads are off, and a page session acts with its own identity at /v1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from serving.api.auth import key_id
from serving.app import create_app
from serving.audit import AuditStore
from serving.backends.none_backend import NoneBackend
from serving.settings import Settings

REC = {"stage": "II", "answers": {"radiology_text_generation": True}}
COOKIE = "clinadvisor_session"
API_PATHS = ("/v1", "/healthz", "/metrics", "/openapi.json", "/docs")
HTML = {"Accept": "text/html,application/xhtml+xml"}

MakePage = Callable[..., TestClient]


@pytest.fixture
def make_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakePage]:
    """``make_page(**settings)``: the app with the chat page mounted at / (no LLM, no index)."""
    for name in ("API_KEYS", "API_KEYS_FILE", "UI_USERS", "RATE_LIMIT", "CORS_ORIGINS", "SESSION_SECRET"):
        monkeypatch.delenv(f"CLINADVISOR_{name}", raising=False)
    clients: list[TestClient] = []

    def make(**values: Any) -> TestClient:
        settings = Settings(home=tmp_path / f"home{len(clients)}", backend="none", **values)
        app = create_app(settings, backend=NoneBackend(), mount_ui=True, start_index=False)
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def page_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every route of the mounted page, path parameters filled with a dummy value."""
    mount = next(r for r in client.app.routes if isinstance(r, Mount) and r.path == "")  # type: ignore[attr-defined]
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            path = prefix + (getattr(route, "path", "") or "")
            if isinstance(route, Mount):
                walk(list(getattr(route.app, "routes", [])), path)
                continue
            if hasattr(route, "original_router"):  # FastAPI's included router (Gradio's /gradio_api routes)
                walk(list(route.original_router.routes), prefix + route.include_context.prefix)
                continue
            concrete = re.sub(r"\{[^}]+\}", "x", path)
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                found.append((method, concrete))

    walk(list(mount.app.routes), "")  # type: ignore[attr-defined]
    # the API's own door and the log-in routes are tested apart
    page = [(m, path) for m, path in found if not path.startswith(API_PATHS)]
    return [(m, path) for m, path in page if path not in ("/login", "/logout")]


def test_no_page_route_answers_without_a_log_in_when_keys_are_configured(make_page: MakePage) -> None:
    client = make_page(api_keys="k1")
    routes = page_routes(client)
    assert ("POST", "/gradio_api/queue/join") in routes and ("GET", "/config") in routes and len(routes) > 60
    for method, path in routes:
        r = client.request(method, path, json={})
        assert r.status_code in (401, 404), (method, path, r.status_code)
    r = client.post("/gradio_api/call/on_send", json={"data": ["I'm a radiologist drafting CT reports"]})
    assert r.status_code == 401 and r.json()["error"]["code"] == "login_required"
    r = client.get("/", headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    # the API keeps its own door
    assert client.get("/v1/models").status_code == 401
    assert client.get("/healthz").status_code == 200


def test_uploads_need_the_log_in_and_are_off(make_page: MakePage) -> None:
    client = make_page(api_keys="k1")
    files = {"files": ("note.txt", b"hello", "text/plain")}
    assert client.post("/gradio_api/upload", files=files).status_code == 401
    log_in(client, "anyone", "k1")
    r = client.post("/gradio_api/upload", files=files)
    assert r.status_code == 404 and r.json()["error"]["code"] == "uploads_off"
    open_page = make_page()
    assert open_page.post("/gradio_api/upload", files=files).status_code == 404


def log_in(client: TestClient, user: str, password: str) -> str:
    """Log in through the form; the session cookie's value."""
    r = client.post("/login", data={"username": user, "password": password})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = client.cookies.get(COOKIE)
    assert token
    return token


def test_log_in_with_a_page_user_or_an_api_key(make_page: MakePage) -> None:
    client = make_page(api_keys="k1", ui_users="ann:s3cret")
    login_page = client.get("/login")
    assert login_page.status_code == 200 and "<form" in login_page.text and "<script" not in login_page.text
    for user, password in (("ann", "wrong"), ("bob", "s3cret"), ("ann", ""), ("k1", "ann")):
        r = client.post("/login", data={"username": user, "password": password})
        assert r.status_code == 401 and "Wrong user name or password" in r.text
        assert COOKIE not in client.cookies
    log_in(client, "ann", "s3cret")
    assert client.get("/config").status_code == 200
    assert client.get("/", headers=HTML).status_code == 200
    client.get("/logout")
    assert COOKIE not in client.cookies
    assert client.get("/config").status_code == 401
    log_in(client, "whoever", "k1")
    assert client.get("/config").status_code == 200


def test_a_tampered_or_foreign_cookie_is_refused(make_page: MakePage) -> None:
    from serving.api.tokens import Signer

    client = make_page(api_keys="k1", ui_users="ann:s3cret")
    token = log_in(client, "ann", "s3cret")
    client.cookies.clear()
    payload = token.split(".")[1]
    for forged in (
        token[:-1] + ("0" if token[-1] != "0" else "1"),
        f"cs1.{payload}.",
        Signer(b"x" * 32).session("user:ann", 3600),
    ):
        client.cookies.set(COOKIE, forged)
        assert client.get("/config").status_code == 401
    client.cookies.set(COOKIE, token)
    assert client.get("/config").status_code == 200


def test_log_in_attempts_are_limited(make_page: MakePage) -> None:
    client = make_page(api_keys="k1", login_attempts=3)
    for _ in range(3):
        assert client.post("/login", data={"username": "a", "password": "guess"}).status_code == 401
    r = client.post("/login", data={"username": "a", "password": "k1"})
    assert r.status_code == 429 and "retry-after" in r.headers


def test_each_page_session_acts_with_its_own_identity_at_v1(make_page: MakePage) -> None:
    client = make_page(api_keys="k1", ui_users="ann:s3cret", rate_limit=3)
    ann = log_in(client, "ann", "s3cret")
    client.cookies.clear()
    keyed = log_in(client, "x", "k1")
    client.cookies.clear()
    # the key's own bucket is spent by its API use ...
    for _ in range(3):
        assert client.post("/v1/recommendations", json=REC, headers={"Authorization": "Bearer k1"}).status_code == 200
    assert client.post("/v1/recommendations", json=REC, headers={"Authorization": "Bearer k1"}).status_code == 429
    # ... a page user's session has its own bucket; a session logged in with the key shares the key's
    assert client.post("/v1/recommendations", json=REC, headers={"Authorization": f"Bearer {ann}"}).status_code == 200
    assert client.post("/v1/recommendations", json=REC, headers={"Authorization": f"Bearer {keyed}"}).status_code == 429
    store: AuditStore = client.app.state.clinadvisor.store  # type: ignore[attr-defined]
    assert [row["client"] for row in store.rows()] == [key_id("k1")] * 3 + ["user:ann"]
    # and a reply given to ann's session takes feedback from ann's session only
    body = {"messages": [{"role": "user", "content": "hello"}]}
    reply = client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {ann}"}).json()
    feedback = {"response_id": reply["id"], "rating": "up"}
    assert client.post("/v1/feedback", json=feedback, headers={"Authorization": f"Bearer {ann}"}).status_code == 201


def test_without_keys_or_users_the_page_is_open_as_before(make_page: MakePage) -> None:
    client = make_page()
    assert client.get("/config").status_code == 200
    assert client.get("/", headers=HTML).status_code == 200


def test_the_session_header_is_set_by_the_door_only() -> None:
    seen: list[dict[bytes, bytes]] = []

    async def page(scope: Any, receive: Any, send: Any) -> None:
        seen.append(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    from serving.api.auth import KeyChecker
    from serving.api.door import SESSION_HEADER, Door, DoorMiddleware
    from serving.api.tokens import Signer

    signer = Signer(b"s" * 32)
    door = Door(KeyChecker(["k1"], signer, ["ann"]), {"ann": "pw"}, signer)
    client = TestClient(DoorMiddleware(page, door))
    token = door.new_session("user:ann")
    client.cookies.set(COOKIE, token)
    client.get("/x", headers={SESSION_HEADER: "forged"})
    assert seen[-1][SESSION_HEADER.encode()] == token.encode()
    open_door = Door(KeyChecker([], signer), {}, signer)
    TestClient(DoorMiddleware(page, open_door)).get("/x", headers={SESSION_HEADER: "forged"})
    assert SESSION_HEADER.encode() not in seen[-1]


def test_parse_users_skips_malformed_entries() -> None:
    from serving.api.door import parse_users

    assert parse_users("ann:pw1, bob:p:w2,broken,:x,eve <x>:pw,") == {"ann": "pw1", "bob": "p:w2"}
    assert parse_users(f"{'a' * 32}:pw,{'b' * 33}:pw") == {"a" * 32: "pw"}  # "user:<name>" fits the audit column
    assert parse_users(None) == {}


def test_the_page_and_the_door_agree_on_the_session_header() -> None:
    from serving.api.door import SESSION_HEADER
    from ui.app import SESSION_HEADER as PAGE_HEADER

    assert PAGE_HEADER == SESSION_HEADER
