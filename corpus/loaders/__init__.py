"""Loaders that turn the shipped corpus and users' files into Documents for the index.

- ``cards``: the evidence cards shipped in ``corpus/cards``.
- ``catalog_docs``: the catalog's per-model and per-sub-task facts as generated documents.
- ``files``: users' .pdf, .txt, .md and .html files; ``sidecar``: their optional metadata.
"""

from corpus.loaders.cards import CARDS_DIR, load_card, load_cards
from corpus.loaders.catalog_docs import catalog_documents
from corpus.loaders.files import SUPPORTED_SUFFIXES, load_file, read_sections, supported
from corpus.loaders.sidecar import Metadata, read_sidecar
from corpus.loaders.types import (
    KIND_CARD,
    KIND_CATALOG,
    KIND_USER,
    CorruptFile,
    Document,
    EmptyDocument,
    LoadError,
    NoTextLayer,
    Section,
    UnsupportedType,
)

__all__ = [
    "CARDS_DIR",
    "KIND_CARD",
    "KIND_CATALOG",
    "KIND_USER",
    "SUPPORTED_SUFFIXES",
    "CorruptFile",
    "Document",
    "EmptyDocument",
    "LoadError",
    "Metadata",
    "NoTextLayer",
    "Section",
    "UnsupportedType",
    "catalog_documents",
    "load_card",
    "load_cards",
    "load_file",
    "read_sections",
    "read_sidecar",
    "supported",
]
