"""Pick and start the LLM backend that the settings (or a ``--backend`` flag) name, degrading to ``none``.

``get_backend`` is what the product calls: it always returns a working ChatBackend, the ``none`` backend
when the asked one cannot start (package or weights missing, server down), and logs why.
``load_backend`` returns the same together with the notices to show users; ``create_backend`` is the
strict form that raises BackendUnavailable instead of degrading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from assistant.errors import InvalidInput
from assistant.extraction import set_time_budget
from assistant.llm import BackendUnavailable, ChatBackend
from serving.settings import Settings

log = logging.getLogger(__name__)

BACKENDS = ("embedded", "openai", "none")


@dataclass
class LoadedBackend:
    """The backend in use, the one that was asked for, and what users should be told about the difference."""

    backend: ChatBackend
    requested: str
    notices: list[str] = field(default_factory=list)

    @property
    def degraded(self) -> bool:
        """True when the asked-for backend could not start and ``none`` stands in for it."""
        return self.backend.name != self.requested


def backend_name(name: str | None, settings: Settings) -> str:
    """The backend's name: ``name`` if given, else CLINADVISOR_BACKEND; InvalidInput if it is not known."""
    chosen = (name or settings.backend or "embedded").strip().lower()
    if chosen not in BACKENDS:
        raise InvalidInput(f"unknown LLM backend {chosen!r}", param="backend", value=chosen, valid=BACKENDS)
    return chosen


def create_backend(name: str | None, settings: Settings, *, probe: bool = True) -> ChatBackend:
    """Start the named backend or raise BackendUnavailable saying why (``probe``: ask the server for its models)."""
    chosen = backend_name(name, settings)
    if chosen == "none":
        from serving.backends.none_backend import NoneBackend

        return NoneBackend()
    if chosen == "openai":
        return _openai(settings, probe=probe)
    return _embedded(settings)


def load_backend(name: str | None, settings: Settings, *, probe: bool = True) -> LoadedBackend:
    """The named backend, or ``none`` with a notice when it cannot start; never raises for unavailability.

    It also sets the extraction's time budget from the settings (every command and the server start here).
    """
    chosen = backend_name(name, settings)
    set_time_budget(settings.extraction_budget_s or None)
    try:
        return LoadedBackend(create_backend(chosen, settings, probe=probe), chosen)
    except BackendUnavailable as exc:
        from serving.backends.none_backend import NoneBackend

        notice = f"the {chosen} LLM backend is unavailable ({exc}); answering without an LLM"
        return LoadedBackend(NoneBackend(reason=str(exc)), chosen, [notice])


def get_backend(name: str | None, settings: Settings) -> ChatBackend:
    """A working backend for ``name`` (None: CLINADVISOR_BACKEND), ``none`` if it cannot start (logged)."""
    loaded = load_backend(name, settings)
    for notice in loaded.notices:
        log.warning(notice)
    return loaded.backend


def _openai(settings: Settings, *, probe: bool) -> ChatBackend:
    if not settings.llm_url:
        raise BackendUnavailable("the openai backend needs CLINADVISOR_LLM_URL (the server's base URL, with /v1)")
    try:
        from serving.backends.openai_backend import OpenAIBackend
    except ImportError as exc:
        raise BackendUnavailable(f"the openai backend needs httpx ({exc}); pip install -e '.[llm]'") from None
    backend = OpenAIBackend(
        settings.llm_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
        retries=settings.llm_retries,
        backoff=settings.llm_backoff,
    )
    if probe:
        try:
            models = backend.list_models()
        except BackendUnavailable:
            backend.close()
            raise
        if settings.llm_model and settings.llm_model not in models:
            backend.close()
            raise BackendUnavailable(
                f"CLINADVISOR_LLM_MODEL={settings.llm_model} is not served at {settings.llm_url}; "
                f"it serves: {', '.join(models)}"
            )
    return backend


def _embedded(settings: Settings) -> ChatBackend:
    try:
        from serving.backends.embedded import EmbeddedBackend, require_llama_cpp
        from serving.backends.weights import resolve_weights
    except ImportError as exc:  # jsonschema, part of the [llm] extra like llama-cpp-python
        raise BackendUnavailable(
            f"the embedded backend needs the [llm] extra ({exc}); pip install -e '.[llm]'"
        ) from None
    require_llama_cpp()  # before joining a gigabyte of weights that could not be used
    weights = resolve_weights(settings)
    return EmbeddedBackend(
        weights,
        n_ctx=settings.embedded_n_ctx,
        threads=settings.embedded_threads,
        cache_mb=settings.embedded_cache_mb,
        choice_decoding=settings.embedded_choice_decoding,
    )
