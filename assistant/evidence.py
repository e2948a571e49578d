"""Evidence from retrieval: passages with stable keys, the Retriever protocol, and citations.

Citations are keys to retrieved passages, never free text (as in PaperQA2): generated text may cite only
keys that retrieval returned, and unknown keys are removed. ``index`` implements ``Retriever``.
"""

from __future__ import annotations

import re
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
    kind: str = ""  # "card" | "catalog" | "user" (the user's own documents); "" when the retriever does not say
    venue: str | None = None  # where the document appeared ("CVPR 2025"), when its metadata says


@runtime_checkable
class Retriever(Protocol):
    """Search over the indexed corpus."""

    def search(self, query: str, k: int = 5, max_per_doc: int | None = -1) -> Sequence[Passage]:
        """The ``k`` best passages for ``query``, best first; at most ``max_per_doc`` from one document (None: no
        cap; -1: the retriever's default)."""
        ...


@runtime_checkable
class SentenceScorer(Protocol):
    """How well texts match a query (cosine similarity of sentence embeddings; higher is better)."""

    def similarities(self, query: str, texts: Sequence[str]) -> Sequence[float]:
        """One similarity per text, in order."""
        ...


@dataclass(frozen=True)
class Citation:
    """A numbered reference to a retrieved passage, as shown under an answer."""

    n: int
    key: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    url: str | None
    source: str
    page: int | None
    section: str | None
    text: str

    def to_dict(self) -> dict[str, object]:
        """The citation object of the ``reply/1`` extension (CONTRACTS.md), plus the passage text."""
        return {
            "n": self.n,
            "key": self.key,
            "title": self.title,
            "authors": list(self.authors),
            "year": self.year,
            "url": self.url,
            "source": self.source,
            "page": self.page,
            "section": self.section,
            "text": self.text,
        }


def cite(passages: Sequence[Passage], keys: Sequence[str]) -> tuple[Citation, ...]:
    """Number the passages whose keys were cited, in citing order; keys retrieval did not return are dropped."""
    by_key = {p.key: p for p in passages}
    ordered = [k for k in dict.fromkeys(keys) if k in by_key]
    return tuple(
        Citation(
            n=n,
            key=k,
            title=by_key[k].title,
            authors=by_key[k].authors,
            year=by_key[k].year,
            url=by_key[k].url,
            source=by_key[k].source,
            page=by_key[k].page,
            section=by_key[k].section,
            text=by_key[k].text,
        )
        for n, k in enumerate(ordered, start=1)
    )


def format_reference(c: Citation) -> str:
    """One numbered reference line: [n] authors (year). title. where. link."""
    authors = ", ".join(c.authors[:3]) + (" et al." if len(c.authors) > 3 else "")
    parts = [f"[{c.n}]", f"{authors} ({c.year})." if authors else (f"({c.year})." if c.year else ""), f"{c.title}."]
    where = ", ".join(x for x in (f"p. {c.page}" if c.page else "", c.section or "") if x)
    if where:
        parts.append(f"{where}.")
    if c.url:
        parts.append(c.url)
    return " ".join(p for p in parts if p)


def format_references(citations: Sequence[Citation]) -> str:
    """The numbered reference list under an answer."""
    return "\n".join(format_reference(c) for c in citations)


class Numbering:
    """The passages a reply cites, each numbered once, in order of first use (a passage two answers use
    keeps its first number)."""

    def __init__(self) -> None:
        self.passages: list[Passage] = []
        self._numbers: dict[str, int] = {}

    def register(self, passages: Sequence[Passage]) -> list[int]:
        """The reply's numbers of these passages (numbered from 1 in their own list), adding new ones."""
        out = []
        for p in passages:
            if p.key not in self._numbers:
                self.passages.append(p)
                self._numbers[p.key] = len(self.passages)
            out.append(self._numbers[p.key])
        return out


_LOCAL_CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\](?!\()")


def renumber(text: str, numbers: Sequence[int]) -> str:
    """The text with each local citation [k] replaced by the reply's number ``numbers[k - 1]``."""

    def swap(match: re.Match[str]) -> str:
        local = [int(n) for n in re.findall(r"\d+", match.group(1))]
        if any(not 1 <= n <= len(numbers) for n in local):
            return match.group(0)
        return "[" + ", ".join(str(numbers[n - 1]) for n in local) + "]"

    if list(numbers) == list(range(1, len(numbers) + 1)):
        return text
    return _LOCAL_CITATION.sub(swap, text)
