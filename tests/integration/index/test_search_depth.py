"""A search capped per document looks deeper when one long document fills its candidate pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.loaders.types import KIND_USER, Document, Section
from index.hybrid import CANDIDATES
from tests.integration.index.test_live_update import open_index

pytestmark = pytest.mark.integration


def test_one_long_document_that_matches_best_does_not_crowd_out_the_others(tmp_path: Path) -> None:
    index = open_index(tmp_path / "chroma")
    # every section of the long paper matches the query better than any note, in both halves of the search
    sections = tuple(Section(text=f"Section {n}: ecg waveform analysis, more ecg waveform analysis, ecg") for n in
                     range(CANDIDATES + 30))  # fmt: skip
    index.upsert(Document("long", KIND_USER, "Long paper", (), None, None, "long.txt", sections))
    for n in range(6):
        note = Section(text=f"Note {n} mentions ecg waveform once among other notes")
        index.upsert(Document(f"note-{n}", KIND_USER, f"Note {n}", (), None, None, f"note-{n}.txt", (note,)))
    hits = index.search("ecg waveform analysis ecg", 5, max_per_doc=1)
    assert len(hits) == 5 and len({h.doc_id for h in hits}) == 5
    assert hits[0].doc_id == "long"  # the best document still comes first
