"""``clinadvisor chat`` in-process (stdin not a TTY) and the ``serve`` command's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from serving.cli import cli


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINADVISOR_HOME", str(tmp_path))
    monkeypatch.setenv("CLINADVISOR_BACKEND", "none")


def test_chat_reads_turns_from_a_pipe() -> None:
    lines = "I'm a radiologist and want to draft CT reports\n\n/reset\nstage III\n/quit\nnever read\n"
    out = CliRunner().invoke(cli, ["chat", "--no-index"], input=lines)
    assert out.exit_code == 0, out.output
    assert "Stage II" in out.output  # the first turn was understood...
    assert "Stage III" in out.output  # ...and, after /reset, the second on its own
    assert "you>" not in out.output  # no prompt when stdin is not a terminal
    assert out.output.count("Technical guidance only") == 2  # two replies, then /quit


def test_serve_help_and_bad_backend() -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["serve", "--help"])
    assert out.exit_code == 0 and "--host" in out.output and "127.0.0.1" in out.output and "8000" in out.output
    out = runner.invoke(cli, ["serve", "--backend", "gpt"])
    assert out.exit_code == 2 and "embedded" in out.output


def test_serve_refuses_a_missing_keys_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINADVISOR_API_KEYS_FILE", str(tmp_path / "no-such-file"))
    out = CliRunner().invoke(cli, ["serve", "--no-ui", "--port", "1"])
    assert out.exit_code == 2 and "no-such-file" in out.output


def test_serve_says_when_its_port_is_taken() -> None:
    # trying a second `make start` while the first server still ran: uvicorn exited 3 with no reason shown
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        out = CliRunner().invoke(cli, ["serve", "--no-ui", "--port", str(port)])
    assert out.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in out.output and "--port" in out.output
