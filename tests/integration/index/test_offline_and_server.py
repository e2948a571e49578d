"""The index works offline (no connection leaves the machine), and against a Chroma server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.documents import DocumentStore, file_sha256
from corpus.loaders.sidecar import Metadata
from index.build import open_index, user_sources
from serving.cli import cli
from serving.settings import Settings
from tests.fixtures.processes import free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]

# Installed by sitecustomize in the child process: any connection that is not to loopback is logged and refused.
GUARD = """
import os, socket
_LOG = os.environ["NET_GUARD_LOG"]
_connect = socket.socket.connect
def _guarded(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        with open(_LOG, "a") as fh:
            fh.write(f"{host}\\n")
        raise OSError(f"network access blocked in test: {address}")
    return _connect(self, address)
socket.socket.connect = _guarded
socket.socket.connect_ex = lambda self, address: _guarded(self, address) or 0
_getaddrinfo = socket.getaddrinfo
def _resolve(host, *args, **kwargs):
    if host not in (None, "127.0.0.1", "::1", "localhost"):
        with open(_LOG, "a") as fh:
            fh.write(f"dns {host}\\n")
        raise socket.gaierror(f"name resolution blocked in test: {host}")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _resolve
"""


def test_search_runs_offline_with_the_packaged_model(shared_home: Path, tmp_path: Path) -> None:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(textwrap.dedent(GUARD), encoding="utf-8")
    log = tmp_path / "net.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "CLINADVISOR_"))}
    env |= {
        "PYTHONPATH": os.pathsep.join([str(guard_dir), str(REPO)]),
        "NET_GUARD_LOG": str(log),
        "CLINADVISOR_HOME": str(shared_home),
        "HF_HOME": str(tmp_path / "empty-hf-cache"),  # nothing cached: the model must come from the package
    }
    code = "import sys; from serving.cli import main; sys.argv[0] = 'clinadvisor'; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "search", "QLoRA on a single GPU", "--json", "--k", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(json.loads(proc.stdout)["hits"]) == 3
    assert not log.exists(), log.read_text()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A Chroma server (``chroma run``) on loopback, with its data in tmp_path."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert exe, "chromadb's 'chroma' command is missing"
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_chroma_server_mode(
    chroma_server: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home, chroma_url=chroma_server)
    store = DocumentStore(home)
    for name in ("002_fc9998d0b36c784f.txt", "004_e07c57b3222e2c71.txt"):
        path = seeds_dir / name
        store.put(path, str(path), file_sha256(path), Metadata())
    index = open_index(settings)
    counts = index.sync(user_sources(store), progress=False)
    assert counts["added"] == 2 and counts["chunks_added"] > 0
    assert not (home / "index" / "chroma").exists()  # nothing persisted locally: the server holds the vectors
    hits = index.search("physician letters radiation oncology", 3)
    assert hits[0].source == "004_e07c57b3222e2c71.txt"

    monkeypatch.setenv("CLINADVISOR_HOME", str(home))
    monkeypatch.setenv("CLINADVISOR_CHROMA_URL", chroma_server)
    status = CliRunner().invoke(cli, ["index", "status", "--json"])
    assert status.exit_code == 0, status.output
    info = json.loads(status.stdout)
    assert info["location"] == chroma_server and info["by_kind"]["user"]["documents"] == 2
