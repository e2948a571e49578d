"""Keyword search (BM25, bm25s) over the same chunks as the vector store.

bm25s is imported here only. Tokens are lower-case words of two or more letters or digits, without
common English stop words, with a light plural folding ("summaries" matches "summary").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.abbreviations import long_form

# Japanese and Chinese write no spaces: a run of their script is cut from the Latin name it touches
# ("MedVersaの後期バージョン" holds the word "medversa")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_WORD = re.compile(rf"[^\W_{_CJK}]{{2,}}|[{_CJK}]{{2,}}", re.UNICODE)
_STOP_TEXT = """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    which what whose"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


# British "-ise" spellings: "quantisation", "summarised" are searched as "quantization", "summarized". Query
# and passages are folded alike, so a word folded that has no "-ize" form ("promise") still matches itself.
_BRITISH = re.compile(r"(?<=\w{3})is(?=(?:ations?|e|ed|es|ers?|ing)$)")


def _fold(word: str) -> str:
    if len(word) >= 7:
        word = _BRITISH.sub("iz", word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        # "diagnosis", "status": Latin/Greek endings of longer words are not plurals ("gpus" is).
        if len(word) > 4 and word.endswith(("us", "is")):
            return word
        return word[:-1]
    return word


# A model's name written in parts ("SkinGPT-4", "LLaVA-Med", "Med-PaLM 2") or run together ("skingpt4",
# "llavamed"): users write it either way, so a name in parts also gives the name joined.
_COMPOUND = re.compile(r"[^\W_]{1,40}(?:[-.][^\W_]{1,40}){1,4}", re.UNICODE)


def _name_forms(text: str) -> list[str]:
    """Extra tokens for model names: the parts of a hyphenated or dotted name joined ("SkinGPT-4" -> "skingpt4")."""
    extra = []
    for match in _COMPOUND.finditer(text):
        joined = re.sub(r"[-.]", "", match.group(0)).lower()
        if any(ch.isalpha() for ch in joined) and not joined.isdigit():
            extra.append(joined)
    return extra


def tokenize(text: str) -> list[str]:
    """The BM25 tokens of a text: its words, then the other forms of the model names in it."""
    words = [_fold(long_form(w)) for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOP_WORDS]
    return words + [w for w in _name_forms(text) if w not in words]


class BM25Index:
    """BM25 over a fixed list of texts; results are positions in that list."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s  # type: ignore[import-untyped]

        self.size = len(texts)
        self._retriever: Any = None
        if self.size:
            self._retriever = bm25s.BM25()
            # An empty token list breaks bm25s' vocabulary; a placeholder token never matches a query.
            tokens = [tokenize(t) or ["\x00"] for t in texts]
            self._retriever.index(tokens, show_progress=False)

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """Up to ``n`` (position, score) pairs with a positive score, best first."""
        tokens = tokenize(query)
        if not self.size or not tokens or self._retriever is None:
            return []
        results, scores = self._retriever.retrieve([tokens], k=min(n, self.size), show_progress=False, n_threads=1)
        return [(int(i), float(s)) for i, s in zip(results[0], scores[0], strict=True) if s > 0]
