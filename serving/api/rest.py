"""The plain REST API: recommendation, questionnaire, search, and feedback (an extension for the UI)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from assistant.questionnaire import parse_stage, questionnaire_dict
from assistant.rules import recommend
from assistant.situation import Situation
from serving.api.deps import Authorized, State
from serving.api.errors import APIError
from serving.api.wire import FeedbackRecord, FeedbackRequest, RecommendationRequest, SearchResult
from serving.audit import AuditEntry

router = APIRouter(prefix="/v1", tags=["REST"])


@router.post("/recommendations", response_model=None)
def recommendations(body: RecommendationRequest, state: State, who: Authorized) -> dict[str, Any]:
    """The rules core's ``recommendation/1`` for a stage and answers (deterministic; no LLM)."""
    stage = parse_stage(body.stage)
    situation = None
    if body.situation is not None:
        facts = state.catalog.sizing_facts
        try:
            situation = Situation.from_dict(body.situation, facts.gpus if facts else ())
        except ValueError as exc:
            field = str(exc).split(":", 1)[0]
            raise APIError(400, f"situation.{exc}", param=f"situation.{field}", code="invalid_value") from exc
    result = recommend(state.catalog, stage, body.answers, situation=situation).to_dict()
    state.store.record(
        AuditEntry(
            route="recommendations",
            stage=stage,
            answers=result["answers"],
            catalog_version=state.catalog.version,
            recommendation=result,
            backend=None,
            client=who.client,
        )
    )
    return result


@router.get("/questionnaire", response_model=None)
def questionnaire(state: State, _: Authorized, stage: str | None = None) -> dict[str, object]:
    """The stages and their questions in asking order, with explanations (``?stage=II`` for one stage)."""
    return questionnaire_dict(state.catalog, stage)


@router.get("/search", response_model=SearchResult)
def search(
    state: State,
    _: Authorized,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="The query.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 5,
) -> dict[str, Any]:
    """Passages of the indexed corpus, best first (503 while the index is missing or being built)."""
    retriever = state.index.retriever
    if retriever is None or state.index.status != "ready":
        reason = state.index.detail or f"the search index is {state.index.status}"
        raise APIError(503, f"search is unavailable: {reason}", code="index_unavailable")
    try:
        passages = retriever.search(q, k)
    except Exception as exc:  # a Chroma server gone away: a 503, not a 500
        raise APIError(503, f"search is unavailable: {type(exc).__name__}", code="index_unavailable") from exc
    hits = []
    for rank, p in enumerate(passages, start=1):
        hit = asdict(p)
        hit["authors"] = list(p.authors)
        hits.append({"rank": rank, **hit})
    return {"query": q, "k": k, "hits": hits}


@router.post("/feedback", status_code=201, response_model=FeedbackRecord)
def add_feedback(body: FeedbackRequest, state: State, who: Authorized) -> JSONResponse:
    """Thumbs up or down on one of the caller's own replies, by its response id (an extension of this server).

    The comment is stored only when message storage is on (CLINADVISOR_AUDIT_MESSAGES): it is free text."""
    if not state.tokens.issued_to(body.response_id, who.identity):
        raise APIError(
            404,
            "no reply with this response_id was given to you; feedback is taken on your own replies only",
            param="response_id",
            code="response_not_found",
        )
    row = state.store.add_feedback(body.response_id, body.rating, body.comment, client=who.client)
    record = {"id": row, "object": "feedback", "response_id": body.response_id, "rating": body.rating}
    return JSONResponse(record, status_code=201)
