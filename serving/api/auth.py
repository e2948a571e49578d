"""API keys: Bearer tokens from CLINADVISOR_API_KEYS or CLINADVISOR_API_KEYS_FILE, compared in constant time.

With no key configured the API is open (a single-user install on localhost). Clients are identified
for rate limits and the audit log by a short hash of their key (never the key), or by IP when anonymous.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from serving.api.errors import APIError
from serving.settings import Settings

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``key_id`` (hash prefix of the key) or None when anonymous, and the client address."""

    key_id: str | None
    address: str

    @property
    def identity(self) -> str:
        """The rate-limit bucket name."""
        return f"key:{self.key_id}" if self.key_id else f"ip:{self.address}"


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
    """Accepts a request when keys are off, or when its Bearer token equals one of the keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = tuple(k.encode() for k in keys)

    @property
    def enabled(self) -> bool:
        """True when at least one key is configured."""
        return bool(self._keys)

    def check(self, authorization: str | None, address: str) -> Caller:
        """The caller, or APIError 401 when a key is required and missing or wrong."""
        if not self._keys:
            return Caller(None, address)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise APIError(401, "missing API key: send 'Authorization: Bearer <key>'", headers=_CHALLENGE)
        given = token.strip().encode()
        # compare with every key, without stopping early, so timing does not reveal which one is close
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(given, key)
        if not matched:
            raise APIError(401, "incorrect API key", headers=_CHALLENGE)
        return Caller(key_id(given.decode()), address)
