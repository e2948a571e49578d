"""Choosing the passages a reply may cite: retrieved, above a score, naming the subject, one per document."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.evidence import Passage, Retriever
from assistant.i18n import t
from assistant.lexicon import normalize
from assistant.sanitize import clean_passage

RETRIEVAL_K = 8  # passages asked of the retriever
MAX_PASSAGES = 4  # passages cited under one answer
MIN_SCORE = 0.0  # passages scoring below are ignored; a passage must also name the subject


def _squash(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def mentions(passage: Passage, subjects: Sequence[str]) -> bool:
    """True when the passage names a subject: as a word, or (for names of 5+ characters) ignoring spaces and
    punctuation, so that "Llama 2" names LLaMA2."""
    haystack = normalize(f"{passage.title} {passage.text}")
    squashed = _squash(haystack)
    for subject in subjects:
        if not subject.strip():
            continue
        if re.search(rf"(?<!\w){re.escape(normalize(subject))}(?!\w)", haystack):
            return True
        key = _squash(subject)
        if len(key) >= 5 and key in squashed:
            return True
    return False


def search(
    retriever: Retriever | None, query: str, k: int, lang: str, notices: list[str], max_per_doc: int | None = -1
) -> list[Passage]:
    """The retriever's passages for ``query``; a failing retriever adds a notice and gives none."""
    if retriever is None:
        return []
    try:
        # cleaned here, not only in the index: any retriever's passage may hold a document's image or HTML
        return [clean_passage(p) for p in retriever.search(query, k=k, max_per_doc=max_per_doc)]
    except Exception as error:  # any retriever failure degrades to an answer without literature
        notices.append(t(lang, "notice_retrieval", error=str(error) or type(error).__name__))
        return []


def retrieve(
    retriever: Retriever | None, query: str, subjects: Sequence[str], lang: str, notices: list[str]
) -> list[Passage]:
    """Passages above the score threshold that name one of the subjects, best first, each document once."""
    kept: list[Passage] = []
    seen: set[str] = set()
    for p in search(retriever, query, RETRIEVAL_K, lang, notices):
        if p.score < MIN_SCORE or p.key in seen or p.doc_id in seen or not mentions(p, subjects):
            continue
        seen.update((p.key, p.doc_id))  # one passage per document: more sources, fewer repeats
        kept.append(p)
    return kept[:MAX_PASSAGES]
