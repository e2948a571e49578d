"""One door for the chat page and the API: the page's log-in, its session cookie, and the guard of its routes.

When API keys or page users are configured, every route of the page (Gradio's ``/``, ``/config``,
``/gradio_api/...``, everything that is not the API) answers only to a logged-in browser; the rest get a
redirect to ``/login`` (a page) or 401. One logs in with a page user's name and password
(``CLINADVISOR_UI_USERS``) or with an API key as the password. The log-in gives a signed session cookie
(``serving.api.tokens``); on each page request the door hands that session to the page in the
``X-Clinadvisor-Session`` header, and the page sends it to ``/v1`` as its Bearer token, so each page session
acts with its own identity: the key it logged in with, or ``user:<name>`` (its own rate-limit bucket, audit
attribution and caches). Without keys and users (a local install) the door stands open, as before.

Uploads are refused on every path: the page has no upload control, and Gradio's upload route would store
any file sent to it.
"""

from __future__ import annotations

import hmac
import html
import logging
import re
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from serving.api.auth import KeyChecker
from serving.api.errors import APIError, error_body
from serving.api.limits import RateLimiter
from serving.api.tokens import Session, Signer

log = logging.getLogger("clinadvisor.api")

COOKIE = "clinadvisor_session"
SESSION_HEADER = "x-clinadvisor-session"  # the page reads it (ui.app); it never comes from outside
LOGIN_PATH, LOGOUT_PATH = "/login", "/logout"
_API_EXACT = frozenset({"/v1", "/healthz", "/metrics", "/openapi.json", "/docs"})
_API_PREFIXES = ("/v1/", "/docs/")
_UPLOAD = re.compile(r"^/(?:gradio_api/)?upload(?:_progress)?/?$")
_USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,32}$")  # "user:<name>" fits the audit log's client column
MAX_FORM_BYTES = 4096


def is_api_path(path: str) -> bool:
    """True for the API's own routes (they check API keys themselves); everything else belongs to the page."""
    return path in _API_EXACT or path.startswith(_API_PREFIXES)


def parse_users(value: str | None) -> dict[str, str]:
    """``user:password,user2:password2`` to a dict; entries without a valid name (1-32 letters, digits, ``._@-``)
    or without a password are skipped with a warning."""
    users: dict[str, str] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        user, sep, password = item.strip().partition(":")
        if sep and password and _USER_NAME.match(user):
            users[user] = password
        else:
            log.warning("CLINADVISOR_UI_USERS: an entry is not 'name:password' with a plain name; it is ignored")
    return users


class Door:
    """Who may log in to the page, and the sessions it gives out."""

    def __init__(
        self,
        keys: KeyChecker,
        users: Mapping[str, str],
        signer: Signer,
        *,
        session_hours: float = 12.0,
        attempts_per_minute: int = 10,
    ) -> None:
        self.keys = keys
        self._users = {name: password.encode() for name, password in users.items()}
        self.signer = signer
        self.ttl_s = session_hours * 3600.0
        self.attempts = RateLimiter(attempts_per_minute)

    @property
    def enabled(self) -> bool:
        """True when the page needs a log-in: API keys or page users are configured."""
        return self.keys.enabled or bool(self._users)

    def log_in(self, user: str, password: str) -> str | None:
        """The principal (``user:<name>`` or ``key:<id>``) these credentials name, or None."""
        given = password.encode()
        matched: str | None = None
        for name, secret in self._users.items():  # every entry compared, so timing tells nothing
            if hmac.compare_digest(given, secret) and hmac.compare_digest(user.encode(), name.encode()):
                matched = f"user:{name}"
        if matched is not None:
            return matched
        found = self.keys.matches(password) if password else None
        return f"key:{found}" if found is not None else None

    def session(self, token: str | None) -> Session | None:
        """The session a cookie holds, when it is valid and its key or user is still configured."""
        if not token or self.keys.page_caller(token, "") is None:
            return None
        return self.signer.read_session(token)

    def new_session(self, principal: str) -> str:
        """A signed session token for a principal that just logged in."""
        return self.signer.session(principal, self.ttl_s)


