"""A schemathesis check, loaded through SCHEMATHESIS_HOOKS: without a log-in, no page route answers."""

from __future__ import annotations

from typing import Any

import schemathesis

# what a browser may reach before logging in: the log-in form (and its answers) and the log-out redirect
OPEN = {("GET", "/login"), ("POST", "/login"), ("GET", "/logout"), ("POST", "/logout")}


@schemathesis.check
def page_needs_log_in(ctx: Any, response: Any, case: Any) -> None:
    """A page route answered 2xx (or redirected anywhere but /login) without a session."""
    if (case.method.upper(), case.path) in OPEN:
        return
    status = response.status_code
    location = response.headers.get("location", [""])
    location = location[0] if isinstance(location, list) else location
    if 200 <= status < 300 or (300 <= status < 400 and location != "/login"):
        raise AssertionError(f"{case.method} {case.path} answered {status} without a log-in")
