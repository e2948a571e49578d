"""Acronyms the indexed documents define, so that a question's short form also finds their long form.

A paper writes "reinforcement learning from human feedback (RLHF)" once and then either form; a question
that asks about "RLHF" matched neither the keyword nor the vector side of the one passage that says what RLHF
needs, since that passage spells it out. The definitions are read from the chunks as they are indexed, in the
two ways papers write them: a long form followed by the acronym in parentheses, and a legend's
"RLHF = reinforcement learning from human feedback". A long form is accepted only when the acronym's
letters occur in it in order, the first one starting its first word (the rule of Schwartz and Hearst, 2003,
"A simple algorithm for identifying abbreviation definitions in biomedical text").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

# "... learning from human feedback (RLHF)": up to ten words, then a parenthesised acronym (a plural "s" allowed)
_IN_PARENTHESES = re.compile(r"((?:[A-Za-z][\w'-]*[ \t]+){1,10})\(([A-Za-z][A-Za-z0-9-]{1,9}?)s?\)")
# a legend: "DPO = direct preference optimization, RLHF = reinforcement learning from human feedback."
_IN_LEGEND = re.compile(r"\b([A-Za-z][A-Za-z0-9-]{1,9}) = ([A-Za-z][A-Za-z '-]{3,80}?)(?=[,;.)]|$)", re.MULTILINE)
MIN_CAPITALS = 2  # "RLHF", "LoRA", "QLoRA"; not "Table" or "Fig"
# Only a rare acronym is worth its long form: "RLHF" (4 of about 1,000 chunks) finds the one passage that spells
# it out, while "GPU", "LLM" or "RAM" are in dozens of passages already and their long forms only pulled other
# passages in (on the follow-up sets, six questions about GPUs, RAM and QLoRA lost their answer).
MAX_CHUNK_SHARE = 0.005
MIN_LETTERS_IGNORING_CASE = 3  # "rlhf" in a question is the acronym; "it" or "or" would be a word


def _is_acronym(word: str) -> bool:
    return sum(ch.isupper() for ch in word) >= MIN_CAPITALS and not word.isdigit()


def long_form_of(acronym: str, words: str) -> str | None:
    """The shortest tail of ``words`` that the acronym abbreviates, or None (matched from the last letter back:
    each letter of the acronym must occur in order, and the first must start a word)."""
    letters = [ch.lower() for ch in acronym if ch.isalnum()]
    text = words.strip()
    # a few more words than letters ("from", "and"); Schwartz and Hearst allow more, which let "data can be
    # transferred back to CPU memory (DRAM)" define DRAM
    allowed = len(letters) + 2
    text = " ".join(text.split()[-allowed:])
    position = len(text) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= 0 and (
            text[position].lower() != letter or (index == 0 and position > 0 and text[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return None
        position -= 1
    start = text.rfind(" ", 0, position + 1) + 1
    found = text[start:]
    return found if len(found) > len(acronym) and found.lower() != acronym.lower() else None


def defined_acronyms(texts: Iterable[str], max_share: float = MAX_CHUNK_SHARE) -> dict[str, str]:
    """Each rare acronym the texts define (written in at most ``max_share`` of them), with the long form they give
    most often (the acronym as written)."""
    texts = list(texts)
    seen: dict[str, Counter[str]] = {}
    for text in texts:
        pairs = [(m.group(2), m.group(1)) for m in _IN_PARENTHESES.finditer(text)]
        pairs += [(m.group(1), m.group(2)) for m in _IN_LEGEND.finditer(text)]
        for acronym, words in pairs:
            if not _is_acronym(acronym):
                continue
            long_form = long_form_of(acronym, words) if "(" not in words else None
            if long_form is not None:
                seen.setdefault(acronym, Counter())[long_form.lower()] += 1
    most = max(1, int(max_share * len(texts)))
    return {a: forms.most_common(1)[0][0] for a, forms in seen.items() if _written_in(a, texts) <= most}


def _written_in(acronym: str, texts: list[str]) -> int:
    """In how many texts the acronym is written as a word (in any case)."""
    word = re.compile(rf"\b{re.escape(acronym)}\b", re.IGNORECASE)
    return sum(1 for text in texts if word.search(text))


def with_long_forms(query: str, acronyms: Mapping[str, str]) -> str:
    """The query with the long form of each defined acronym it writes and does not spell out already."""
    lowered = {a.lower(): form for a, form in acronyms.items() if len(a) >= MIN_LETTERS_IGNORING_CASE}
    added: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9-]*", query):
        form = acronyms.get(word) or lowered.get(word.lower())
        if form and form not in query.lower() and form not in added:
            added.append(form)
    return f"{query} ({'; '.join(added)})" if added else query
