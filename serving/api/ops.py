"""Operations: ``/healthz`` (open) and ``/metrics`` (Prometheus; needs a key when keys are set)."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from serving.api.deps import Authorized, State
from serving.api.metrics import CONTENT_TYPE

router = APIRouter(tags=["Operations"])


def app_version() -> str:
    """The installed package's version (the source tree's when not installed)."""
    try:
        return package_version("clinical-llm-advisor")
    except PackageNotFoundError:
        from assistant import __version__

        return __version__


@router.get("/healthz", response_model=None)
async def healthz(state: State) -> dict[str, Any]:
    """Liveness and what works: catalog, LLM backend (and whether it answers), search index, store."""
    reachable = await run_in_threadpool(state.backend.reachable)
    store_ok = await run_in_threadpool(state.store.ping)
    ok = reachable and state.index.status == "ready" and store_ok
    return {
        "status": "ok" if ok else "degraded",
        "version": app_version(),
        "catalog_version": state.catalog.version,
        "backend": {
            "name": state.backend.name,
            "requested": state.backend.requested,
            "reachable": reachable,
            "warm": state.backend.warm,  # an embedded model has read its fixed prompt; the first reply is quick
        },
        "index": {"status": state.index.status, "detail": state.index.detail},
        "store": {"ok": store_ok},
        "uptime_s": round(time.time() - state.started, 1),
    }


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(state: State, _: Authorized) -> Response:
    """Prometheus text exposition: requests and latency by route and status, LLM fallbacks, chat turns."""
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE)
