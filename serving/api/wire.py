"""Pydantic models of the wire protocol only (requests and replies as clients see them).

Requests ignore fields they do not know (open-webui and LibreChat send extras). Replies are typed too, so
that ``/openapi.json`` shows them; reply models keep fields they do not declare (documented extensions).
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
    situation: dict[str, Any] | None = Field(
        None,
        description="The user's situation as set in a UI (CONTRACTS.md): accepted; the conversation reads it "
        "once wired (POST /v1/recommendations reads it today).",
    )


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
    """``POST /v1/recommendations``: a stage and answers (question id -> yes/no/unknown), and the situation."""

    stage: str | int
    answers: dict[str, Answer] = Field(default_factory=dict)
    situation: dict[str, Any] | None = Field(
        None,
        description="The user's situation (CONTRACTS.md): {gpus: {name, count}, users, context_tokens, "
        "workload: {requests_per_day, tokens_per_request}}; sizes each model's to_run.",
    )


class SizingRequestBody(_Open):
    """``POST /v1/sizing``: one model (a catalog id, a newer model, or a name as people write it) and options."""

    model: str = Field(min_length=1, max_length=200, description='e.g. "Llama 2 70B", "mixtral 8x7b", "Qwen3-8B".')
    quant: Literal["fp16", "int8", "q4_k_m", "q4_0", "awq"] | None = None
    bits: Literal[16, 8, 4] | None = Field(None, description="16 = fp16, 8 = int8, 4 = AWQ-class (4.25 bits).")
    context: int | None = Field(None, ge=1, le=10_485_760, description="Tokens per session (default 4,096).")
    users: int = Field(1, ge=1, le=1_000_000, description="Concurrent sessions.")
    gpu: str | None = Field(None, max_length=100, description='A GPU type as people write it ("A100 80GB").')
    gpus_available: int | None = Field(None, ge=1, le=100_000)
    finetune: Literal["full", "lora", "qlora"] | None = None
    lora_rank: int = Field(16, ge=1, le=65_536)
    seq_len: int = Field(2048, ge=1, le=10_485_760)
    batch: int = Field(1, ge=1, le=65_536)
    years: float = Field(3.0, gt=0, le=100)
    kwh_usd: float = Field(0.13, ge=0, le=100)
    requests_per_day: float | None = Field(None, gt=0, le=1e9)
    tokens_per_request: int | None = Field(None, ge=1, le=10_485_760)
    output_share: float = Field(0.5, ge=0, le=1)


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


class _Reply(BaseModel):
    """A reply object: fields beyond the declared ones are kept (documented extensions, newer versions)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PhaseOut(_Reply):
    """The resources of one phase (pre-training, fine-tuning, inference) as the studies reported them."""

    gpu_count: int
    gpu_type: str | None
    memory_gb_total: float | None
    power_w_total: float | None
    purchase_usd_total: float | None
    cloud_usd_per_hour: float | None
    cloud_basis: str | None


class ModelOut(_Reply):
    """One model of a recommendation (``recommendation/1`` Model)."""

    id: str
    name: str
    size: str | None
    params_b: float | None
    access: str
    star: bool
    evidence: dict[str, Any]
    links: list[dict[str, str]]
    resources: dict[str, Any]


class ExcludedOut(_Reply):
    """A strong candidate that a constraint removed."""

    id: str
    name: str
    size: str | None
    reason: Literal["restricted", "needs_data_sharing", "needs_cloud", "modality"]


class TraceOut(_Reply):
    """One rule that fired."""

    rule: str
    detail: str


class RecommendationOut(_Reply):
    """The rules core's answer (``recommendation/1`` of CONTRACTS.md)."""

    schema_: Literal["recommendation/1"] = Field(alias="schema")
    catalog_version: str
    stage: str
    status: Literal["recommended", "no_full_match", "need_more_info"]
    answers: dict[str, bool | None]
    missing: list[str]
    matches: list[ModelOut]
    partial_matches: list[ModelOut]
    excluded: list[ExcludedOut]
    trace: list[TraceOut]
    disclaimer: str


class AnswerEvidence(_Reply):
    """The words of the user that an answer was read from; ``reader`` is model, rules, both or reply."""

    quote: str
    reader: str | None


class AnswerOut(_Reply):
    """One answer of the conversation, with where it came from."""

    value: bool | None
    source: Literal["extracted", "clicked"]
    turn: int | None
    evidence: AnswerEvidence | None = Field(
        None,
        exclude_if=lambda v: v is None,  # only extracted answers have it; clicked ones keep the contract's 3 keys
        description="Extension: the user's words an extracted answer was read from, and which reader read it.",
    )


class CitationOut(_Reply):
    """A numbered reference; ``text`` (the passage) is our extension."""

    n: int
    key: str
    title: str
    authors: list[str]
    year: int | None
    url: str | None
    source: str
    page: int | None
    section: str | None
    text: str | None = None


class AnswerProvenance(_Reply):
    """Where the answer to the turn's question came from, and what the checks on the LLM's text dropped."""

    source: Literal["rules", "catalog", "sizing", "retrieval", "extractive", "refusal"]
    citations: list[int]
    dropped_sentences: int
    dropped_numbers: int


class ReplyExtension(_Reply):
    """The reply's ``clinadvisor`` object (``reply/1``): the state behind the text."""

    schema_: Literal["reply/1"] = Field(alias="schema")
    backend: str
    stage: str | None
    answers: dict[str, AnswerOut]
    missing: list[str]
    recommendation: RecommendationOut | None
    citations: list[CitationOut]
    notices: list[str]
    disclaimer: str
    situation: dict[str, Any] | None = None  # the user's situation (CONTRACTS.md), with provenance per field
    answer: AnswerProvenance | None = None  # only on a reply that answers a question
    answer_parts: list[AnswerProvenance] | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="Extension: the provenance of every question the reply answered, in order (answer is the first).",
    )


class UrlCitation(BaseModel):
    """Where a cited web source is: the span of its ``[n]`` marker in the message, its URL and title."""

    url: str
    title: str
    start_index: int
    end_index: int


class Annotation(BaseModel):
    """An OpenAI-style annotation of the message (``url_citation``), so clients show the sources."""

    type: Literal["url_citation"] = "url_citation"
    url_citation: UrlCitation


class ReplyMessage(BaseModel):
    """The assistant's message."""

    role: Literal["assistant"] = "assistant"
    content: str
    annotations: list[Annotation] | None = None


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
    # absent on the reply to a front end's background task (a title, tags): no conversation state is given
    clinadvisor: ReplyExtension | None = None


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
    # extensions: what kind of document it is ("card", "catalog", "user") and where it appeared
    kind: str | None = None
    venue: str | None = None


class SearchResult(BaseModel):
    """``GET /v1/search``."""

    query: str
    k: int
    hits: list[SearchHit]
