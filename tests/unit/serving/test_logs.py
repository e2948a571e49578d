"""Logs never contain what users wrote: message text, search queries, or the text of an exception."""

from __future__ import annotations

import logging
from typing import Any

import pytest

SENTENCE = "Our patient Hildegard Obermeyer has a suspicious lesion in segment VII of the liver"


def test_no_message_text_in_logs(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        r = client.post(
            "/v1/chat/completions", json={"model": "clinadvisor", "messages": [{"role": "user", "content": SENTENCE}]}
        )
        assert r.status_code == 200
        client.post(
            "/v1/chat/completions",
            json={"model": "clinadvisor", "stream": True, "messages": [{"role": "user", "content": SENTENCE}]},
        )
        client.get("/v1/search", params={"q": SENTENCE})
        client.post("/v1/feedback", json={"response_id": "x", "rating": "up", "comment": SENTENCE})
        client.post("/v1/chat/completions", json={"model": "clinadvisor", "messages": SENTENCE})  # invalid
    # the test's own HTTP client logs the URLs it calls: only the server's records count
    server = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "POST /v1/chat/completions 200" in server  # the access log ran...
    assert "Obermeyer" not in server  # ...and holds no user text
    assert "segment VII" not in server
