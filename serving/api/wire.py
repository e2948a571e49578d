"""Pydantic models of the wire protocol only (requests and replies as clients see them).

Requests ignore fields they do not know (open-webui and LibreChat send extras). Replies are described
here for the OpenAPI document; routes build them as plain dicts of the same shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MODEL_ID = "clinadvisor"
Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
Answer = bool | str | None


class _Open(BaseModel):
    """A request model that ignores unknown fields."""

    model_config = ConfigDict(extra="ignore")


class ChatMessage(_Open):
    """One message: content is a string or an array of content parts (text, image_url, input_audio...)."""

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class StreamOptions(_Open):
    """Streaming options: ``include_usage`` adds token counts to the last chunk."""

    include_usage: bool = False


class ClinadvisorRequest(_Open):
    """Request extension: the stage and answers the user clicked; they override extracted answers."""

    stage: str | int | None = None
    answers: dict[str, Answer] = Field(default_factory=dict)


class ChatCompletionRequest(_Open):
    """``POST /v1/chat/completions``: the standard fields (sampling ones accepted and ignored) plus ``clinadvisor``."""

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    n: int = Field(1, ge=1, le=1, description="Only 1 is supported.")
    stop: str | list[str] | None = None
    seed: int | None = None
    user: str | None = None
    clinadvisor: ClinadvisorRequest | None = None


class RecommendationRequest(_Open):
    """``POST /v1/recommendations``: a stage and answers (question id -> yes/no/unknown)."""

    stage: str | int
    answers: dict[str, Answer] = Field(default_factory=dict)


class FeedbackRequest(_Open):
    """``POST /v1/feedback`` (an extension): thumbs up or down on one reply, with an optional comment."""

    response_id: str = Field(min_length=1, max_length=200)
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=4000)


# --- replies, for the OpenAPI document ---------------------------------------------------------------


class ErrorDetail(BaseModel):
    """The fields of an OpenAI error."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """Every error: ``{"error": {...}}``."""

    error: ErrorDetail


class ModelCard(BaseModel):
    """One model of ``/v1/models``."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """``GET /v1/models``."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class ReplyMessage(BaseModel):
    """The assistant's message."""

    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    """The single choice of a completion."""

    index: int
    message: ReplyMessage
    finish_reason: str


class Usage(BaseModel):
    """Token counts (estimated: about four characters per token)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """``POST /v1/chat/completions`` without streaming; ``clinadvisor`` is the reply/1 extension."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    clinadvisor: dict[str, Any]


class FeedbackRecord(BaseModel):
    """The stored feedback."""

    id: int
    object: Literal["feedback"] = "feedback"
    response_id: str
    rating: str


class SearchHit(BaseModel):
    """One retrieved passage (CONTRACTS.md search shape)."""

    rank: int
    key: str
    doc_id: str
    title: str
    authors: list[str]
    year: int | None
    url: str | None
    source: str
    page: int | None
    section: str | None
    score: float
    text: str


class SearchResult(BaseModel):
    """``GET /v1/search``."""

    query: str
    k: int
    hits: list[SearchHit]
