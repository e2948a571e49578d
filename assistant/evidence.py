"""Evidence from retrieval: passages with stable keys, the Retriever protocol, and citations.

Citations are keys to retrieved passages, never free text (as in PaperQA2): generated text may cite only
keys that retrieval returned, and unknown keys are removed. ``index`` implements ``Retriever``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk of a document, with everything needed to cite it."""

    key: str  # stable: derived from the chunk's content and document
    doc_id: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    url: str | None
    source: str  # the user's file name, or the card's file name
    page: int | None
    section: str | None
    score: float  # higher is better
    text: str


@runtime_checkable
class Retriever(Protocol):
    """Search over the indexed corpus."""

    def search(self, query: str, k: int = 5) -> Sequence[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        ...
