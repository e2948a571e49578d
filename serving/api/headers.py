"""Security headers on every response, a strict content-security policy for pages, and no CORS by accident.

- Every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (a followed link
  tells nobody where it came from), ``X-Frame-Options: DENY`` and a permissions policy without camera,
  microphone or location.
- HTML pages (the chat page, the log-in page, ``/docs``): a content-security policy that lets the page load
  and connect only to this server (``'self'``; images also from ``data:`` and ``blob:``, which Gradio
  draws with), no plug-ins, no framing by other sites (``frame-ancestors 'none'``). Gradio's page has inline
  scripts (its configuration); each one gets a fresh nonce per response, so no other inline script runs
  (``'unsafe-eval'`` stays: Gradio's HTML component builds its output with ``Function``).
  Inline styles stay allowed: Gradio sets them everywhere, and with images, fonts and connections limited
  to this server a style cannot send anything out.
- Other responses (JSON, files): ``default-src 'none'; frame-ancestors 'none'``.
- ``ApiPreflight``: with no CORS origins configured, a browser's preflight to an API route is refused
  (405, no CORS headers), instead of reaching the page's mount, whose CORS layer allows credentials.
"""

from __future__ import annotations

import json
import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.api.door import is_api_path
from serving.api.errors import APIError, error_payload

COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
NON_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'"
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def page_policy(nonce: str) -> str:
    """The content-security policy of an HTML page whose inline scripts carry ``nonce``."""
    return "; ".join(
        [
            "default-src 'self'",
            # 'unsafe-eval': Gradio's HTML component compiles its template with Function(); no inline script
            # without the nonce runs, so injected markup still cannot start a script
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "media-src 'self' data: blob:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding the headers above; HTML bodies get a nonce on each ``<script`` tag."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response (an HTML body is held to add the nonces)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_secured(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                if _rewritable(headers):
                    held = {**message, "headers": headers}
                    return
                policy = page_policy(nonce) if _is_html(headers) else NON_PAGE_POLICY
                await send({**message, "headers": [*headers, *_security(policy)]})
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            data = _SCRIPT_TAG.sub(f'<script nonce="{nonce}"'.encode(), b"".join(chunks))
            headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
            headers += [(b"content-length", str(len(data)).encode()), *_security(page_policy(nonce))]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, send_secured)


_OURS = frozenset({b"content-security-policy", *(name for name, _ in COMMON_HEADERS)})


def _security(policy: str) -> list[tuple[bytes, bytes]]:
    return [*COMMON_HEADERS, (b"content-security-policy", policy.encode())]


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for k, v in headers if k.lower() == name), b"")


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return _header(headers, b"content-type").lower().startswith(b"text/html")


def _rewritable(headers: list[tuple[bytes, bytes]]) -> bool:
    """An HTML body we can add nonces to: not compressed (we never compress; a proxy may, after us)."""
    return _is_html(headers) and _header(headers, b"content-encoding") in (b"", b"identity")


class ApiPreflight:
    """ASGI middleware, used when no CORS origins are configured: refuse preflights to API routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer an OPTIONS preflight to an API path with 405; pass everything else on."""
        if scope["type"] == "http" and scope["method"] == "OPTIONS" and is_api_path(scope["path"]):
            status, body, _ = error_payload(
                APIError(405, "cross-origin requests are not enabled (set CLINADVISOR_CORS_ORIGINS)")
            )
            data = json.dumps(body).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": data})
            return
        await self.app(scope, receive, send)
