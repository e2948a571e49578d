"""The document model every loader produces, and the errors loaders raise.

The tree, so callers can catch at the depth they care about::

    LoadError                  a file could not be turned into a document
     ├── UnsupportedType       the file's suffix is not one we read
     ├── EmptyDocument         the file holds no text (skipped with a warning)
     ├── NoTextLayer           a PDF with pages but no text (a scan; OCR is not supported)
     └── CorruptFile           the file cannot be parsed (reason attached)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Bump when a loader's output changes, so that fingerprints change and documents are re-indexed.
LOADER_VERSION = "2"  # 2: the index keeps a document's venue with its chunks

KIND_CARD = "card"
KIND_CATALOG = "catalog"
KIND_USER = "user"


class LoadError(Exception):
    """A file could not be turned into a document; ``reason`` says why in words a user understands."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class UnsupportedType(LoadError):
    """The file's type is not one the loaders read."""


class EmptyDocument(LoadError):
    """The file holds no text."""


class NoTextLayer(LoadError):
    """A PDF whose pages carry no text (a scanned image)."""


class CorruptFile(LoadError):
    """The file cannot be parsed."""


@dataclass(frozen=True)
class Section:
    """A run of text from one place in a document: a heading's section, or one PDF page."""

    text: str
    heading: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Document:
    """A loaded document with its bibliographic metadata; every chunk made from it carries the metadata."""

    doc_id: str
    kind: str  # card | catalog | user
    title: str
    authors: tuple[str, ...]
    year: int | None
    url: str | None
    source: str  # the file name shown to users (a card's or a user's file; "catalog.json" for catalog facts)
    sections: tuple[Section, ...]
    doi: str | None = None
    licence: str | None = None
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def text(self) -> str:
        """All the text, sections joined by blank lines."""
        return "\n\n".join(s.text for s in self.sections)

    def fingerprint(self) -> str:
        """A hash of everything that reaches the index: metadata, sections and the loader version."""
        payload = {
            "v": LOADER_VERSION,
            "doc_id": self.doc_id,
            "kind": self.kind,
            "title": self.title,
            "authors": list(self.authors),
            "year": self.year,
            "url": self.url,
            "source": self.source,
            "doi": self.doi,
            "licence": self.licence,
            "extra": dict(sorted(self.extra.items())),
            "sections": [[s.heading, s.page, s.text] for s in self.sections],
        }
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()


def split_authors(value: str) -> tuple[str, ...]:
    """Authors from a semicolon-separated string (a comma-separated one when it has no semicolons)."""
    sep = ";" if ";" in value else ","
    return tuple(a.strip() for a in value.split(sep) if a.strip())


def parse_year(value: object) -> int | None:
    """A publication year from an int or a string that starts with four digits; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and len(value.strip()) >= 4 and value.strip()[:4].isdigit():
        return int(value.strip()[:4])
    return None
