"""Chunking: metadata on every chunk, overlap, stable content-derived keys."""

from __future__ import annotations

from corpus.loaders.types import Document, Section
from index.chunking import CHUNK_SIZE, Chunk, chunk_document


def _doc(sections: tuple[Section, ...], title: str = "Paper") -> Document:
    return Document(
        doc_id="/data/paper.pdf",
        kind="user",
        title=title,
        authors=("A. Author", "B. Author"),
        year=2024,
        url="https://example.org",
        source="paper.pdf",
        sections=sections,
    )


LONG = " ".join(f"Sentence number {i} talks about fine-tuning large language models on GPUs." for i in range(60))


def test_every_chunk_carries_page_section_and_metadata() -> None:
    chunks = chunk_document(_doc((Section(LONG, heading="Methods", page=3), Section("Short end.", page=4))))
    assert len(chunks) > 3
    assert all(len(c.text) <= CHUNK_SIZE for c in chunks)
    assert {c.page for c in chunks} == {3, 4}
    assert all(c.section == "Methods" for c in chunks if c.page == 3)
    assert all(c.title == "Paper" and c.authors == ("A. Author", "B. Author") and c.year == 2024 for c in chunks)
    assert chunks[-1].text == "Short end."


def test_consecutive_chunks_overlap() -> None:
    chunks = chunk_document(_doc((Section(LONG),)))
    first, second = chunks[0].text, chunks[1].text
    tail = first[-60:].split(". ", 1)[-1]
    assert tail and tail[:30] in second


def test_keys_are_stable_and_position_independent() -> None:
    base = chunk_document(_doc((Section("Alpha paragraph."), Section("Beta paragraph."))))
    again = chunk_document(_doc((Section("Alpha paragraph."), Section("Beta paragraph."))))
    assert [c.key for c in base] == [c.key for c in again]
    shifted = chunk_document(_doc((Section("New opening."), Section("Alpha paragraph."), Section("Beta paragraph."))))
    assert {c.key for c in base} <= {c.key for c in shifted}
    retitled = chunk_document(_doc((Section("Alpha paragraph."),), title="Other title"))
    assert retitled[0].key == base[0].key  # metadata changes do not change keys
    assert retitled[0].doc_hash != base[0].doc_hash  # but they do change the document hash


def test_repeated_text_gets_distinct_keys() -> None:
    chunks = chunk_document(_doc((Section("Same text.", page=1), Section("Same text.", page=2))))
    assert len({c.key for c in chunks}) == 2


def test_metadata_round_trip_and_passage() -> None:
    chunk = chunk_document(_doc((Section("Some text.", heading="Intro", page=2),)))[0]
    meta = chunk.metadata()
    assert all(v is not None for v in meta.values())
    back = Chunk.from_record(chunk.key, chunk.text, meta)
    assert back == chunk
    passage = back.to_passage(0.5)
    assert (passage.key, passage.page, passage.section, passage.score) == (chunk.key, 2, "Intro", 0.5)
    no_year = Chunk.from_record("k", "t", {"doc_id": "d", "title": "T", "authors": "", "source": "s"})
    assert no_year.year is None and no_year.page is None and no_year.authors == ()
    # a user's document is headed by its file name, not its title (a long title on every chunk crowds searches)
    assert chunk.kind == "user" and chunk.search_text.startswith("paper | Intro\n")
    card = Chunk.from_record("k", "t", {"doc_id": "d", "title": "A Card", "kind": "card", "source": "c.md"})
    assert card.search_text.startswith("A Card\n")
    assert chunk.venue is None and "venue" not in meta  # the store refuses None values


def test_a_documents_venue_travels_with_its_chunks_to_the_passage() -> None:
    doc = _doc((Section("Some text.", heading="Intro"),))
    doc = doc.__class__(**{**doc.__dict__, "extra": {"venue": "CVPR 2025"}})
    chunk = chunk_document(doc)[0]
    assert Chunk.from_record(chunk.key, chunk.text, chunk.metadata()).to_passage(0.5).venue == "CVPR 2025"
