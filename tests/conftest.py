"""Fixtures shared by the whole suite: where the reference data lies, the shipped catalog, a clean wiring."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import stage_examples
from assistant.catalog import Catalog
from corpus.catalog import load_catalog

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
REVIEW = SHARED / "data" / "review"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalog the product ships."""
    return load_catalog()


@pytest.fixture(autouse=True)
def _no_stage_vote_unless_wired(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with no embedder for the stage examples' vote, as the library does; the CLI and the
    server wire one, and a test that runs them in-process must not leave it to the next test."""
    monkeypatch.setattr(stage_examples, "_embed", None)
