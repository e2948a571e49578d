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
