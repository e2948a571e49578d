"""Property-based fuzzing with schemathesis: no input makes the server fail (5xx).

The API is fuzzed from its own OpenAPI document; the chat page's routes (Gradio's and the log-in's) from a
description written here, twice: without a log-in, where no route of the page may answer (a check loaded
from ``page_checks.py``), and with one."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.serving.conftest import KEY, Server, start_server

REPO = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_EXAMPLES = 30  # per operation: about 550 requests, 20-30 s on two cores


def schemathesis_command() -> list[str]:
    script = Path(sys.executable).parent / "schemathesis"
    return [str(script)] if script.exists() else [shutil.which("schemathesis") or "schemathesis"]


def test_no_server_errors(api_server: Server, tmp_path: Path) -> None:
    cmd = [*schemathesis_command(), "run", f"{api_server.url}/openapi.json",
           "--header", f"Authorization: Bearer {KEY}", "--checks", "not_a_server_error",
           "--max-examples", str(MAX_EXAMPLES), "--seed", "20261122", "--generation-database", "none",
           "--no-color", "--report-dir", str(tmp_path)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", done.stdout)
    assert tested and int(tested.group(1)) >= 8, done.stdout[-2000:]  # every documented operation ran
    assert re.search(r"\d+ generated, \d+ passed", done.stdout)


# --- the page's routes ---------------------------------------------------------------------------------------

PAGE_MAX_EXAMPLES = 5  # per operation: about 200 requests a run


def _op(summary: str, *, body: dict[str, Any] | None = None, form: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None, multipart: bool = False) -> dict[str, Any]:  # fmt: skip
    """One operation of the page's description."""
    op: dict[str, Any] = {"summary": summary, "responses": {"default": {"description": "any"}}}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if form is not None:
        op["requestBody"] = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}}
    if multipart:
        files = {"type": "object", "properties": {"files": {"type": "string", "format": "binary"}}}
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": files}}}
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def page_description() -> dict[str, Any]:
    """An OpenAPI description of the routes the chat page's browser side uses (Gradio's and the log-in's)."""
    predict = {
        "type": "object",
        "properties": {
            "data": {"type": "array"},
            "fn_index": {"type": "integer"},
            "session_hash": {"type": "string"},
            "trigger_id": {"type": "integer"},
            "event_data": {},
        },
    }
    login = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    paths: dict[str, Any] = {
        "/": {"get": _op("the page")},
        "/config": {"get": _op("the page's configuration")},
        "/theme.css": {"get": _op("styles")},
        "/manifest.json": {"get": _op("web manifest")},
        "/gradio_api/info": {"get": _op("the page's API")},
        "/gradio_api/startup-events": {"get": _op("start-up")},
        "/gradio_api/heartbeat/{session_hash}": {"get": _op("heartbeat", params=[_path_param("session_hash")])},
        "/gradio_api/queue/join": {"post": _op("an event", body=predict)},
        "/gradio_api/queue/data": {
            "get": _op("events", params=[{"name": "session_hash", "in": "query", "schema": {"type": "string"}}])
        },
        "/gradio_api/call/{api_name}": {"post": _op("call", body=predict, params=[_path_param("api_name")])},
        "/gradio_api/call/{api_name}/{event_id}": {
            "get": _op("call result", params=[_path_param("api_name"), _path_param("event_id")])
        },
        "/gradio_api/cancel": {"post": _op("cancel", body=predict)},
        "/gradio_api/upload": {"post": _op("upload", multipart=True)},
        "/gradio_api/file={path}": {"get": _op("a file", params=[_path_param("path")])},
        "/login": {"get": _op("the log-in form"), "post": _op("log in", form=login)},
        "/logout": {"get": _op("log out")},
    }
    return {"openapi": "3.0.3", "info": {"title": "chat page", "version": "1"}, "paths": paths}


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with keys, a page user and the page at /."""
    env = {"CLINADVISOR_API_KEYS": KEY, "CLINADVISOR_UI_USERS": "ann:pw-123", "CLINADVISOR_RATE_LIMIT": "0",
           "CLINADVISOR_LOGIN_ATTEMPTS": "0"}  # fmt: skip
    server = start_server(tmp_path_factory.mktemp("page_fuzz_home"), env)
    yield server
    server.stop()


def run_page_fuzz(server: Server, tmp_path: Path, checks: str, *headers: str, exclude: str | None = None) -> str:
    """schemathesis over the page's description; its output (fails the test on any failed check)."""
    spec = tmp_path / "page.json"
    spec.write_text(json.dumps(page_description()))
    extra = [arg for header in headers for arg in ("--header", header)]
    if exclude:
        extra += ["--exclude-path-regex", exclude]
    cmd = [*schemathesis_command(), "run", str(spec), "--url", server.url, "--checks", checks, *extra,
           "--max-examples", str(PAGE_MAX_EXAMPLES), "--seed", "20261201", "--generation-database", "none",
           "--no-color", "--report-dir", str(tmp_path), "--workers", "1"]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.serving.page_checks", "PYTHONPATH": str(REPO)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", done.stdout)
    assert tested and int(tested.group(1)) >= (12 if exclude else 16), done.stdout[-2000:]
    return done.stdout


def test_page_routes_answer_nothing_without_a_log_in(page_server: Server, tmp_path: Path) -> None:
    run_page_fuzz(page_server, tmp_path, "not_a_server_error,page_needs_log_in")


# Known failures of Gradio 6.31 itself on malformed input, reachable only after a log-in (fuzzed without one
# above, where the door answers 401), left out here: its two event streams end the connection abruptly for an
# event or session id they do not know; /queue/join answers 500 (KeyError) for a session whose stream is gone;
# /heartbeat answers 500 (httpx.InvalidURL) for a malformed Host header.
UPSTREAM_FAILURES = r"^/gradio_api/(call/\{api_name\}/\{event_id\}|queue/data|queue/join|heartbeat/\{session_hash\})$"


def test_page_routes_never_fail_for_a_logged_in_browser(page_server: Server, tmp_path: Path) -> None:
    r = httpx.post(page_server.url + "/login", data={"username": "ann", "password": "pw-123"})
    assert r.status_code == 303
    cookie = f"Cookie: clinadvisor_session={r.cookies['clinadvisor_session']}"
    run_page_fuzz(page_server, tmp_path, "not_a_server_error", cookie, exclude=UPSTREAM_FAILURES)
