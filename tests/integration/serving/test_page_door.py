"""The page's door on the real server (``clinadvisor serve`` with keys, page users and the page at /):
without a log-in the page's own API (Gradio's ``/gradio_api/call``) answers nothing; after one, a chat turn
driven through it reaches /v1 as that session's identity (the audit log books it to the page user, not to
an API key), and the page answers with a strict content-security policy."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.serving.conftest import KEY, Server, start_server

pytestmark = pytest.mark.integration

NEED = (
    "I am a radiologist; I want to draft CT reports from text only, text back; the data cannot be shared and we "
    "run it on our own servers"
)


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with API keys, one page user, the page mounted and no rate limit."""
    env = {"CLINADVISOR_API_KEYS": KEY, "CLINADVISOR_UI_USERS": "ann:s3cret-pw", "CLINADVISOR_RATE_LIMIT": "0"}
    server = start_server(tmp_path_factory.mktemp("page_home"), env)
    yield server
    server.stop()


def call_page(client: httpx.Client, text: str) -> list[str]:
    """Send one chat message through the page's own API, as the browser's page does; the streamed events."""
    start = client.post("/gradio_api/call/on_send", json={"data": [text]})
    assert start.status_code == 200, start.text
    event_id = start.json()["event_id"]
    events: list[str] = []
    with client.stream("GET", f"/gradio_api/call/on_send/{event_id}", timeout=120) as stream:
        lines = stream.iter_lines()
        for line in lines:
            events.append(line)
            if line.startswith(("event: complete", "event: error")):
                events.append(next(lines, ""))  # its data line
                break
    return events


def test_the_page_answers_nothing_before_a_log_in(page_server: Server) -> None:
    with httpx.Client(base_url=page_server.url, timeout=30) as client:
        r = client.post("/gradio_api/call/on_send", json={"data": [NEED]})
        assert r.status_code == 401
        assert client.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 401
        r = client.get("/", headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_a_logged_in_page_session_chats_as_its_own_user(page_server: Server) -> None:
    with httpx.Client(base_url=page_server.url, timeout=30) as client:
        r = client.post("/login", data={"username": "ann", "password": "s3cret-pw"})
        assert r.status_code == 303 and "clinadvisor_session" in client.cookies
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        events = call_page(client, NEED)
        assert any(line.startswith("event: complete") for line in events), events[-5:]
        assert "RaDialog" in " ".join(events)  # the recommendation came back through /v1
    db = sqlite3.connect(page_server.home / "clinadvisor.db")
    clients = [row[0] for row in db.execute("SELECT client FROM recommendations WHERE route = 'chat'")]
    assert clients == ["user:ann"]
    assert json.dumps(clients).count(KEY) == 0


def test_an_api_key_logs_in_to_the_page_as_itself(page_server: Server, tmp_path: Path) -> None:
    with httpx.Client(base_url=page_server.url, timeout=30) as client:
        r = client.post("/login", data={"username": "ops", "password": KEY})
        assert r.status_code == 303
        assert client.get("/config").status_code == 200
        wrong = httpx.post(page_server.url + "/login", data={"username": "ops", "password": KEY + "x"})
        assert wrong.status_code == 401
