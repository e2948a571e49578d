"""Signed tokens: the page's log-in sessions and the chat's response ids, both checked without storage.

One server secret (``CLINADVISOR_SESSION_SECRET``, else random at each start) signs two kinds of token with
HMAC-SHA256, each under its own purpose label so that one kind can never pass for the other:

- a **session** (``cs1.<payload>.<mac>``) names who logged in to the chat page (``key:<key id>`` or
  ``user:<name>``), a random session id and an expiry. It is the page's cookie and the Bearer token the
  page sends to ``/v1`` on that session's behalf, so every page session acts with its own identity.
- a **response id** (``chatcmpl-<nonce><mac>``) is bound to the caller it was given to, so feedback is
  accepted only from that caller and only for ids this server issued.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

SESSION_PREFIX = "cs1."
RESPONSE_PREFIX = "chatcmpl-"
_NONCE_HEX = 24
_MAC_HEX = 32  # 128 bits of the HMAC: plenty against guessing, short enough for a response id


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    """A verified page session: who logged in (``key:<id>`` or ``user:<name>``), its id and its expiry."""

    principal: str
    sid: str
    expires: float

    @property
    def key_id(self) -> str | None:
        """The API key's id when the log-in was with a key."""
        return self.principal.removeprefix("key:") if self.principal.startswith("key:") else None

    @property
    def user(self) -> str | None:
        """The page user's name when the log-in was with a user name and password."""
        return self.principal.removeprefix("user:") if self.principal.startswith("user:") else None


class Signer:
    """Signs and checks tokens with one secret; each purpose has its own derived key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def from_setting(cls, secret: str | None) -> Signer:
        """The configured secret (any string; hashed to a key), or a random one (tokens end with the process)."""
        if secret:
            return cls(hashlib.sha256(secret.encode("utf-8")).digest())
        return cls(secrets.token_bytes(32))

    def mac(self, purpose: str, message: str) -> str:
        """The hex HMAC of ``message`` under ``purpose`` (truncated to 128 bits)."""
        key = hmac.new(self._secret, purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:_MAC_HEX]

    def valid(self, purpose: str, message: str, mac: str) -> bool:
        """True when ``mac`` is the HMAC of ``message`` under ``purpose`` (constant-time comparison)."""
        return hmac.compare_digest(self.mac(purpose, message), mac)

    # --- page sessions ------------------------------------------------------------------------------------

    def session(self, principal: str, ttl_s: float, now: float | None = None) -> str:
        """A new session token for ``principal``, valid for ``ttl_s`` seconds."""
        expires = int((now if now is not None else time.time()) + ttl_s)
        payload = _b64(json.dumps({"p": principal, "s": secrets.token_hex(8), "e": expires}).encode())
        return f"{SESSION_PREFIX}{payload}.{self.mac('session', payload)}"

    def read_session(self, token: str | None, now: float | None = None) -> Session | None:
        """The session a token names, or None when it is not ours, altered or expired."""
        if not token or not token.startswith(SESSION_PREFIX):
            return None
        payload, _, mac = token.removeprefix(SESSION_PREFIX).partition(".")
        if not payload or not self.valid("session", payload, mac):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(str(data["p"]), str(data["s"]), float(data["e"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if session.expires < (now if now is not None else time.time()):
            return None
        return session

    # --- response ids -------------------------------------------------------------------------------------

    def response_id(self, caller: str) -> str:
        """A new chat completion id, bound to the caller identity it is given to."""
        nonce = secrets.token_hex(_NONCE_HEX // 2)
        return f"{RESPONSE_PREFIX}{nonce}{self.mac('response', f'{nonce}|{caller}')}"

    def issued_to(self, response_id: str, caller: str) -> bool:
        """True when this server issued ``response_id`` to ``caller``."""
        body = response_id.removeprefix(RESPONSE_PREFIX)
        if body == response_id or len(body) != _NONCE_HEX + _MAC_HEX:
            return False
        nonce, mac = body[:_NONCE_HEX], body[_NONCE_HEX:]
        return self.valid("response", f"{nonce}|{caller}", mac)
