"""An embedded server reads its fixed extraction prompt at start, so the first user's message is read by the
model within the request's time budget instead of falling back to the rules."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from assistant.extraction import NOTICE_SLOW
from tests.integration.serving.conftest import start_server

pytestmark = pytest.mark.integration

WARM_TIMEOUT_S = 300.0


@pytest.mark.slow
def test_the_first_message_after_start_is_read_by_the_warm_model(smollm2_gguf: Path, tmp_path: Path) -> None:
    env = {
        "CLINADVISOR_BACKEND": "embedded",
        "CLINADVISOR_EMBEDDED_MODEL_PATH": str(smollm2_gguf),
        "CLINADVISOR_EMBEDDED_THREADS": "1",
        "CLINADVISOR_EXTRACTION_BUDGET_S": "30",
    }
    server = start_server(tmp_path, env, ["--no-ui"])
    try:
        assert httpx.get(server.url + "/healthz").json()["backend"]["name"] == "embedded"
        deadline = time.monotonic() + WARM_TIMEOUT_S
        while not httpx.get(server.url + "/healthz").json()["backend"]["warm"]:
            assert time.monotonic() < deadline, "the model did not warm up"
            time.sleep(0.5)
        body = {
            "model": "clinadvisor",
            "messages": [{"role": "user", "content": "We want discharge letters drafted; no cloud."}],
        }
        reply = httpx.post(server.v1 + "/chat/completions", json=body, timeout=600).json()
        slow = NOTICE_SLOW.split("{")[0]
        assert not any(slow in notice for notice in reply["clinadvisor"]["notices"]), reply["clinadvisor"]["notices"]
        assert reply["clinadvisor"]["stage"] == "V"
    finally:
        server.stop()
