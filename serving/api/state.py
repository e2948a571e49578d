"""What the routes share: settings, catalog, the LLM backend, the search index, the store, metrics, limits.

The backend and the index are held by small holders because either may be missing: a backend that did
not start is retried now and then (the chat answers without an LLM meanwhile); the index is built in the
background on first start, and search answers 503 until it is ready.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond, respond_stream
from assistant.evidence import Retriever
from assistant.extraction import warm_up
from assistant.llm import BackendUnavailable, ChatBackend, Message
from serving.api.auth import KeyChecker
from serving.api.limits import RateLimiter
from serving.api.metrics import Metrics
from serving.api.tokens import Signer
from serving.audit import AuditStore
from serving.settings import Settings

log = logging.getLogger("clinadvisor.api")


@dataclass(frozen=True)
class Dialogue:
    """The conversation engine's two entry points (``assistant.dialogue``; tests put fakes in their place)."""

    respond: Callable[..., Reply] = respond
    respond_stream: Callable[..., Iterator[str | Reply]] = respond_stream


class TimedBackend:
    """A ChatBackend that records the time spent inside each call of the wrapped one (for /metrics)."""

    def __init__(self, backend: ChatBackend, metrics: Metrics) -> None:
        self.inner = backend
        self._metrics = metrics

    @property
    def name(self) -> str:
        """The wrapped backend's name."""
        return self.inner.name

    def __getattr__(self, attr: str) -> Any:
        # list_models, model, close...: whatever else the wrapped backend offers
        return getattr(self.inner, attr)

    def _observe(self, call: str, seconds: float) -> None:
        self._metrics.llm_seconds.labels(self.inner.name, call).observe(seconds)

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The wrapped ``complete``, timed."""
        start = time.perf_counter()
        try:
            return self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature)
        finally:
            self._observe("complete", time.perf_counter() - start)

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """The wrapped ``complete_json``, timed."""
        start = time.perf_counter()
        try:
            return self.inner.complete_json(messages, schema, max_tokens=max_tokens)
        finally:
            self._observe("complete_json", time.perf_counter() - start)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """The wrapped ``stream``; only the time spent waiting for pieces counts, not the caller's."""
        start = time.perf_counter()
        spent = 0.0
        try:
            pieces = self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)
            spent += time.perf_counter() - start
            while True:
                start = time.perf_counter()
                try:
                    piece = next(pieces)
                except StopIteration:
                    return
                finally:
                    spent += time.perf_counter() - start
                yield piece
        finally:
            self._observe("stream", spent)


class BackendHolder:
    """The LLM backend in use; when the configured one is down, ``none`` stands in and a retry is due later."""

    RETRY_SECONDS = 30.0
    PROBE_SECONDS = 15.0

    def __init__(
        self,
        settings: Settings,
        name: str | None = None,
        backend: ChatBackend | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._lock = threading.Lock()
        self._tried_at = 0.0
        self._probed: tuple[float, bool] = (0.0, False)
        self.notices: list[str] = []
        self.warm = False  # a local model has read its first message (its fixed prompt is evaluated)
        if backend is not None:
            self.requested = backend.name
            self._backend: ChatBackend | None = self._timed(backend)
        else:
            from serving.backends.registry import backend_name

            self.requested = backend_name(name, settings)
            self._backend = None

    def get(self) -> ChatBackend:
        """The backend to use now (starting or retrying the configured one when due)."""
        with self._lock:
            due = time.monotonic() - self._tried_at >= self.RETRY_SECONDS
            if self._backend is None or (self.degraded and due):
                self._load()
            assert self._backend is not None
            return self._backend

    def _load(self) -> None:
        from serving.backends.registry import load_backend

        self._tried_at = time.monotonic()
        loaded = load_backend(self.requested, self._settings)
        self._backend = self._timed(loaded.backend)
        self.notices = list(loaded.notices)

    def start_warm_up(self) -> None:
        """Have a local model read a first message in the background (see ``assistant.extraction.warm_up``);
        ``warm`` tells when it is done. A server backend keeps its own prefix cache and is not warmed."""
        if self.requested != "embedded":
            return

        def run() -> None:
            backend = self.get()
            if backend.name == "embedded":
                started = time.perf_counter()
                self.warm = warm_up(backend)
                log.info("embedded model warmed up in %.1f s (ok=%s)", time.perf_counter() - started, self.warm)

        threading.Thread(target=run, name="llm-warm-up", daemon=True).start()

    def _timed(self, backend: ChatBackend) -> ChatBackend:
        return TimedBackend(backend, self._metrics) if self._metrics is not None else backend

    @property
    def degraded(self) -> bool:
        """True when ``none`` stands in for the configured backend."""
        return self._backend is not None and self._backend.name != self.requested

    @property
    def name(self) -> str:
        """The name of the backend in use (the configured one before the first use)."""
        return self._backend.name if self._backend is not None else self.requested

    def reachable(self) -> bool:
        """Whether the configured backend answers now (a server is asked at most every 15 s)."""
        backend = self.get()
        if backend.name != self.requested:
            return False
        list_models: Callable[[], Any] | None = getattr(backend, "list_models", None)
        if list_models is None:
            return True
        at, ok = self._probed
        if time.monotonic() - at < self.PROBE_SECONDS:
            return ok
        try:
            list_models()
            ok = True
        except BackendUnavailable:
            ok = False
        self._probed = (time.monotonic(), ok)
        return ok


@dataclass
class IndexHolder:
    """The search index: ``status`` is "disabled", "starting", "building", "ready" or "unavailable"."""

    status: str = "starting"
    detail: str | None = None
    retriever: Retriever | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self, settings: Settings, background: bool = True) -> None:
        """Open (and on first start build) the shipped index, in a background thread by default."""
        if background:
            self._thread = threading.Thread(target=self._open, args=(settings,), name="index-build", daemon=True)
            self._thread.start()
        else:
            self._open(settings)

    def _open(self, settings: Settings) -> None:
        try:
            from index.build import ensure_index, open_index
        except ImportError as exc:
            self.status, self.detail = "unavailable", f"the search index needs the [rag] extra ({exc.name} missing)"
            log.warning("search index unavailable: %s", self.detail)
            return
        try:
            if settings.build_index_on_start:
                self.status = "building"
                self.retriever = ensure_index(settings, progress=False)
            else:
                self.retriever = open_index(settings)
            # load the embedding model now, in this background thread: else the first user's question waits
            # seconds for it
            self.retriever.search("warm-up", k=1)
            self.status, self.detail = "ready", None
        except Exception as exc:  # any failure leaves the API up; search answers 503 with the reason
            self.status, self.detail = "unavailable", f"{type(exc).__name__}: {exc}"
            log.warning("search index unavailable: %s", self.detail)

    def notice(self) -> str | None:
        """What to tell a chat user when answers cannot cite sources."""
        if self.status == "ready":
            return None
        if self.status in ("starting", "building"):
            return "the search index is still being built; this answer cites no sources"
        return "the search index is unavailable; this answer cites no sources"


@dataclass
class AppState:
    """Everything the routes use, stored on ``app.state.clinadvisor``."""

    settings: Settings
    catalog: Catalog
    backend: BackendHolder
    index: IndexHolder
    store: AuditStore
    metrics: Metrics
    keys: KeyChecker
    limiter: RateLimiter
    dialogue: Dialogue
    started: float = field(default_factory=time.time)
    tokens: Signer = field(default_factory=lambda: Signer.from_setting(None))  # page sessions, response ids
