"""``POST /v1/sizing``: what it takes to run, serve and fine-tune one model (the ``sizing/1`` document);
``GET /v1/gpus``: the GPU types sizing knows (an extension, for pickers such as the chat page's)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.sizing_query import SizingQuery, size_query
from serving.api.deps import Authorized, State
from serving.api.wire import SizingRequestBody

router = APIRouter(prefix="/v1", tags=["REST"])


@router.post("/sizing", response_model=None)
def sizing(body: SizingRequestBody, state: State, _: Authorized) -> dict[str, Any]:
    """``sizing/1`` for one model; an unknown or ambiguous name is a 400 whose error lists ``candidates``."""
    return size_query(state.catalog, SizingQuery(**body.model_dump()))


@router.get("/gpus", response_model=None)
def gpus(state: State, _: Authorized) -> dict[str, Any]:
    """The GPU types sizing knows: name, memory, memory bandwidth, power and the source of those figures."""
    facts = state.catalog.sizing_facts
    listed = facts.gpus if facts is not None else ()
    return {
        "gpus": [
            {
                "key": g.key,
                "name": g.name,
                "memory_gb": g.memory_gb,
                "bandwidth_gb_s": g.bandwidth_gb_s,
                "power_w": g.power_w,
                "source": g.source,
            }
            for g in listed
        ]
    }
