"""``/v1/models`` and ``/v1/chat/completions`` (OpenAI-compatible, with the ``clinadvisor`` extension)."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.client_tasks import ClientTask, answer_task, recognise
from assistant.conversation import content_text, parse_overrides
from assistant.dialogue import Reply
from serving.api.deps import Authorized, State
from serving.api.errors import APIError, error_event
from serving.api.limits import check_message_lengths
from serving.api.pump import Ended, Pump
from serving.api.state import AppState
from serving.api.wire import MODEL_ID, ChatCompletion, ChatCompletionRequest, ModelList
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
    dialogue = state.dialogue
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    # A front end's own task (Open WebUI's title, tags, follow-ups; LibreChat's title) is told apart first,
    # before any limit meant for user turns: it is answered from the rules alone, never audited.
    task = recognise(messages)
    if task is not None:
        return await _client_task(state, task, messages, stream=body.stream)
    check_message_lengths(messages, state.settings.max_message_chars)
    # checked before any work, so that a bad click is a 400 naming the field
    facts = state.catalog.sizing_facts
    overrides = parse_overrides(
        body.clinadvisor.model_dump() if body.clinadvisor else None,
        prefix="clinadvisor.",
        gpus=facts.gpus if facts is not None else (),
    )
    turn = _Turn(state, messages, who.client, stream=body.stream)
    turn.id = state.tokens.response_id(who.identity)  # feedback is accepted for this id from this caller only

    def kwargs() -> dict[str, Any]:  # called in the worker thread: starting a backend may block
        return {
            "backend": state.backend.get(),
            "retriever": state.index.retriever,
            "overrides": overrides,
            "caller": who.identity,  # cached readings of a caller's words serve that caller only
        }

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


async def _client_task(state: AppState, task: ClientTask, messages: list[dict[str, Any]], *, stream: bool) -> Any:
    """The reply to a front end's background task: its JSON (or title) as the message content."""
    state.metrics.client_tasks.labels(task.key if task.key in ("title", "tags", "follow_ups") else "other").inc()
    content = await run_in_threadpool(answer_task, state.catalog, task)  # the rules only: milliseconds
    turn = _Turn(state, messages, None, stream=stream)
    if not stream:
        body = {
            "id": turn.id, "object": "chat.completion", "created": turn.created, "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": turn.usage(content),
        }  # fmt: skip
        return JSONResponse(body)

    async def events() -> AsyncIterator[str]:
        yield turn.chunk({"role": "assistant", "content": content})
        yield turn.chunk({}, "stop")
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise APIError(
            404,
            f"the model {model!r} does not exist; this server offers {MODEL_ID!r}",
            param="model",
            code="model_not_found",
        )


_MARKER = re.compile(r"\[(\d{1,3})\](?!\()")


def url_citations(text: str, citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI ``url_citation`` annotations for the ``[n]`` markers of a reply whose citation has a web link.

    The span is the marker itself. A user's own document (no URL, or a link that is not plain http(s)) gets none:
    clients such as Open WebUI show annotations as clickable sources, and only public links belong there.
    """
    by_n = {c.get("n"): c for c in citations}
    shared = Counter(str(c.get("url") or "") for c in citations)
    out = []
    for match in _MARKER.finditer(text):
        number = int(match.group(1))
        cited = by_n.get(number)
        url = str((cited or {}).get("url") or "")
        if cited is None or not re.fullmatch(r"https?://[^\s<>\"'`\\#]+(?:#[^\s<>\"'`\\]*)?", url):
            continue
        if shared[url] > 1:
            # two passages of one document: Open WebUI groups sources by URL, which would shift every later
            # marker onto the wrong source; a fragment per reference keeps them apart and still opens the page
            url = f"{url.split('#', 1)[0]}#clinadvisor-ref-{number}"
        out.append(
            {
                "type": "url_citation",
                "url_citation": {
                    "url": url,
                    "title": str(cited.get("title") or url),
                    "start_index": match.start(),
                    "end_index": match.end(),
                },
            }
        )
    return out


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token); no tokenizer is loaded for this."""
    return math.ceil(len(text) / 4) if text else 0


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
        prompt = sum(estimate_tokens(content_text(m.get("content"))[0]) for m in self.messages)
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
        message: dict[str, Any] = {"content": reply.text}
        if annotations := url_citations(reply.text, ext.get("citations") or []):
            message["annotations"] = annotations
        completion = ChatCompletion.model_validate(
            {
                "id": self.id,
                "created": self.created,
                "model": MODEL_ID,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": self.usage(reply.text),
                "clinadvisor": ext,
            }
        )
        return completion.model_dump(mode="json", by_alias=True)

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
                annotations = url_citations("".join(text), item.extension.get("citations") or [])
                yield turn.chunk(
                    {"annotations": annotations} if annotations else {}, "stop", clinadvisor=item.extension
                )
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
