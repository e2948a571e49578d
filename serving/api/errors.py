"""OpenAI-shaped errors: one function, ``error_payload``, turns any exception into a status and a body.

Every error the API returns, from a route, a middleware or mid-stream, has the shape
``{"error": {"message", "type", "param", "code"}}`` (as OpenAI and vLLM do). Exceptions::

    Exception                    anything else: 500 internal_error, generic message, logged without its text
     ├── APIError                raised on purpose by routes, auth and limits (carries status, type, code)
     ├── InvalidInput            the domain refused a value: 400 invalid_request_error with its param
     ├── BackendUnavailable      the LLM is down where no degraded mode exists: 503
     ├── RequestValidationError  the body or query does not fit the wire models: 400 (never FastAPI's 422)
     └── HTTPException           Starlette's own (404 route, 405 method): same shape
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import InvalidInput
from assistant.llm import BackendUnavailable

log = logging.getLogger("clinadvisor.api")

GENERIC_500 = "The server had an error while processing your request; it has been logged."
_STATUS_TYPES = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    503: ("service_unavailable", "service_unavailable"),
}


class APIError(Exception):
    """An error the API reports on purpose, with its HTTP status and OpenAI error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_type, default_code = _STATUS_TYPES.get(status, ("api_error", None))
        self.status = status
        self.message = message
        self.type = type or default_type
        self.code = code if code is not None else default_code
        self.param = param
        self.headers = headers or {}
        super().__init__(message)


def error_body(message: str, type: str, *, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """The OpenAI error object."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_payload(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The HTTP status, OpenAI-shaped body and extra headers for any exception (the one place that decides)."""
    if isinstance(exc, APIError):
        return exc.status, error_body(exc.message, exc.type, param=exc.param, code=exc.code), exc.headers
    if isinstance(exc, InvalidInput):
        body = error_body(exc.message, "invalid_request_error", param=exc.param, code="invalid_value")
        candidates = getattr(exc, "candidates", None)
        if candidates is not None:  # an unknown or ambiguous name: the closest known ones (an extension)
            body["error"]["candidates"] = list(candidates)
        return 400, body, {}
    if isinstance(exc, BackendUnavailable):
        return (
            503,
            error_body(f"the LLM backend is unavailable: {exc}", "service_unavailable", code="backend_unavailable"),
            {},
        )
    if isinstance(exc, RequestValidationError):
        message, param = _validation_message(exc.errors())
        return 400, error_body(message, "invalid_request_error", param=param, code="invalid_request"), {}
    if isinstance(exc, StarletteHTTPException):
        type_, code = _STATUS_TYPES.get(exc.status_code, ("api_error", None))
        headers = dict(exc.headers or {})
        return exc.status_code, error_body(_http_message(exc), type_, code=code), headers
    log_internal(exc)
    return 500, error_body(GENERIC_500, "internal_error", code="internal_error"), {}


def error_response(exc: BaseException) -> JSONResponse:
    """A JSON response for any exception."""
    status, body, headers = error_payload(exc)
    return JSONResponse(body, status_code=status, headers=headers)


def error_event(exc: BaseException) -> str:
    """The server-sent event that ends a failed stream (followed by ``data: [DONE]``)."""
    _, body, _ = error_payload(exc)
    return f"data: {json.dumps(body)}\n\n"


def log_internal(exc: BaseException) -> None:
    """Log an unexpected exception by type and stack only: its message may quote patient text."""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("internal error %s\n%s", type(exc).__name__, stack)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error FastAPI and Starlette raise through ``error_payload``."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return error_response(exc)

    for kind in (APIError, InvalidInput, BackendUnavailable, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, handle)


def _validation_message(errors: Sequence[Any]) -> tuple[str, str | None]:
    if not errors:
        return "the request is not valid", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    # loc is ("body", "messages", 0, "role") or ("query", "k"): the param is the path after the source.
    loc = [str(p) for p in first.get("loc", ())]
    path = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
    param = ".".join(path) or None
    if first.get("type") == "missing":
        return f"'{param}' is required", param
    detail = str(first.get("msg", "is not valid"))
    return (f"'{param}': {detail}" if param else detail), param


def _http_message(exc: StarletteHTTPException) -> str:
    if exc.status_code == 404:
        return "not found: no such route"
    if exc.status_code == 405:
        return "method not allowed on this route"
    return str(exc.detail)
