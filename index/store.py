"""The Chroma vector store: a persistent collection in the data folder, or a Chroma server.

chromadb is imported here only. The collection has no embedding function (``embedding_function=None``):
we always pass vectors, so Chroma's default embedder (which downloads a model) can never run. Telemetry
is off. The collection's metadata records the embedding model, the last build time and a generation
stamp that changes with every write, so that other processes know when to reload their BM25 index and
reopen their persistent client: a persistent client keeps its vector index in memory and does not see
what another process (``clinadvisor corpus add`` beside a running server) wrote after it was opened.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from index.chunking import Chunk

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

COLLECTION = "clinadvisor-minilm-l6-v2"
PAGE = 5000  # records read per request when listing the whole collection


@dataclass(frozen=True)
class Hit:
    """A vector-search result: the chunk and its cosine similarity."""

    chunk: Chunk
    similarity: float


def chroma_settings() -> Any:
    """Chroma client settings with anonymous telemetry switched off."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def make_client(path: Path | None = None, url: str | None = None, fresh: bool = False) -> ClientAPI:
    """A Chroma client: an HTTP client when ``url`` is given, else a persistent client at ``path``.

    ``fresh``: a new persistent client that loads the folder again, instead of the one chromadb keeps per
    folder in this process (the old one keeps working for searches already under way)."""
    import chromadb

    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=parsed.hostname or "localhost", port=port, ssl=parsed.scheme == "https", settings=chroma_settings()
        )
    if path is None:
        raise ValueError("a persistent Chroma store needs a path")
    path.mkdir(parents=True, exist_ok=True)
    if fresh:
        _forget_cached_client(path)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def _forget_cached_client(path: Path) -> None:
    # chromadb 1.5 caches one "system" per folder and hands it to every PersistentClient of that folder; only
    # dropping that entry (not stopping it: other threads may be searching with it) gives a client that reads
    # the folder anew. A later chromadb without this cache needs nothing here.
    from chromadb.api.shared_system_client import SharedSystemClient

    cache = getattr(SharedSystemClient, "_identifier_to_system", None)
    if isinstance(cache, dict):
        with SharedSystemClient._refcount_lock:
            cache.pop(str(path), None)


class ChromaStore:
    """Chunks with their vectors in one Chroma collection."""

    def __init__(self, client: ClientAPI, name: str = COLLECTION, embedding_model: str = "") -> None:
        self.client = client
        self.name = name
        self.embedding_model = embedding_model
        self.collection: Collection = client.get_or_create_collection(
            name,
            embedding_function=None,  # never Chroma's default embedder: we pass every vector ourselves
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": embedding_model, "generation": "0", "built_at": ""},
        )
        self._batch = max(1, min(client.get_max_batch_size(), 5000))

    def reopened(self) -> ChromaStore:
        """The same collection through a new client that sees other processes' writes (a Chroma server's
        HTTP client always does: then this store itself)."""
        settings = self.client.get_settings()
        if not settings.is_persistent or not settings.persist_directory:
            return self
        client = make_client(path=Path(settings.persist_directory), fresh=True)
        return ChromaStore(client, self.name, self.embedding_model)

    def count(self) -> int:
        """Number of chunks stored."""
        return self.collection.count()

    def info(self) -> dict[str, Any]:
        """The collection's metadata (embedding model, generation, last build time), read fresh."""
        return dict(self.client.get_collection(self.name, embedding_function=None).metadata or {})

    def touch(self, built: bool = False) -> str:
        """Record a write: a new generation stamp (and the build time when ``built``); returns the stamp."""
        meta = self.info()
        meta["generation"] = uuid.uuid4().hex
        meta["embedding_model"] = self.embedding_model or meta.get("embedding_model", "")
        if built:
            meta["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.collection.modify(metadata=meta)
        return str(meta["generation"])

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store chunks with their vectors, in the largest batches the server accepts."""
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            self.collection.add(
                ids=[c.key for c in part],
                embeddings=vectors[start : start + self._batch],
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Rewrite the metadata of stored chunks (a document's title changed, its text did not)."""
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            self.collection.update(ids=[c.key for c in part], metadatas=[c.metadata() for c in part])

    def delete(self, keys: Sequence[str]) -> None:
        """Delete chunks by key."""
        for start in range(0, len(keys), self._batch):
            self.collection.delete(ids=list(keys[start : start + self._batch]))

    def records(self, with_text: bool = True, where: dict[str, Any] | None = None) -> Iterator[Chunk]:
        """Every stored chunk (or those matching ``where``), page by page."""
        include: Any = ["metadatas", "documents"] if with_text else ["metadatas"]
        offset = 0
        while True:
            page = self.collection.get(where=where, include=include, limit=PAGE, offset=offset)
            ids = page["ids"]
            metas = page["metadatas"] or []
            docs = page["documents"] or [""] * len(ids)
            for key, text, meta in zip(ids, docs, metas, strict=True):
                yield Chunk.from_record(key, text or "", meta)
            if len(ids) < PAGE:
                return
            offset += PAGE

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """The stored chunks of one document (without text)."""
        return list(self.records(with_text=False, where={"doc_id": doc_id}))

    def query(self, vector: Sequence[float], n: int) -> list[Hit]:
        """The ``n`` nearest chunks to a query vector, nearest first."""
        total = self.count()
        if total == 0:
            return []
        queries: list[Sequence[float]] = [list(vector)]
        result = self.collection.query(
            query_embeddings=queries,
            n_results=min(n, total),
            include=["metadatas", "documents", "distances"],
        )
        ids = result["ids"][0]
        docs = (result["documents"] or [[]])[0]
        metas = (result["metadatas"] or [[]])[0]
        dists = (result["distances"] or [[]])[0]
        return [
            Hit(Chunk.from_record(key, text or "", meta), 1.0 - float(dist))
            for key, text, meta, dist in zip(ids, docs, metas, dists, strict=True)
        ]
