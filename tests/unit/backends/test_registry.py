"""Choosing a backend by name or setting, and degrading to ``none`` with a notice when one cannot start."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import InvalidInput
from assistant.llm import BackendUnavailable
from serving.backends import create_backend, get_backend, load_backend
from serving.backends.openai_backend import OpenAIBackend
from serving.settings import Settings
from tests.unit.backends.fake_openai import FakeOpenAI, serve


def settings(tmp_path: Path, **kw: Any) -> Settings:
    """Settings in a temporary home, with no retries so failures are quick."""
    return Settings(home=tmp_path, llm_retries=0, **kw)


def test_unknown_name_is_invalid_input_listing_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="embedded, openai, none"):
        get_backend("gpt", settings(tmp_path))


def test_none_by_setting_and_by_name(tmp_path: Path) -> None:
    assert get_backend(None, settings(tmp_path, backend="none")).name == "none"
    loaded = load_backend("NONE", settings(tmp_path, backend="openai"))
    assert (loaded.backend.name, loaded.degraded, loaded.notices) == ("none", False, [])


def test_openai_without_url_degrades_with_a_notice_naming_the_setting(tmp_path: Path) -> None:
    loaded = load_backend("openai", settings(tmp_path))
    assert loaded.backend.name == "none"
    assert loaded.degraded
    assert "CLINADVISOR_LLM_URL" in loaded.notices[0]
    with pytest.raises(BackendUnavailable, match="CLINADVISOR_LLM_URL"):
        loaded.backend.complete([{"role": "user", "content": "x"}])


def test_openai_server_down_degrades_and_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    s = settings(tmp_path, llm_url="http://127.0.0.1:9/v1")
    with caplog.at_level(logging.WARNING):
        backend = get_backend("openai", s)
    assert backend.name == "none"
    assert "unreachable" in caplog.text
    with pytest.raises(BackendUnavailable, match="unreachable"):
        create_backend("openai", s)


def test_openai_up_is_probed_and_checks_the_configured_model(tmp_path: Path) -> None:
    with serve(FakeOpenAI(models=("served",))) as fake:
        ok = load_backend(None, settings(tmp_path, backend="openai", llm_url=fake.url))
        assert isinstance(ok.backend, OpenAIBackend)
        assert ok.backend.model == "served"
        wrong = load_backend("openai", settings(tmp_path, llm_url=fake.url, llm_model="other"))
        assert wrong.backend.name == "none"
        assert "CLINADVISOR_LLM_MODEL=other is not served" in wrong.notices[0]
        unprobed = load_backend("openai", settings(tmp_path, llm_url="http://127.0.0.1:9/v1"), probe=False)
        assert unprobed.backend.name == "openai"  # calls will fail until the server is up


def test_embedded_without_llama_cpp_degrades_naming_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    loaded = load_backend("embedded", settings(tmp_path))
    assert loaded.backend.name == "none"
    assert "llama-cpp-python" in loaded.notices[0]
    assert "[llm]" in loaded.notices[0]
    assert not (tmp_path / "models").exists()  # nothing joined for a backend that cannot run


def test_embedded_with_missing_weights_degrades(tmp_path: Path) -> None:
    loaded = load_backend("embedded", settings(tmp_path, embedded_model_path=tmp_path / "nope.gguf"))
    assert loaded.backend.name == "none"
    assert "nope.gguf" in loaded.notices[0]


def test_loading_a_backend_sets_the_extraction_time_budget_from_the_settings(tmp_path: Path) -> None:
    from assistant.extraction import set_time_budget, time_budget
    from serving.settings import Settings

    try:
        load_backend("none", Settings(home=tmp_path, extraction_budget_s=7.5))
        assert time_budget() == 7.5
        load_backend("none", Settings(home=tmp_path, extraction_budget_s=0))
        assert time_budget() is None  # 0: no limit
    finally:
        set_time_budget(20.0)
