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
    llm_retries: int = Field(2, description="Retries of an LLM call on connection errors, timeouts, 5xx and 429.")
    llm_backoff: float = Field(0.5, description="Seconds before the first retry; doubled for each further one.")
    extraction_budget_s: float = Field(
        20.0,
        ge=0,
        description="Seconds one request may spend on the language model reading the user's messages; after that "
        "the rule-based reader answers, with a notice (0: no limit).",
    )
    embedded_model: str = Field(
        "qwen2.5-coder-1.5b", description="Packaged model of the embedded backend: qwen2.5-coder-1.5b | smollm2-135m."
    )
    embedded_model_path: Path | None = Field(None, description="Your own GGUF file; overrides the packaged model.")
    embedded_model_sha256: str | None = Field(None, description="Expected sha256 of embedded_model_path (checked).")
    embedded_hf_repo: str | None = Field(
        None, description="Opt-in: a Hugging Face repo to download the GGUF from (needs internet, no HF_HUB_OFFLINE)."
    )
    embedded_hf_file: str | None = Field(None, description="The GGUF file name inside embedded_hf_repo.")
    embedded_n_ctx: int = Field(4096, description="Context window of the embedded model, in tokens.")
    embedded_threads: int | None = Field(None, description="CPU threads of the embedded model; default: all cores.")
    embedded_cache_mb: int = Field(512, description="RAM for cached prompt prefixes (KV states) of the embedded model.")
    embedded_choice_decoding: bool = Field(
        True, description="Write small JSON replies from their schema, asking the model only at choices (faster)."
    )
    chroma_url: str | None = Field(
        None, description="A Chroma server URL; embedded Chroma in the data folder if unset."
    )
    search_max_per_doc: int = Field(
        3, description="At most this many passages per document in search results (0: no cap)."
    )
    # HTTP server (serving.app). Keys are plain strings here: pydantic-settings would parse a list as JSON.
    api_keys: str | None = Field(None, description="API keys accepted by the HTTP API, comma-separated.")
    api_keys_file: Path | None = Field(None, description="A file of API keys, one per line (# comments allowed).")
    rate_limit: int = Field(120, description="Requests per minute per API key (or per client IP); 0 disables.")
    max_request_bytes: int = Field(1_048_576, description="Largest request body accepted, in bytes.")
    max_message_chars: int = Field(
        12_000,
        description="Longest user or assistant message accepted by the chat, in characters (400 above; 0: no cap).",
    )
    cors_origins: str | None = Field(None, description="Origins allowed by CORS, comma-separated; * for any.")
    session_secret: str | None = Field(
        None,
        description="Secret that signs the page's log-in sessions and the chat's response ids; default: random at "
        "each start (log-ins end with a restart). Give replicas the same value.",
    )
    session_hours: float = Field(12.0, description="How long a log-in to the chat page lasts, in hours.")
    login_attempts: int = Field(
        10, description="Log-in attempts a minute per client address on the page (0: no limit)."
    )
    api_docs: bool = Field(True, description="Serve the API's browser view at /docs (from local files, no CDN).")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the audit and feedback store; default: SQLite in the data folder."
    )
    audit_messages: bool = Field(False, description="Also store the conversation text in the audit log.")
    audit_sync_full: bool = Field(
        False, description="SQLite audit store: fsync every write (survives power loss, not only a killed process)."
    )
    build_index_on_start: bool = Field(True, description="Build the shipped search index on first start if absent.")
    # The browser page (ui.app), mounted at / by `clinadvisor serve`.
    ui_users: str | None = Field(
        None, description="Log-in for the browser page: user:password pairs, comma-separated; open if unset."
    )
    ui_api_key: str | None = Field(
        None, description="Key the page sends to /v1 (must be an accepted API key); default: the first API key."
    )
    ui_api_url: str | None = Field(
        None, description="Server the page talks to; default: the server that serves the page."
    )


def load_settings() -> Settings:
    """Settings from the environment."""
    return Settings()
