"""The shipped evidence cards are reviewed like code: these checks run on every card."""

from __future__ import annotations

import re

import pytest

from assistant.catalog import Catalog
from corpus.loaders.cards import card_paths, load_card

CARDS = card_paths()
SECTIONS = {
    "What it is",
    "Clinical tasks and data",
    "Compute (GPUs, memory, power)",
    "Reported results",
    "Where it sits in the review",
    "Access and licence",
}
# A figure on a card must name its source with one of these tags at the end of its line.
TAG = re.compile(r"\[(catalog|review|seed \d{3}|paper page: [^\]]+)\](\s*\[[^\]]+\])*\s*$")
FIGURE = re.compile(r"\d")


def test_there_are_at_least_forty_cards() -> None:
    assert len(CARDS) >= 40


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_card_header_and_sections(path: object, catalog: Catalog) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    doc = load_card(path)
    assert doc.title and doc.year and doc.url and doc.url.startswith("http")
    # authors start with a name (references print them), never with a note that the names were not captured
    assert doc.authors and not doc.authors[0].startswith("("), doc.authors
    assert not any("not captured" in a for a in doc.authors), doc.authors
    assert doc.extra.get("kind") in {"model", "review", "catalog-only"}
    headings = {s.heading for s in doc.sections}
    assert headings >= SECTIONS, f"missing sections: {SECTIONS - headings}"
    known = {m.id for m in catalog.models}
    for model_id in filter(None, (m.strip() for m in doc.extra.get("models", "").split(","))):
        assert model_id in known, f"{model_id} is not a catalog model id"


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_every_figure_names_its_source(path: object) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    untagged = [
        line for line in body.splitlines() if line.startswith("- ") and FIGURE.search(line) and not TAG.search(line)
    ]
    assert not untagged, f"figures without a source tag: {untagged[:3]}"
