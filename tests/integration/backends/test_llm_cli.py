"""``clinadvisor llm status|prepare|ask`` with real backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from serving.backends.weights import SMOLLM2_135M
from serving.cli import cli
from tests.fixtures.llama_server import LlamaServer

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINADVISOR_HOME", str(tmp_path))
    monkeypatch.setenv("CLINADVISOR_EMBEDDED_MODEL", "smollm2-135m")
    monkeypatch.setenv("CLINADVISOR_LLM_RETRIES", "0")
    monkeypatch.setenv("CLINADVISOR_EMBEDDED_THREADS", "1")  # robust on a busy machine
    return tmp_path


def test_status_of_the_embedded_backend_reports_the_verified_model(env: Path) -> None:
    result = CliRunner().invoke(cli, ["llm", "status", "--json", "--verify", "--check"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["backend"] == "embedded"
    assert info["available"] is True
    assert info["sha256"] == SMOLLM2_135M.sha256
    assert info["sha256_verified"] is True
    assert info["check_reply"]


def test_status_of_an_unreachable_server_exits_1_with_the_reason(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINADVISOR_LLM_URL", "http://127.0.0.1:9/v1")
    result = CliRunner().invoke(cli, ["llm", "status", "--backend", "openai"])
    assert result.exit_code == 1
    assert "available: False" in result.output
    assert "unreachable" in result.output


def test_status_and_ask_against_the_server(env: Path, llama_server_env: LlamaServer) -> None:
    status = CliRunner().invoke(cli, ["llm", "status", "--json"])
    assert status.exit_code == 0, status.output
    info = json.loads(status.output)
    assert (info["backend"], info["model"], info["url"]) == ("openai", "smollm2", llama_server_env.url)
    ask = CliRunner().invoke(cli, ["llm", "ask", "Name a colour.", "--max-tokens", "8"])
    assert ask.exit_code == 0, ask.output
    assert ask.output.strip()


def test_ask_without_an_llm_says_so_and_exits_1(env: Path) -> None:
    result = CliRunner().invoke(cli, ["llm", "ask", "--backend", "none", "hello"])
    assert result.exit_code == 1
    assert "no LLM backend configured" in result.output


def test_prepare_reports_the_verified_weights(env: Path) -> None:
    result = CliRunner().invoke(cli, ["llm", "prepare"])
    assert result.exit_code == 0, result.output
    assert "SmolLM2" in result.output
    assert "sha256 verified" in result.output
