"""The hybrid index: vector search (Chroma) and BM25 fused by reciprocal rank; implements ``Retriever``.

Writes go through this class, which keeps Chroma and BM25 consistent: a document is replaced by deleting
the chunks whose keys are gone, adding (and embedding) only the new ones and rewriting the metadata of
the rest. When the store's generation stamp changes because another process wrote (``clinadvisor corpus
add`` beside a running server), checked at most once per ``refresh_seconds``, both halves are brought up
to date: the BM25 index is rebuilt from the store's chunks and the vector store is reopened.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from assistant.abbreviations import american_spelling
from assistant.evidence import Passage
from assistant.sanitize import clean_passage
from corpus.loaders.types import Document
from index.acronyms import defined_acronyms, with_long_forms
from index.bm25 import BM25Index
from index.chunking import Chunk, chunk_document, index_hash
from index.embeddings import MODEL_NAME, Embedder, get_embedder
from index.fusion import cap_per_document, reciprocal_rank_fusion
from index.store import ChromaStore

CANDIDATES = 50  # results taken from each of the two searches before fusion


@dataclass(frozen=True)
class UpsertReport:
    """What writing one document changed."""

    doc_id: str
    chunks: int
    added: int
    deleted: int
    unchanged: bool


@dataclass(frozen=True)
class Source:
    """A document the index should hold: its id, its fingerprint, and how to load it (only if needed)."""

    doc_id: str
    fingerprint: str
    load: Callable[[], Document]


class _Snapshot:
    """The chunks as of one generation, with the BM25 index over them."""

    def __init__(self, generation: str, chunks: list[Chunk]) -> None:
        self.generation = generation
        self.chunks = chunks
        self.by_key = {c.key: c for c in chunks}
        self.bm25 = BM25Index([c.search_text for c in chunks])
        self.acronyms = defined_acronyms(c.text for c in chunks)


class HybridIndex:
    """Hybrid search over the indexed corpus (``assistant.evidence.Retriever``)."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Callable[[], Embedder] = get_embedder,
        max_per_doc: int | None = None,
        refresh_seconds: float = 1.0,
    ) -> None:
        self.store = store
        self._embedder = embedder
        self.max_per_doc = max_per_doc
        self.refresh_seconds = refresh_seconds
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()  # a server searches from several threads
        # the generation the vector side has seen: at opening, and after each of this process's own writes
        self._seen_generation = str(store.info().get("generation", ""))

    @property
    def embedder(self) -> Embedder:
        """The embedding model (loaded on first use)."""
        return self._embedder()

    # ---- reading -------------------------------------------------------------------------------------

    def _current(self) -> _Snapshot:
        # Fast path without the lock: a server calls this on every turn from many threads, and the snapshot is
        # replaced (never mutated), so reading the reference is safe.
        snapshot = self._snapshot
        if snapshot is not None and time.monotonic() - self._checked_at < self.refresh_seconds:
            return snapshot
        with self._lock:
            now = time.monotonic()
            if self._snapshot is not None and now - self._checked_at < self.refresh_seconds:
                return self._snapshot
            generation = str(self.store.info().get("generation", ""))
            self._checked_at = now
            if generation != self._seen_generation:
                # another process wrote: our client's vector index is stale, a new client reads it anew
                self.store = self.store.reopened()
                self._seen_generation = generation
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = _Snapshot(generation, list(self.store.records()))
            return self._snapshot

    def search(self, query: str, k: int = 5, max_per_doc: int | None = -1) -> list[Passage]:
        """The ``k`` best passages for ``query``; at most ``max_per_doc`` per document (-1: the default cap)."""
        cap = self.max_per_doc if max_per_doc == -1 else max_per_doc
        snapshot = self._current()
        store = self.store  # read once: a refresh in another thread may replace it
        if not query.strip() or k <= 0 or not snapshot.chunks:
            return []
        # "RLHF" finds the passage that spells it out; "quantised" the one that writes "quantized"
        query = american_spelling(with_long_forms(query, snapshot.acronyms))
        embedded = self.embedder.embed_query(query)
        candidates = max(CANDIDATES, 4 * k)  # enough left after the per-document cap, as a rule
        while True:
            vector_hits = store.query(embedded, candidates)
            keyword_hits = snapshot.bm25.search(query, candidates)
            by_key = dict(snapshot.by_key)
            for hit in vector_hits:
                by_key.setdefault(hit.chunk.key, hit.chunk)  # written after our snapshot was taken
            fused = reciprocal_rank_fusion(
                [[h.chunk.key for h in vector_hits], [snapshot.chunks[i].key for i, _ in keyword_hits]]
            )
            capped = cap_per_document(fused, partial(_doc_of, by_key), cap)
            if len(capped) >= k or candidates >= len(snapshot.chunks):
                break
            # one long document filled the pool (a query that matches its title matches every chunk): look deeper
            candidates *= 4
        # a user's document may hold images, HTML or script links: no caller gets them (assistant.sanitize)
        return [clean_passage(by_key[key].to_passage(round(score, 6))) for key, score in capped[:k]]

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        """How well each text matches the query (``assistant.evidence.SentenceScorer``), by the index's embedder."""
        return self.embedder.similarities(with_long_forms(query, self._current().acronyms), texts)

    def fingerprints(self) -> dict[str, str]:
        """The stored hash of every indexed document, by doc_id."""
        hashes: dict[str, str] = {}
        for chunk in self.store.records(with_text=False):
            if hashes.setdefault(chunk.doc_id, chunk.doc_hash) != chunk.doc_hash:
                hashes[chunk.doc_id] = ""  # an interrupted write left mixed chunks: rebuild this document
        return hashes

    def has(self, doc_id: str, fingerprint: str) -> bool:
        """True when the document is indexed with exactly this fingerprint."""
        chunks = self.store.collection.get(where={"doc_id": doc_id}, include=["metadatas"], limit=1)
        metas = chunks["metadatas"] or []
        return bool(metas) and metas[0].get("doc_hash") == index_hash(fingerprint)

    def status(self) -> dict[str, Any]:
        """Documents and chunks by kind, the embedding model, the last build time."""
        docs: dict[str, set[str]] = {}
        chunks: dict[str, int] = {}
        for chunk in self.store.records(with_text=False):
            docs.setdefault(chunk.kind, set()).add(chunk.doc_id)
            chunks[chunk.kind] = chunks.get(chunk.kind, 0) + 1
        info = self.store.info()
        return {
            "documents": sum(len(v) for v in docs.values()),
            "chunks": sum(chunks.values()),
            "by_kind": {kind: {"documents": len(docs[kind]), "chunks": chunks[kind]} for kind in sorted(docs)},
            "embedding_model": info.get("embedding_model") or MODEL_NAME,
            "built_at": info.get("built_at") or None,
            "collection": self.store.name,
        }

    # ---- writing -------------------------------------------------------------------------------------

    def upsert(self, doc: Document, fingerprint: str | None = None) -> UpsertReport:
        """Index a document, replacing its previous chunks; only chunks with new text are embedded."""
        report, fresh = self._plan(doc, fingerprint)
        if fresh:
            self.store.add(fresh, self.embedder.embed([c.search_text for c in fresh]))
        if not report.unchanged:
            self._changed()
        return report

    def _plan(self, doc: Document, fingerprint: str | None) -> tuple[UpsertReport, list[Chunk]]:
        """Delete the document's chunks that are gone, rewrite changed metadata; return the chunks to add."""
        chunks = chunk_document(doc, fingerprint)
        old = {c.key: c for c in self.store.doc_chunks(doc.doc_id)}
        new_keys = {c.key for c in chunks}
        gone = [key for key in old if key not in new_keys]
        if gone:
            self.store.delete(gone)
        kept = [c for c in chunks if c.key in old and old[c.key].metadata() != c.metadata()]
        if kept:
            self.store.update_metadata(kept)
        fresh = [c for c in chunks if c.key not in old]
        unchanged = not gone and not kept and not fresh
        return UpsertReport(doc.doc_id, len(chunks), len(fresh), len(gone), unchanged), fresh

    def remove(self, doc_id: str) -> int:
        """Delete a document's chunks; returns how many there were."""
        keys = [c.key for c in self.store.doc_chunks(doc_id)]
        if keys:
            self.store.delete(keys)
            self._changed()
        return len(keys)

    def _changed(self, built: bool = False) -> None:
        with self._lock:
            self._seen_generation = self.store.touch(built=built)  # our own client saw this write
            self._snapshot = None

    def sync(
        self, sources: Sequence[Source], progress: bool = True, remove: Callable[[str], bool] | None = None
    ) -> dict[str, int]:
        """Make the index hold exactly these documents; only new or changed ones are loaded and embedded.

        Indexed documents not in ``sources`` are deleted (only those ``remove(doc_id)`` accepts, if given).
        Returns counts of documents (added, updated, removed, unchanged) and chunks (added, deleted).
        New chunks of all documents are embedded together in large batches, with a progress bar (tqdm,
        on stderr), then written in the largest batches the store accepts.
        """
        from tqdm import tqdm  # type: ignore[import-untyped]

        current = self.fingerprints()
        counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "chunks_added": 0, "chunks_deleted": 0}
        wanted = {s.doc_id for s in sources}
        for doc_id in sorted(set(current) - wanted):
            if remove is not None and not remove(doc_id):
                continue
            counts["chunks_deleted"] += self.remove(doc_id)
            counts["removed"] += 1
        fresh: list[Chunk] = []
        for source in sources:
            if current.get(source.doc_id) == index_hash(source.fingerprint):
                counts["unchanged"] += 1
                continue
            counts["updated" if source.doc_id in current else "added"] += 1
            report, new_chunks = self._plan(source.load(), source.fingerprint)
            counts["chunks_added"] += report.added
            counts["chunks_deleted"] += report.deleted
            fresh.extend(new_chunks)
        if fresh:
            with tqdm(total=len(fresh), desc="embedding", unit="chunk", file=sys.stderr, disable=not progress) as bar:
                vectors = self.embedder.embed([c.search_text for c in fresh], on_batch=bar.update)
            self.store.add(fresh, vectors)
        if counts["unchanged"] < len(sources) or counts["removed"] or not self.store.info().get("built_at"):
            self._changed(built=True)
        return counts


def _doc_of(chunks: Mapping[str, Chunk], key: str) -> str:
    return chunks[key].doc_id
