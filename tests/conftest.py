"""Fixtures shared by the whole suite: where the reference data lies, and the shipped catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.catalog import Catalog
from corpus.catalog import load_catalog

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
REVIEW = SHARED / "data" / "review"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalog the product ships."""
    return load_catalog()
