"""Property-based fuzzing of our OpenAPI document with schemathesis: no input makes the server fail (5xx)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.serving.conftest import KEY, Server

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