def session_cookie(scope: Scope) -> str | None:
    """The session cookie's value in a request, if any."""
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            try:
                jar = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = jar.get(COOKIE)
            return morsel.value if morsel is not None else None
    return None


class DoorMiddleware:
    """ASGI middleware: the page's routes answer only to a logged-in browser; uploads are refused everywhere."""

    def __init__(self, app: ASGIApp, door: Door) -> None:
        self.app = app
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let API routes through untouched; guard the page's routes."""
        if scope["type"] not in ("http", "websocket") or is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        # the session header is ours to set: one sent by a client is dropped
        headers = [(k, v) for k, v in scope.get("headers") or () if k != SESSION_HEADER.encode()]
        scope = {**scope, "headers": headers}
        if self.door.enabled and scope["path"] not in (LOGIN_PATH, LOGOUT_PATH):
            token = session_cookie(scope)
            if token is None or self.door.session(token) is None:
                await self._deny(scope, receive, send, 401, "log in first: open /login")
                return
            headers.append((SESSION_HEADER.encode(), token.encode("latin-1")))
        if _UPLOAD.match(scope["path"]):
            await self._deny(scope, receive, send, 404, "uploads are off: the chat page has no upload control")
            return
        await self.app(scope, receive, send)

    async def _deny(self, scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401 if status == 401 else 4404})
            return
        accept = dict(scope.get("headers") or ()).get(b"accept", b"")
        response: Response
        if status == 401 and scope["method"] in ("GET", "HEAD") and b"text/html" in accept:
            response = RedirectResponse(LOGIN_PATH, status_code=303)
        else:
            code = "login_required" if status == 401 else "uploads_off"
            body = error_body(message, "authentication_error" if status == 401 else "invalid_request_error", code=code)
            response = JSONResponse(body, status_code=status)
        await response(scope, receive, send)


def door_router(door: Door) -> APIRouter:
    """``/login`` (a form, and its POST) and ``/logout``; not part of the API description."""
    router = APIRouter(include_in_schema=False)

    @router.get(LOGIN_PATH)
    async def login_form() -> HTMLResponse:
        return HTMLResponse(login_page())

    @router.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        address = request.client.host if request.client else "unknown"
        try:
            door.attempts.check(f"login:{address}")
        except APIError as exc:
            return HTMLResponse(login_page(exc.message), status_code=429, headers=exc.headers)
        body = await request.body()
        form = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
        user = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        principal = door.log_in(user, password)
        if principal is None:
            log.info("page log-in refused")  # never the name or password: either may be a mistyped secret
            return HTMLResponse(login_page("Wrong user name or password."), status_code=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            door.new_session(principal),
            max_age=int(door.ttl_s),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.get(LOGOUT_PATH)
    @router.post(LOGOUT_PATH)
    async def logout() -> Response:
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return router


def login_page(error: str | None = None) -> str:
    """The log-in form: plain HTML, no script, nothing fetched."""
    note = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clinical LLM Advisor: log in</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 26rem; margin: 4rem auto; padding: 0 1rem; color: #1f2937; }}
label {{ display: block; margin-top: 1rem; }} input {{ width: 100%; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.25rem; padding: .5rem 1.25rem; font-size: 1rem; }}
.error {{ color: #b91c1c; }} .hint {{ color: #555; font-size: .9rem; }}
</style></head><body>
<h1>Clinical LLM Advisor</h1>
<p>Log in to use the chat page.</p>{note}
<form method="post" action="{LOGIN_PATH}">
<label>User name <input name="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
<p class="hint">With an API key instead of a page account: any user name, and the key as the password.</p>
<p class="hint">Technical guidance only, not medical advice.</p>
</body></html>
"""
