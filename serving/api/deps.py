"""Route dependencies: the shared state, and the caller once authenticated and within its rate limit.

They are ``async`` because they never block: FastAPI would run plain functions in the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from serving.api.auth import Caller
from serving.api.state import AppState

# auto_error=False: our own check answers 401 in the OpenAI shape; this only documents the scheme.
bearer = HTTPBearer(auto_error=False, description="An API key from CLINADVISOR_API_KEYS (when keys are set).")


async def get_state(request: Request) -> AppState:
    """The application's shared state."""
    state: AppState = request.app.state.clinadvisor
    return state


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    """The caller, checked against the configured keys (401 otherwise)."""
    state: AppState = request.app.state.clinadvisor
    address = request.client.host if request.client else "unknown"
    return state.keys.check(request.headers.get("authorization"), address)


async def caller(request: Request, who: Annotated[Caller, Depends(authenticated)]) -> Caller:
    """The authenticated caller, after taking one token of its rate limit (429 otherwise)."""
    state: AppState = request.app.state.clinadvisor
    state.limiter.check(who.identity)
    return who


State = Annotated[AppState, Depends(get_state)]
Authorized = Annotated[Caller, Depends(caller)]
