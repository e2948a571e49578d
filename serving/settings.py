"""Settings: environment variables prefixed ``CLINADVISOR_``, each described (pydantic-settings)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    """The data folder under the user's data directory (never inside the repository)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "clinadvisor"


class Settings(BaseSettings):
    """Every option of the product; read from the environment (prefix CLINADVISOR_)."""

    model_config = SettingsConfigDict(env_prefix="CLINADVISOR_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Data folder: users' documents, index, model files.")
    backend: str = Field("embedded", description="LLM backend: embedded | openai | none.")
    llm_url: str | None = Field(None, description="OpenAI-compatible server base URL, including /v1.")
    llm_model: str | None = Field(None, description="Model name on that server; default: the first it lists.")
    llm_api_key: str | None = Field(None, description="API key for that server.")
    llm_timeout: float = Field(60.0, description="Seconds to wait for one LLM call.")
    chroma_url: str | None = Field(
        None, description="A Chroma server URL; embedded Chroma in the data folder if unset."
    )


def load_settings() -> Settings:
    """Settings from the environment."""
    return Settings()
