"""Limits over the real wire (413, 429), and audit rows that survive ``kill -9`` of the server."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serving.audit import AuditStore
from tests.integration.serving.conftest import start_server
from tests.unit.serving.test_errors import assert_error

pytestmark = pytest.mark.integration


def test_size_and_rate_limits(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, {"CLINADVISOR_RATE_LIMIT": "4", "CLINADVISOR_MAX_REQUEST_BYTES": "1000"}, ["--no-ui"]
    )
    try:
        url = server.v1 + "/recommendations"
        big = {"stage": "II", "answers": {}, "note": "z" * 2000}
        r = httpx.post(url, json=big)
        assert r.status_code == 413
        assert_error(r.json(), "invalid_request_error", code="request_too_large")

        def chunked() -> Iterator[bytes]:
            yield b'{"stage": "II", "note": "'
            for _ in range(30):
                yield b"z" * 100
            yield b'"}'

        r = httpx.post(url, content=chunked(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        statuses = [httpx.post(url, json={"stage": "II"}).status_code for _ in range(4)]
        assert statuses == [200] * 4  # refused bodies took no tokens: they never reached a route
        r = httpx.post(url, json={"stage": "II"})
        assert_error(r.json(), "rate_limit_error", code="rate_limit_exceeded")
        assert int(r.headers["retry-after"]) >= 1
        assert httpx.get(server.url + "/healthz").status_code == 200
    finally:
        server.stop()


def test_audit_rows_survive_kill_9(tmp_path: Path) -> None:
    server = start_server(tmp_path, args=["--no-ui"])
    ids = []
    try:
        for stage in ("I", "III", "V"):
            r = httpx.post(server.v1 + "/recommendations", json={"stage": stage})
            assert r.status_code == 200
        reply = httpx.post(
            server.v1 + "/chat/completions",
            json={
                "model": "clinadvisor",
                "messages": [{"role": "user", "content": "stage II"}],
                "clinadvisor": {"stage": "II", "answers": {"radiology_text_generation": True}},
            },
        ).json()
        ids.append(reply["id"])
        assert httpx.post(server.v1 + "/feedback", json={"response_id": reply["id"], "rating": "down"}).is_success
    finally:
        server.stop(signal.SIGKILL)
    assert server.process.returncode == -signal.SIGKILL
    store = AuditStore(f"sqlite:///{tmp_path}/clinadvisor.db")
    try:
        rows = list(store.rows())
        assert [r["stage"] for r in rows] == ["I", "III", "V", "II"]
        assert rows[-1]["response_id"] == ids[0] and rows[-1]["route"] == "chat"
        assert [f["response_id"] for f in store.rows("feedback")] == ids
    finally:
        store.close()
