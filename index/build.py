"""Open the index from settings, list the documents it should hold, and bring it up to date.

The shipped corpus (evidence cards and the catalog's generated documents) and the users' documents in
the data folder are the sources. ``ensure_index`` is what a server calls on start and the CLI before a
search: it indexes whatever of the shipped corpus is missing or changed (the first call embeds it all,
under a minute on two cores) and returns the ready index.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol

from corpus.catalog import load_catalog
from corpus.documents import DocumentStore
from corpus.loaders.cards import CARDS_DIR, card_paths, load_card
from corpus.loaders.catalog_docs import catalog_documents
from corpus.loaders.types import Document
from index.embeddings import MODEL_NAME, Embedder, get_embedder
from index.hybrid import HybridIndex, Source
from index.store import ChromaStore, make_client

SHIPPED_PREFIXES = ("card:", "catalog:")


class IndexSettings(Protocol):
    """The settings the index reads (serving.settings.Settings has them)."""

    @property
    def home(self) -> Path:
        """The data folder."""
        ...

    @property
    def chroma_url(self) -> str | None:
        """A Chroma server URL, or None for the persistent store in the data folder."""
        ...

    @property
    def search_max_per_doc(self) -> int:
        """Default cap of chunks per document in search results (0: none)."""
        ...


def chroma_path(home: Path) -> Path:
    """Where the persistent Chroma store lies in the data folder."""
    return home / "index" / "chroma"


def open_index(settings: IndexSettings, embedder: Callable[[], Embedder] = get_embedder) -> HybridIndex:
    """The index the settings point at (Chroma server or the data folder); nothing is built."""
    client = make_client(path=chroma_path(settings.home), url=settings.chroma_url)
    store = ChromaStore(client, embedding_model=MODEL_NAME)
    return HybridIndex(store, embedder=embedder, max_per_doc=settings.search_max_per_doc or None)


def _loaded(doc: Document) -> Document:
    return doc


def shipped_sources(cards_dir: Path = CARDS_DIR) -> list[Source]:
    """The evidence cards and the catalog's generated documents."""
    sources: list[Source] = []
    for path in card_paths(cards_dir):
        doc = load_card(path)
        sources.append(Source(doc.doc_id, doc.fingerprint(), partial(_loaded, doc)))
    for doc in catalog_documents(load_catalog()):
        sources.append(Source(doc.doc_id, doc.fingerprint(), partial(_loaded, doc)))
    return sources


def user_sources(store: DocumentStore) -> list[Source]:
    """The users' documents in the data folder, loaded from their stored copies only when needed."""
    return [Source(r.doc_id, r.fingerprint(), partial(store.load, r)) for r in store.records()]


def build_index(index: HybridIndex, home: Path, progress: bool = True) -> dict[str, int]:
    """Add new or changed documents (cards, catalog, users') and delete removed ones."""
    return index.sync(shipped_sources() + user_sources(DocumentStore(home)), progress=progress)


def ensure_index(
    settings: IndexSettings, progress: bool = True, embedder: Callable[[], Embedder] = get_embedder
) -> HybridIndex:
    """The ready index: the shipped corpus indexed (first use builds it), users' documents included.

    Documents outside the shipped corpus that the registry does not list are left alone here (another
    replica may share a Chroma server); ``index build`` removes them.
    """
    index = open_index(settings, embedder=embedder)
    sources = shipped_sources() + user_sources(DocumentStore(settings.home))
    index.sync(sources, progress=progress, remove=lambda doc_id: doc_id.startswith(SHIPPED_PREFIXES))
    return index
