"""A thin HTTP client of the documented ``/v1`` routes: the only way the chat page reaches the assistant.

Errors: every failed call raises ``ClientError`` (the server's OpenAI-shaped message, status and code, or
the transport's failure with status 0), so the page can show one line instead of a traceback.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

MODEL_ID = "clinadvisor"


class ClientError(Exception):
    """A /v1 call failed: ``status`` is the HTTP status (0 when the server was not reached)."""

    def __init__(self, message: str, status: int = 0, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True)
class ChatResult:
    """A finished chat turn: the completion id, the whole reply text and the ``clinadvisor`` extension."""

    id: str
    text: str
    extension: dict[str, Any] = field(default_factory=dict)


def api_root(base_url: str) -> str:
    """The ``/v1`` root for a server URL given with or without ``/v1``."""
    root = base_url.rstrip("/")
    return root if root.endswith("/v1") else root + "/v1"


def _error(response: httpx.Response) -> ClientError:
    """The server's error object as a ClientError (falls back to the status line)."""
    try:
        detail = response.json().get("error") or {}
    except (ValueError, AttributeError):
        detail = {}
    message = detail.get("message") if isinstance(detail, dict) else None
    code = detail.get("code") if isinstance(detail, dict) else None
    return ClientError(message or f"HTTP {response.status_code}", response.status_code, code)


class AdvisorClient:
    """Calls the assistant's ``/v1`` routes with an optional Bearer key."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 300.0,
        http: httpx.Client | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.root = api_root(base_url)
        # a given client (tests pass Starlette's TestClient) keeps its own transport; ours are per page process
        self._http = http or httpx.Client(timeout=timeout)
        self._headers = headers

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def with_key(self, api_key: str | None) -> AdvisorClient:
        """The same client, on the same connection pool, sending another key (a page session's own)."""
        clone = copy.copy(self)
        clone._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return clone

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, self.root + path, headers=self._headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"the assistant cannot be reached: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise _error(response)
        return response.json()

    def questionnaire(self, stage: str | None = None) -> dict[str, Any]:
        """``GET /v1/questionnaire``: stages, their questions with explanations, and the glossary."""
        params = {"stage": stage} if stage else None
        result: dict[str, Any] = self._request("GET", "/questionnaire", params=params)
        return result

    def recommend(
        self, stage: str, answers: Mapping[str, bool | None], situation: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``POST /v1/recommendations``: the ``recommendation/1`` for a stage, answers and the user's situation."""
        body: dict[str, Any] = {"stage": stage, "answers": dict(answers)}
        if situation:
            body["situation"] = dict(situation)
        result: dict[str, Any] = self._request("POST", "/recommendations", json=body)
        return result

    def gpus(self) -> list[dict[str, Any]]:
        """``GET /v1/gpus``: the GPU types the server can size for (name, memory, bandwidth, power)."""
        result: dict[str, Any] = self._request("GET", "/gpus")
        return list(result.get("gpus") or [])

    def search(self, query: str, k: int = 5) -> dict[str, Any]:
        """``GET /v1/search``: passages of the corpus, best first."""
        result: dict[str, Any] = self._request("GET", "/search", params={"q": query, "k": k})
        return result

    def feedback(self, response_id: str, rating: str, comment: str | None = None) -> dict[str, Any]:
        """``POST /v1/feedback``: thumbs ``up`` or ``down`` on one reply, with an optional comment."""
        body: dict[str, Any] = {"response_id": response_id, "rating": rating}
        if comment:
            body["comment"] = comment
        result: dict[str, Any] = self._request("POST", "/feedback", json=body)
        return result

    def chat(self, messages: Sequence[Mapping[str, Any]], overrides: Mapping[str, Any] | None = None) -> ChatResult:
        """``POST /v1/chat/completions`` without streaming."""
        body = _chat_body(messages, overrides, stream=False)
        data = self._request("POST", "/chat/completions", json=body)
        text = data["choices"][0]["message"]["content"] or ""
        return ChatResult(id=data["id"], text=text, extension=data.get("clinadvisor") or {})

    def chat_stream(
        self, messages: Sequence[Mapping[str, Any]], overrides: Mapping[str, Any] | None = None
    ) -> Iterator[str | ChatResult]:
        """``POST /v1/chat/completions`` with ``stream: true``: text pieces as they come, the ChatResult last."""
        body = _chat_body(messages, overrides, stream=True)
        try:
            with self._http.stream(
                "POST", self.root + "/chat/completions", headers=self._headers, json=body
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                yield from _read_events(response.iter_lines())
        except httpx.HTTPError as exc:
            raise ClientError(f"the assistant cannot be reached: {type(exc).__name__}") from exc


def _chat_body(
    messages: Sequence[Mapping[str, Any]], overrides: Mapping[str, Any] | None, *, stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL_ID, "messages": [dict(m) for m in messages], "stream": stream}
    if overrides:
        body["clinadvisor"] = dict(overrides)
    return body


def _read_events(lines: Iterator[str]) -> Iterator[str | ChatResult]:
    """Server-sent events to text pieces and the final ChatResult; an error event raises ClientError."""
    pieces: list[str] = []
    reply_id = ""
    extension: dict[str, Any] | None = None
    for line in lines:
        if not line.startswith("data:"):
            continue
        payload = line[len("data:") :].strip()
        if payload == "[DONE]":
            break
        event = json.loads(payload)
        if "error" in event:
            error = event["error"] or {}
            raise ClientError(error.get("message") or "the reply failed", 500, error.get("code"))
        reply_id = event.get("id") or reply_id
        for choice in event.get("choices") or []:
            content = (choice.get("delta") or {}).get("content")
            if content:
                pieces.append(content)
                yield content
        if "clinadvisor" in event:
            extension = event["clinadvisor"]
    if extension is None:
        raise ClientError("the reply ended before its structured part arrived", 502)
    yield ChatResult(id=reply_id, text="".join(pieces), extension=extension)
