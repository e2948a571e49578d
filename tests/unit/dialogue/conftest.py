"""Fixtures of the dialogue tests: a fresh extraction cache per test, so that results never depend on order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.extraction import cache_clear


@pytest.fixture(autouse=True)
def _fresh_extraction_cache() -> Iterator[None]:
    cache_clear()
    yield
    cache_clear()
