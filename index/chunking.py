"""Split documents into chunks that keep their page, section and the document's metadata.

Chunk keys are derived from content: a hash of the document id, the chunk's text and how many identical
chunks came before it in the same document. Inserting text elsewhere in a document, or rebuilding the
index, leaves the keys of unchanged chunks as they were, so citations stay valid and only new chunks are
embedded again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from assistant.evidence import Passage
from assistant.tables import Table, find_tables
from corpus.loaders.types import KIND_USER, Document

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

# all-MiniLM-L6-v2 reads at most 256 word pieces; 800 characters plus the title line stay under that.
CHUNK_SIZE = 800
CHUNK_OVERLAP = 120
# Bump when the splitting changes, so that stored documents are re-chunked on the next build.
CHUNKER_VERSION = f"2/{CHUNK_SIZE}/{CHUNK_OVERLAP}"  # 2: a table's chunks each repeat its header
AUTHOR_SEPARATOR = "; "


@dataclass(frozen=True)
class Chunk:
    """One piece of a document, ready to embed and store; the metadata is the document's."""

    key: str
    doc_id: str
    doc_hash: str
    kind: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    url: str | None
    source: str
    page: int | None
    section: str | None
    text: str
    venue: str | None = None

    @property
    def search_text(self) -> str:
        """What is embedded and matched by BM25: title and section give a short chunk its context. A user's
        document is headed by its file name: a long paper's title on each of its hundred chunks makes a
        query that matches the title match all of them, and they crowd out every other document."""
        name = PurePath(self.source).stem if self.kind == KIND_USER and self.source else self.title
        head = name if not self.section else f"{name} | {self.section}"
        return f"{head}\n{self.text}"

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for the vector store (which refuses None values, so absent fields are left out)."""
        meta: dict[str, str | int] = {
            "doc_id": self.doc_id,
            "doc_hash": self.doc_hash,
            "kind": self.kind,
            "title": self.title,
            "authors": AUTHOR_SEPARATOR.join(self.authors),
            "source": self.source,
        }
        optional = (("year", self.year), ("url", self.url), ("page", self.page), ("section", self.section),
                    ("venue", self.venue))  # fmt: skip
        for name, value in optional:
            if value is not None:
                meta[name] = value
        return meta

    @classmethod
    def from_record(cls, key: str, text: str, meta: Mapping[str, object]) -> Chunk:
        """Rebuild a chunk from what the vector store holds."""

        def opt_str(name: str) -> str | None:
            value = meta.get(name)
            return str(value) if value is not None else None

        def opt_int(name: str) -> int | None:
            value = meta.get(name)
            return int(value) if isinstance(value, int | float) else None

        authors = str(meta.get("authors") or "")
        return cls(
            key=key,
            doc_id=str(meta.get("doc_id", "")),
            doc_hash=str(meta.get("doc_hash", "")),
            kind=str(meta.get("kind", "")),
            title=str(meta.get("title", "")),
            authors=tuple(a for a in authors.split(AUTHOR_SEPARATOR) if a),
            year=opt_int("year"),
            url=opt_str("url"),
            source=str(meta.get("source", "")),
            page=opt_int("page"),
            section=opt_str("section"),
            text=text,
            venue=opt_str("venue"),
        )

    def to_passage(self, score: float) -> Passage:
        """The chunk as a retrieved passage with its score (higher is better)."""
        return Passage(
            key=self.key,
            doc_id=self.doc_id,
            title=self.title,
            authors=self.authors,
            year=self.year,
            url=self.url,
            source=self.source,
            page=self.page,
            section=self.section,
            score=score,
            text=self.text,
            kind=self.kind,
            venue=self.venue,
        )


def chunk_key(doc_id: str, text: str, occurrence: int) -> str:
    """The stable key of a chunk: a hash of its document, its text and its occurrence number."""
    raw = f"{doc_id}\x00{text}\x00{occurrence}".encode()
    return "c" + hashlib.sha256(raw).hexdigest()[:19]


def index_hash(fingerprint: str) -> str:
    """The hash stored with every chunk: the document's fingerprint under this chunker's settings."""
    return hashlib.sha256(f"{fingerprint}|{CHUNKER_VERSION}".encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def _splitter() -> RecursiveCharacterTextSplitter:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE,
        chunk_overlap=CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "; ", " ", ""],
        keep_separator="end",
    )


def _table_pieces(table: Table) -> list[str]:
    """A table's rows in groups that fit a chunk, each under the table's header: a row alone does not say
    which column holds what."""
    pieces: list[str] = []
    rows: list[str] = []
    for row in table.rows:
        if rows and len(table.header_text) + sum(len(r) + 1 for r in [*rows, row]) > CHUNK_SIZE:
            pieces.append("\n".join([table.header_text, *rows]))
            rows = []
        rows.append(row)
    if rows:
        pieces.append("\n".join([table.header_text, *rows]))
    return pieces


def split_text(text: str) -> list[str]:
    """A section's text in chunk-sized pieces; Markdown tables apart, their header in each of their pieces."""
    pieces: list[str] = []
    at = 0
    for table in find_tables(text):
        pieces += _splitter().split_text(text[at : table.start])
        pieces += _table_pieces(table)
        at = table.end
    return pieces + _splitter().split_text(text[at:])


def chunk_document(doc: Document, fingerprint: str | None = None) -> list[Chunk]:
    """The document's chunks, section by section (a chunk never spans two sections or pages)."""
    doc_hash = index_hash(fingerprint or doc.fingerprint())
    seen: Counter[str] = Counter()
    chunks: list[Chunk] = []
    for section in doc.sections:
        for piece in split_text(section.text):
            text = piece.strip()
            if not text:
                continue
            seen[text] += 1
            chunks.append(
                Chunk(
                    key=chunk_key(doc.doc_id, text, seen[text]),
                    doc_id=doc.doc_id,
                    doc_hash=doc_hash,
                    kind=doc.kind,
                    title=doc.title,
                    authors=doc.authors,
                    year=doc.year,
                    url=doc.url,
                    source=doc.source,
                    page=section.page,
                    section=section.heading,
                    text=text,
                    venue=doc.extra.get("venue") or None,
                )
            )
    return chunks
