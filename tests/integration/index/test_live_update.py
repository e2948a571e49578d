"""A document added by another process (``clinadvisor corpus add`` beside a running server) is found by both
halves of the hybrid search, vector and keyword, without a restart; a removed one disappears from both.

Real Chroma in a temporary folder; a deterministic stand-in embedder (one fixed random vector per word), so
that the test checks the index's bookkeeping, not the embedding model, and runs in seconds.
"""

from __future__ import annotations

import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from corpus.loaders.types import KIND_USER, Document, Section
from index.fusion import reciprocal_rank_fusion
from index.hybrid import HybridIndex
from index.store import ChromaStore, make_client

pytestmark = pytest.mark.integration

REFRESH_S = 0.2


def word_vector(word: str) -> np.ndarray:
    """A fixed unit vector per word."""
    rng = np.random.default_rng(zlib.crc32(word.encode()))
    vector = rng.normal(size=384).astype(np.float32)
    return vector / np.linalg.norm(vector)


class WordEmbedder:
    """Embeds a text as the vector of its last word (the documents below end with their subject)."""

    name = "word-vectors"
    dimension = 384

    def embed(self, texts: list[str], on_batch: object = None) -> np.ndarray:
        return np.stack([word_vector(t.split()[-1]) for t in texts])

    def embed_query(self, query: str) -> list[float]:
        return [float(x) for x in word_vector(query.split()[-1])]


def document(doc_id: str, subject: str) -> Document:
    """A one-section user document about ``subject``."""
    section = Section(text=f"A short note on clinical language models about {subject}")
    return Document(doc_id, KIND_USER, f"Note {doc_id}", (), None, None, f"{doc_id}.txt", (section,))


def open_index(path: Path) -> HybridIndex:
    """The hybrid index on the folder, as a server opens it."""
    store = ChromaStore(make_client(path=path), embedding_model="word-vectors")
    return HybridIndex(store, embedder=WordEmbedder, refresh_seconds=REFRESH_S)


WRITER = """
import sys
from tests.integration.index.test_live_update import document, open_index
from pathlib import Path
index = open_index(Path(sys.argv[1]))
if sys.argv[2] == "add":
    index.upsert(document(sys.argv[3], sys.argv[4]))
else:
    index.remove(sys.argv[3])
"""


def in_other_process(path: Path, *args: str) -> None:
    """Write to the index from another process, as ``clinadvisor corpus add|remove`` does."""
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", WRITER, str(path), *args], check=True, cwd=root, timeout=120)
    time.sleep(REFRESH_S * 2)


def both_halves_rank_first(index: HybridIndex, word: str, doc_id: str) -> bool:
    """True when the document is the top hit of both halves: its fused score is that of rank 1 twice."""
    hits = index.search(f"clinical {word}", k=3, max_per_doc=None)
    first_twice = reciprocal_rank_fusion([["x"], ["x"]])[0][1]
    return bool(hits) and hits[0].doc_id == doc_id and abs(hits[0].score - round(first_twice, 6)) < 1e-9


def test_a_document_added_by_another_process_is_found_by_both_halves(tmp_path: Path) -> None:
    path = tmp_path / "chroma"
    index = open_index(path)
    for n in range(30):
        index.upsert(document(f"filler-{n}", f"topic{n}"))
    assert both_halves_rank_first(index, "topic7", "filler-7")  # the server has searched before
    in_other_process(path, "add", "late-doc", "quokkaflux")
    assert both_halves_rank_first(index, "quokkaflux", "late-doc")
    in_other_process(path, "remove", "late-doc")
    assert all(hit.doc_id != "late-doc" for hit in index.search("clinical quokkaflux", k=5))
    assert both_halves_rank_first(index, "topic7", "filler-7")
