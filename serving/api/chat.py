"""``/v1/models`` and ``/v1/chat/completions`` (OpenAI-compatible, with the ``clinadvisor`` extension)."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.questionnaire import all_question_ids, parse_answer, parse_stage
from serving.api.deps import Authorized, State
from serving.api.errors import APIError, error_event
from serving.api.pump import Ended, Pump
from serving.api.state import AppState, Dialogue, Reply
from serving.api.wire import MODEL_ID, ChatCompletion, ChatCompletionRequest, ClinadvisorRequest, ModelList
from serving.audit import AuditEntry

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])
_CREATED = int(time.time())


@router.get("/models", response_model=ModelList)
def list_models(_: Authorized) -> dict[str, Any]:
    """The one model this server offers: ``clinadvisor``."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": _CREATED, "owned_by": "clinadvisor"}],
    }


@router.get("/models/{model_id}", response_model=None)
def get_model(model_id: str, _: Authorized) -> dict[str, Any]:
    """One model by id (404 ``model_not_found`` for anything but ``clinadvisor``)."""
    _check_model(model_id)
    return {"id": MODEL_ID, "object": "model", "created": _CREATED, "owned_by": "clinadvisor"}


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {}}, "description": "A completion, or SSE chunks if stream"}},
)
async def chat_completions(body: ChatCompletionRequest, state: State, who: Authorized) -> Any:
    """A reply to the conversation; ``stream: true`` for server-sent events ending with ``data: [DONE]``."""
    _check_model(body.model)
    dialogue = _dialogue(state)
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    overrides = _overrides(body.clinadvisor)
    turn = _Turn(state, messages, who.key_id, stream=body.stream)

    def kwargs() -> dict[str, Any]:  # called in the worker thread: starting a backend may block
        return {"backend": state.backend.get(), "retriever": state.index.retriever, "overrides": overrides}

    if not body.stream:

        def complete() -> dict[str, Any]:
            return turn.completion(dialogue.respond(state.catalog, messages, **kwargs()))

        return JSONResponse(await run_in_threadpool(complete))

    def items() -> Iterator[str | _Final]:
        for item in dialogue.respond_stream(state.catalog, messages, **kwargs()):
            yield item if isinstance(item, str) else _Final(item, turn.finish(item))

    pump: Pump[str | _Final] = Pump(items)
    pump.start()
    try:
        # the first piece is awaited before answering, so an error up to there is a plain HTTP error
        first = await pump.get()
    except BaseException:
        pump.cancel()
        raise
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        _events(turn, pump, first, include_usage),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise APIError(
            404,
            f"the model {model!r} does not exist; this server offers {MODEL_ID!r}",
            param="model",
            code="model_not_found",
        )


def _dialogue(state: AppState) -> Dialogue:
    if state.dialogue is None:
        raise APIError(503, "the conversation engine (assistant.dialogue) is not installed in this build")
    return state.dialogue


def _overrides(ext: ClinadvisorRequest | None) -> dict[str, Any] | None:
    """The clicked stage and answers, checked here so that a bad one is a 400 naming the field."""
    if ext is None:
        return None
    stage = None
    if ext.stage is not None:
        stage = parse_stage(ext.stage)
    known = all_question_ids()
    answers: dict[str, bool | None] = {}
    for qid, value in ext.answers.items():
        if qid not in known:
            raise APIError(
                400,
                f"unknown question id {qid!r} in clinadvisor.answers",
                param=f"clinadvisor.answers.{qid}",
                code="invalid_value",
            )
        answers[qid] = parse_answer(value, param=f"clinadvisor.answers.{qid}")
    return {"stage": stage, "answers": answers}


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token); no tokenizer is loaded for this."""
    return math.ceil(len(text) / 4) if text else 0


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class _Turn:
    """One chat turn's bookkeeping: ids, the reply's extension, usage, audit row and metrics."""

    def __init__(self, state: AppState, messages: list[dict[str, Any]], client: str | None, *, stream: bool) -> None:
        self.state = state
        self.messages = messages
        self.client = client
        self.stream = stream
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def usage(self, text: str) -> dict[str, int]:
        """Estimated token counts of the prompt and the reply."""
        prompt = sum(estimate_tokens(_message_text(m)) for m in self.messages)
        completion = estimate_tokens(text)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def finish(self, reply: Reply) -> dict[str, Any]:
        """The extension with the server's notices added; the turn audited and counted."""
        ext = dict(reply.extension())
        notices = list(ext.get("notices") or [])
        extra = list(self.state.backend.notices) if self.state.backend.degraded else []
        if (index_notice := self.state.index.notice()) is not None:
            extra.append(index_notice)
        ext["notices"] = notices + [n for n in extra if n not in notices]
        metrics = self.state.metrics
        metrics.chat_turns.labels(reply.backend, str(self.stream).lower()).inc()
        if reply.backend != self.state.backend.requested:
            metrics.fallbacks.labels(reply.backend).inc()
        if ext.get("recommendation") is not None:
            self.state.store.record(
                AuditEntry(
                    route="chat",
                    stage=ext.get("stage"),
                    answers=ext.get("answers") or {},
                    catalog_version=self.state.catalog.version,
                    recommendation=ext["recommendation"],
                    backend=reply.backend,
                    response_id=self.id,
                    client=self.client,
                    messages=self.messages,
                )
            )
        return ext

    def completion(self, reply: Reply) -> dict[str, Any]:
        """The ``chat.completion`` object."""
        ext = self.finish(reply)
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}],
            "usage": self.usage(reply.text),
            "clinadvisor": ext,
        }

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> str:
        """One ``chat.completion.chunk`` event."""
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


@dataclass(frozen=True)
class _Final:
    """The dialogue's final Reply with its extension (already audited and counted)."""

    reply: Reply
    extension: dict[str, Any]


async def _events(
    turn: _Turn, pump: Pump[str | _Final], first: str | _Final | Ended, usage: bool
) -> AsyncIterator[str]:
    """The SSE events of a streamed reply; a failure mid-stream ends with an error event and ``[DONE]``."""
    try:
        yield turn.chunk({"role": "assistant", "content": ""})
        text: list[str] = []
        item = first
        while not isinstance(item, Ended):
            if isinstance(item, str):
                # pieces that are already waiting go out as one chunk (a templated reply arrives at once;
                # an LLM's tokens, which arrive one by one, still go out one by one)
                parts, ready, failure = [item], None, None
                try:
                    ready = pump.poll()
                    while isinstance(ready, str):
                        parts.append(ready)
                        ready = pump.poll()
                except Exception as exc:  # sent after the pieces that came before it
                    failure = exc
                if content := "".join(parts):
                    text.append(content)
                    yield turn.chunk({"content": content})
                if failure is not None:
                    raise failure
                item = ready if ready is not None else await pump.get()
            else:
                yield turn.chunk({}, "stop", clinadvisor=item.extension)
                if usage:
                    data = {"id": turn.id, "object": "chat.completion.chunk", "created": turn.created,
                            "model": MODEL_ID, "choices": [], "usage": turn.usage("".join(text))}  # fmt: skip
                    yield f"data: {json.dumps(data)}\n\n"
                yield "data: [DONE]\n\n"
                return
        raise RuntimeError("the dialogue's stream ended without its final Reply")
    except Exception as exc:
        yield error_event(exc)
        yield "data: [DONE]\n\n"
    finally:
        pump.cancel()
