"""The ``openai`` backend: any OpenAI-compatible chat server (vLLM in production, llama.cpp's server in tests).

Plain HTTP through httpx: ``/v1/models`` to find the model, ``/v1/chat/completions`` for replies,
server-sent events for streaming. Connection errors, timeouts, 5xx and 429 are retried with exponential
backoff; what still fails is BackendUnavailable. Structured output asks for ``json_schema`` first (vLLM,
OpenAI) and, if the server rejects that, for ``json_object`` with a ``schema`` (llama.cpp and
llama-cpp-python). Either way the reply is parsed and validated here, because some servers ignore
constraints they do not understand.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from assistant.llm import BackendError, BackendOutputError, BackendUnavailable, Message
from serving.backends.jsonout import parse_json_reply

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Statuses with which servers refuse a response_format they do not support (422: pydantic-based servers;
# llama-cpp-python's server answers 500 with the validation error, recognised by its text).
REJECT_STATUS = frozenset({400, 422})
MAX_RETRY_AFTER = 30.0


class OpenAIBackend:
    """A ChatBackend that talks to an OpenAI-compatible server over HTTP."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self.retries = max(0, retries)
        self.backoff = backoff
        self._model = model
        self._json_schema_supported: bool | None = None  # learnt on the first structured call
        self._client = httpx.Client(
            base_url=self.base_url + "/", headers=headers, timeout=httpx.Timeout(timeout), transport=transport
        )

    @property
    def name(self) -> str:
        """The backend's name: "openai"."""
        return "openai"

    @property
    def model(self) -> str:
        """The model used: the configured one, else the first the server lists (asked once)."""
        if self._model is None:
            self._model = self.list_models()[0]
        return self._model

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def list_models(self) -> list[str]:
        """The model ids the server lists at ``/models`` (BackendUnavailable if it lists none)."""
        data = self._request("GET", "models").json()
        ids = [str(m["id"]) for m in data.get("data", []) if isinstance(m, dict) and "id" in m]
        if not ids:
            raise BackendUnavailable(f"the LLM server at {self.base_url} lists no models")
        return ids

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The assistant's reply text to the conversation."""
        body = self._body(messages, max_tokens=max_tokens, temperature=temperature)
        return self._reply_text(self._request("POST", "chat/completions", json=body).json())

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """A JSON object that validates against ``schema`` (BackendOutputError otherwise)."""
        body = self._body(messages, max_tokens=max_tokens, temperature=0.0)
        if self._json_schema_supported is not False:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": str(schema.get("title", "reply")), "schema": dict(schema), "strict": True},
            }
            response = self._request("POST", "chat/completions", json=body, rejectable=True)
            if not self._is_format_rejection(response):
                self._json_schema_supported = True
                return parse_json_reply(self._reply_text(response.json()), schema)
            self._json_schema_supported = False
        body["response_format"] = {"type": "json_object", "schema": dict(schema)}
        response = self._request("POST", "chat/completions", json=body)
        return parse_json_reply(self._reply_text(response.json()), schema)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """The reply text in pieces, read from the server's event stream."""
        body = self._body(messages, max_tokens=max_tokens, temperature=temperature)
        body["stream"] = True
        started = False
        for attempt in range(self.retries + 1):
            try:
                with self._client.stream("POST", "chat/completions", json=body) as response:
                    if response.status_code in RETRY_STATUS and attempt < self.retries:
                        response.read()
                        self._sleep(attempt, response)
                        continue
                    self._raise_for_status(response, read=True)
                    for piece in self._events(response):
                        started = True
                        yield piece
                    return
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                # Once text has gone out a retry would repeat it, so only a failure before the first piece retries.
                if started or attempt >= self.retries:
                    raise BackendUnavailable(self._down_message(exc)) from exc
                self._sleep(attempt, None)

    # -- plumbing -----------------------------------------------------------------------------------------

    def _body(self, messages: Sequence[Message], *, max_tokens: int, temperature: float) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }

    def _request(self, method: str, path: str, *, json: Any = None, rejectable: bool = False) -> httpx.Response:
        """Send with retries; a refusal in REJECT_STATUS is returned (not raised) when ``rejectable``."""
        for attempt in range(self.retries + 1):
            try:
                response = self._client.request(method, path, json=json)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if attempt >= self.retries:
                    raise BackendUnavailable(self._down_message(exc)) from exc
                self._sleep(attempt, None)
                continue
            if rejectable and self._is_format_rejection(response):
                return response
            if response.status_code in RETRY_STATUS and attempt < self.retries:
                self._sleep(attempt, response)
                continue
            self._raise_for_status(response, read=False)
            return response
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _sleep(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.backoff * (2**attempt)
        if response is not None and (after := response.headers.get("retry-after")):
            with contextlib.suppress(ValueError):  # an HTTP date: keep our own backoff
                delay = max(delay, min(float(after), MAX_RETRY_AFTER))
        time.sleep(delay)

    def _raise_for_status(self, response: httpx.Response, *, read: bool) -> None:
        if response.status_code < 400:
            return
        if read:
            response.read()
        detail = response.text[:300]
        where = f"{self.base_url} answered {response.status_code}"
        if response.status_code in RETRY_STATUS or response.status_code in (401, 403, 404):
            raise BackendUnavailable(f"the LLM server at {where}: {detail}")
        raise BackendError(f"the LLM server at {where}: {detail}")

    def _down_message(self, exc: Exception) -> str:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "is unreachable"
        return f"the LLM server at {self.base_url} {kind} ({type(exc).__name__}: {exc}); set CLINADVISOR_LLM_URL"

    @staticmethod
    def _is_format_rejection(response: httpx.Response) -> bool:
        """True when the server refused the request's response_format (llama-cpp-python says so with a 500)."""
        if response.status_code in REJECT_STATUS:
            return True
        return response.status_code >= 500 and ("response_format" in response.text or "json_schema" in response.text)

    @staticmethod
    def _reply_text(data: Any) -> str:
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BackendOutputError(f"the LLM server's reply has no message content: {str(data)[:200]}") from None
        return str(content or "")

    @staticmethod
    def _events(response: httpx.Response) -> Iterator[str]:
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue  # comments (": ping"), event names, blank separators
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            try:
                chunk = json.loads(payload)
            except ValueError:
                raise BackendOutputError(f"the LLM server sent a malformed event: {payload[:200]!r}") from None
            choices = chunk.get("choices") or []
            if choices and (piece := (choices[0].get("delta") or {}).get("content")):
                yield str(piece)
