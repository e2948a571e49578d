"""API keys: Bearer tokens from CLINADVISOR_API_KEYS or CLINADVISOR_API_KEYS_FILE, compared in constant time.

With no key configured the API is open (a single-user install on localhost). Clients are identified
for rate limits and the audit log by a short hash of their key (never the key), or by IP when anonymous.
A chat page session (``serving.api.door``) sends its own signed session token instead of a key: it acts
as the API key it logged in with, or as its page user (``user:<name>``), never as someone else.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from serving.api.errors import APIError
from serving.api.tokens import Signer
from serving.settings import Settings

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``key_id`` (hash prefix of the key) or None when anonymous, the client address, and the
    page user's name when a chat page session logged in with a user name and password."""

    key_id: str | None
    address: str
    user: str | None = None

    @property
    def identity(self) -> str:
        """Who this is, distinct per caller: the rate-limit bucket, and the scope of per-caller caches."""
        if self.user:
            return f"user:{self.user}"
        return f"key:{self.key_id}" if self.key_id else f"ip:{self.address}"

    @property
    def client(self) -> str | None:
        """The audit log's attribution: the key's id, ``user:<name>`` for a page user, None when anonymous."""
        return f"user:{self.user}" if self.user else self.key_id


def load_keys(settings: Settings) -> tuple[str, ...]:
    """The configured keys, from the environment variable and the file (blank lines and # comments skipped)."""
    keys: list[str] = []
    if settings.api_keys:
        keys += [k.strip() for k in settings.api_keys.split(",")]
    if settings.api_keys_file:
        text = settings.api_keys_file.read_text(encoding="utf-8")
        keys += [line.strip() for line in text.splitlines() if not line.strip().startswith("#")]
    return tuple(dict.fromkeys(k for k in keys if k))


def key_id(key: str) -> str:
    """A stable, non-reversible label for a key (logs and the audit log never see the key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class KeyChecker:
    """Accepts a request when keys are off, or when its Bearer token equals one of the keys, or when it is a
    page session that ``signer`` signed for a key or page user that is still configured."""

    def __init__(self, keys: Sequence[str], signer: Signer | None = None, users: Iterable[str] = ()) -> None:
        self._keys = tuple(k.encode() for k in keys)
        self._ids = frozenset(key_id(k) for k in keys)
        self._users = frozenset(users)
        self._signer = signer

    @property
    def enabled(self) -> bool:
        """True when at least one key is configured."""
        return bool(self._keys)

    def matches(self, token: str) -> str | None:
        """The id of the configured key equal to ``token``, or None."""
        given = token.encode()
        # compare with every key, without stopping early, so timing does not reveal which one is close
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(given, key)
        return key_id(token) if matched else None

    def check(self, authorization: str | None, address: str) -> Caller:
        """The caller, or APIError 401 when a key is required and missing or wrong."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        if (page := self.page_caller(token, address)) is not None:
            return page
        if not self._keys:
            return Caller(None, address)
        if not token:
            raise APIError(401, "missing API key: send 'Authorization: Bearer <key>'", headers=_CHALLENGE)
        found = self.matches(token)
        if found is None:
            raise APIError(401, "incorrect API key", headers=_CHALLENGE)
        return Caller(found, address)

    def page_caller(self, token: str, address: str) -> Caller | None:
        """The caller a page session token stands for, or None when it is not a valid session."""
        session = self._signer.read_session(token) if self._signer is not None and token else None
        if session is None:
            return None
        if session.key_id is not None and session.key_id in self._ids:
            return Caller(session.key_id, address)
        if session.user is not None and session.user in self._users:
            return Caller(None, address, session.user)
        return None  # the key or user was removed since the log-in
