"""The real server: ``clinadvisor serve`` under uvicorn in a subprocess, on a free loopback port.

``api_server`` (session) is the shared one: API keys on, rate limit off, no LLM (``none``), data in a
temporary folder, debug logging to a file the tests read. ``start_server`` starts others with other settings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.processes import free_port, stop

KEY = "it-key-0123456789"
OTHER_KEY = "it-key-other"
ORIGIN = "https://portal.hospital.example"
START_TIMEOUT_S = 60.0


@dataclass
class Server:
    """A running server: its base URL (no /v1), process, data folder and log file."""

    url: str
    process: subprocess.Popen[bytes]
    home: Path
    log: Path

    @property
    def v1(self) -> str:
        """The OpenAI base URL."""
        return self.url + "/v1"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the process (SIGKILL for a crash) and wait for it."""
        stop(self.process, sig)


def clinadvisor_command() -> list[str]:
    """The installed console script, or the same entry point through this Python."""
    script = Path(sys.executable).parent / "clinadvisor"
    if script.exists():
        return [str(script)]
    found = shutil.which("clinadvisor")
    return [found] if found else [sys.executable, "-c", "from serving.cli import main; main()"]


def base_env(home: Path) -> dict[str, str]:
    """The environment of a test server: no LLM, no index build, data in ``home``; our variables reset."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINADVISOR_")}
    env.update(
        CLINADVISOR_HOME=str(home),
        CLINADVISOR_BACKEND="none",
        CLINADVISOR_BUILD_INDEX_ON_START="false",
        HF_HUB_OFFLINE="1",
    )
    return env


def start_server(
    home: Path, env: Mapping[str, str] | None = None, args: list[str] | None = None, host: str = "127.0.0.1"
) -> Server:
    """Start ``clinadvisor serve`` and wait until /healthz answers."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home / "server.log"
    cmd = [*clinadvisor_command(), "serve", "--host", host, "--port", str(port), *(args or [])]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**base_env(home), **(env or {})})
    server = Server(f"http://127.0.0.1:{port}", process, home, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared server: keys required, rate limit off, CORS for one origin, debug logs."""
    env = {
        "CLINADVISOR_API_KEYS": f"{KEY},{OTHER_KEY}",
        "CLINADVISOR_RATE_LIMIT": "0",
        "CLINADVISOR_CORS_ORIGINS": ORIGIN,
    }
    server = start_server(tmp_path_factory.mktemp("api_home"), env, ["--log-level", "debug", "--no-ui"])
    yield server
    server.stop()


@pytest.fixture
def auth() -> dict[str, str]:
    """The header of a valid key."""
    return {"Authorization": f"Bearer {KEY}"}
