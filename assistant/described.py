"""Which of the user's documents a question describes: "the letters paper", "the paper I added about ECGs".

A user's own file often has no title the question could name (a file that opens with none is titled by its
file name), so people describe it by its subject. The words of that description pick the documents whose
passages hold them all; the answer then reads those documents first, and more of their passages than a
search over every document would give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.evidence import Passage
from assistant.lexicon import fold_plural, normalize

_NOUN = (
    r"(?:paper|study|article|document|pdf|preprint|publication|review|file|primer|tutorial|guide|writeup|write-up|"
    r"articulo|estudio|documento|studie|artikel|dokument)"
)
# "the letters paper", "my radiation oncology study"
_BEFORE = re.compile(
    r"\b(?:the|that|this|my|our)\s+((?:(?!(?:the|this|that|in|of|on|for|at|by|with|from|to)\b)[\w-]+\s+){1,3}?)"
    + _NOUN
    + r"\b"
)
# "the paper about physician letters", "the study I added on ECG triage", "el artículo sobre ...", "die Studie zu ..."
_AFTER = re.compile(
    rf"\b{_NOUN}\s+(?:(?:i|we)\s+(?:have\s+)?\w+\s+)?(?:about|on|of|regarding|sobre|de|uber|zu|zum|zur)\s+"
    r"((?:[\w-]+\s?){1,4})"
)
# Words that describe no subject: articles, the act of adding, the kind of document.
_NOT_A_SUBJECT = frozenset(
    str.split(
        "the a an i we you my our your this that first second last other same new old own added uploaded shared "
        "gave provided el la los las un una mi nuestro der die das den dem ein eine mein unser "
        "what which how who whose when where does did do is are was were it they what que cual was welche wie"
    )
)


_LINKING = frozenset(str.split("for and with from into about the of on in to by"))
MIN_SHARE = 0.5  # of a document's retrieved passages, the share that must hold the description


def descriptor_words(question: str) -> frozenset[str]:
    """The subject words a question describes a document by ("letters" in "the letters paper"), folded."""
    norm = normalize(question)
    words: set[str] = set()
    for pattern in (_BEFORE, _AFTER):
        for match in pattern.finditer(norm):
            # "the demystifying-llms-for-medicine primer": a hyphenated name is read word by word
            parts = re.findall(r"[^\W_]+", match.group(1))
            words |= {fold_plural(w) for w in parts if w not in _NOT_A_SUBJECT and w not in _LINKING}
    return frozenset(w for w in words if len(w) > 2 and not re.fullmatch(_NOUN, w))


def described_documents(question: str, passages: Sequence[Passage]) -> frozenset[str]:
    """The ids of the documents the question describes: those whose retrieved passages most often hold every
    word it describes a document by (a long review may mention "letters" once; the letters paper does in
    most of its passages). None when it describes none, or when the description tells no document apart."""
    words = descriptor_words(question)
    if not words:
        return frozenset()
    holding: dict[str, list[bool]] = {}
    for p in passages:
        text = normalize(f"{p.title} {p.text}")
        found = {fold_plural(w) for w in re.findall(r"[\w-]+", text) + re.findall(r"[^\W_]+", text)}
        holding.setdefault(p.doc_id, []).append(words <= found)
    share = {doc: sum(hits) / len(hits) for doc, hits in holding.items()}
    best = max(share.values(), default=0.0)
    chosen = frozenset(doc for doc, value in share.items() if value == best)
    return chosen if best >= MIN_SHARE and chosen != frozenset(holding) else frozenset()
