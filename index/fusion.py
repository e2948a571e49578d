"""Reciprocal rank fusion of several rankings, and a per-document cap on the fused list."""

from __future__ import annotations

from collections.abc import Callable, Sequence

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very first ranks


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse rankings of keys (best first) into one: score = sum of 1 / (k + rank); ties keep first-seen order."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def cap_per_document(
    ranked: Sequence[tuple[str, float]], doc_of: Callable[[str], str], cap: int | None
) -> list[tuple[str, float]]:
    """Keep at most ``cap`` keys per document (None or 0: no cap), preserving order."""
    if not cap:
        return list(ranked)
    kept: list[tuple[str, float]] = []
    per_doc: dict[str, int] = {}
    for key, score in ranked:
        doc = doc_of(key)
        if per_doc.get(doc, 0) < cap:
            per_doc[doc] = per_doc.get(doc, 0) + 1
            kept.append((key, score))
    return kept
