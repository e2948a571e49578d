"""The HTTP application: ``create_app(settings)`` wires the catalog, LLM backend, index, store and routes.

One process serves the OpenAI-compatible endpoint, the REST API, health and metrics, and (when the ``ui``
package is importable) the browser chat page at ``/``. Middleware, outermost first: observation (metrics,
access log, last-resort 500), security headers, CORS (or, without configured origins, the refusal of
preflights to the API), the page's door (log-in; ``serving.api.door``), request size and text limits;
then routes, whose errors all pass through ``serving.api.errors.error_payload``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Match

from assistant.catalog import Catalog
from assistant.evidence import Retriever
from assistant.llm import ChatBackend
from assistant.stage_examples import use_embedder
from corpus.catalog import load_catalog
from index.embeddings import embed_query_if_loaded
from serving.api import chat, ops, rest, sizing
from serving.api.auth import KeyChecker, load_keys
from serving.api.docs import add_docs
from serving.api.door import Door, DoorMiddleware, door_router, parse_users
from serving.api.errors import APIError, install_error_handlers
from serving.api.headers import ApiPreflight, SecurityHeaders
from serving.api.limits import BodySizeLimit, RateLimiter
from serving.api.metrics import Metrics, ObserveMiddleware
from serving.api.ops import app_version
from serving.api.state import AppState, BackendHolder, Dialogue, IndexHolder
from serving.api.tokens import Signer
from serving.audit import AuditStore
from serving.settings import Settings

log = logging.getLogger("clinadvisor.api")

DESCRIPTION = """\
An OpenAI-compatible chat endpoint (model `clinadvisor`) and a REST API that recommend, size and justify
an LLM for a clinical task. Technical guidance only, not medical advice.

Extensions to the OpenAI protocol: the reply's top-level `clinadvisor` object (`reply/1`: stage, answers,
missing questions, recommendation, citations, notices), the request's `clinadvisor` object (`{stage,
answers}` clicked in a UI; they override extracted answers) and `POST /v1/feedback`.
Errors: `{"error": {"message", "type", "param", "code"}}`.
"""
WORKER_THREADS = 100  # blocking LLM calls and streams run in threads; anyio's default of 40 is tight


def create_app(
    settings: Settings,
    *,
    backend: ChatBackend | None = None,
    retriever: Retriever | None = None,
    dialogue: Dialogue | None = None,
    catalog: Catalog | None = None,
    mount_ui: bool = True,
    start_index: bool = True,
) -> FastAPI:
    """The application. ``backend``/``retriever``/``dialogue`` replace the configured ones (tests, embedding)."""
    metrics = Metrics()
    index = IndexHolder()
    if retriever is not None:
        index.status, index.retriever = "ready", retriever
    elif not start_index:
        index.status, index.detail = "disabled", "the search index was not started"
    signer = Signer.from_setting(settings.session_secret)
    users = parse_users(settings.ui_users)
    keys = KeyChecker(load_keys(settings), signer, users)
    state = AppState(
        settings=settings,
        catalog=catalog or load_catalog(),
        backend=BackendHolder(settings, backend=backend, metrics=metrics),
        index=index,
        store=AuditStore.from_settings(settings),
        metrics=metrics,
        keys=keys,
        limiter=RateLimiter(settings.rate_limit),
        dialogue=dialogue or Dialogue(),
        tokens=signer,
    )
    door = Door(keys, users, signer, session_hours=settings.session_hours, attempts_per_minute=settings.login_attempts)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        # the stage examples' vote uses the embedding model once the search index has loaded it
        use_embedder(embed_query_if_loaded)
        # start the LLM backend now (loading a model or probing a server), not on the first chat turn
        await anyio.to_thread.run_sync(state.backend.get)
        if backend is None:  # an injected backend (tests, embedding) is the caller's to prepare
            state.backend.start_warm_up()
        if index.status == "starting":
            index.start(settings)
        yield
        use_embedder(None)
        state.store.close()

    app = FastAPI(
        title="Clinical LLM Advisor",
        version=app_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own /docs loads Swagger UI from a CDN; serving.api.docs serves local files
        redoc_url=None,
    )
    app.state.clinadvisor = state
    install_error_handlers(app)
    app.include_router(chat.router)
    app.include_router(rest.router)
    app.include_router(sizing.router)
    app.include_router(ops.router)
    _add_v1_fallback(app)
    if settings.api_docs:
        add_docs(app)
    page = mount_ui and _mount_ui(app, settings, door)
    # added last = outermost
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    if page:
        app.add_middleware(DoorMiddleware, door=door)  # open without keys or users; uploads are off either way
        if not door.enabled:
            log.info("the chat page needs no log-in: no API keys or page users are configured")
    origins = [o.strip() for o in (settings.cors_origins or "").split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )
    else:
        app.add_middleware(ApiPreflight)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    if keys_count := len(load_keys(settings)):
        log.info("API keys required (%d configured)", keys_count)
    return app


def _add_v1_fallback(app: FastAPI) -> None:
    """Unknown ``/v1`` paths answer an OpenAI-shaped 404 (or 405) even when the UI is mounted at ``/``."""

    async def not_found(request: Request, path: str) -> None:
        for route in app.router.routes:
            if route is not fallback and route.matches(request.scope)[0] == Match.PARTIAL:
                raise APIError(405, "method not allowed on this route")
        raise APIError(404, f"not found: no route /v1/{path}")

    app.add_api_route(
        "/v1/{path:path}",
        not_found,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    fallback = app.router.routes[-1]


def _mount_ui(app: FastAPI, settings: Settings, door: Door) -> bool:
    """Mount the browser chat page at ``/`` when ``ui.app`` provides ``mount(app, settings)``; whether it did.

    With a log-in configured, ``/login`` and ``/logout`` come first, so that they answer before the page."""
    try:
        ui: Any = importlib.import_module("ui.app")
    except ImportError:
        log.info("no browser UI in this build (ui.app is not importable)")
        return False
    mount = getattr(ui, "mount", None)
    if mount is None:
        log.warning("ui.app has no mount(app, settings); the browser UI is not served")
        return False
    if door.enabled:
        app.include_router(door_router(door))
    mount(app, settings)
    return True
