"""Does a clause the language model cites speak to the answer's question? The check on the model's evidence.

The model answers each question with the number of the clause it read the answer in. The answer is kept
only when that clause contains a word about the question's topic (``[topics]`` of ``assistant/cues.toml``):
"the data can't leave the hospital" speaks to data sharing, "summarise the reports" to text in and out;
"I'm a radiologist" speaks to neither, so a model that cites it for data sharing guessed. Words are
compared after ``lexicon.normalize`` (case, accents, spaces); a stem of six letters or more tolerates one
typo. The check is about the topic only: the value (yes or no) is the model's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from assistant.lexicon import normalize, topic_data

_WORD = re.compile(r"[a-z0-9]{1,60}(?:['-][a-z0-9]{1,60}){0,4}")
_FUZZY_MIN = 6  # stems this long match a word with one letter changed, added or dropped


@dataclass(frozen=True)
class Topic:
    """The words of one answer code's topic: exact short words, stems, and phrases."""

    words: frozenset[str]  # stems of three letters or fewer: whole words only ("ct", "his")
    stems: tuple[str, ...]
    phrases: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...] = ()  # uses of a topic word for something else ("shared decision")


@cache
def topics() -> Mapping[str, Topic]:
    """Each answer code's topic, from the data file."""
    out = {}
    for code, entry in topic_data().items():
        words, stems, phrases = set(), [], []
        for stem in entry["stems"]:
            if " " in stem or "-" in stem:
                phrases.append(re.compile(r"(?<![a-z0-9])" + re.escape(stem)))
            elif len(stem) <= 3:
                words.add(stem)
            else:
                stems.append(stem)
        ignore = tuple(re.compile(p) for p in entry.get("ignore", ()))
        out[code] = Topic(frozenset(words), tuple(stems), tuple(phrases), ignore)
    return MappingProxyType(out)


def _one_edit_apart(a: str, b: str) -> bool:
    """True when a and b differ by at most one inserted, deleted or changed letter (linear, no table)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def _tokens(norm: str) -> Iterator[str]:
    for match in _WORD.finditer(norm):
        word = match.group(0)
        yield word
        if "-" in word:
            yield from word.split("-")


def supports(code: str, text: str) -> bool:
    """True when ``text`` (a clause) contains a word of ``code``'s topic; unknown codes are never supported."""
    topic = topics().get(code)
    if topic is None:
        return False
    norm = normalize(text)
    for phrase in topic.ignore:
        norm = phrase.sub(" ", norm)
    if any(p.search(norm) for p in topic.phrases):
        return True
    words = set(_tokens(norm))
    if words & topic.words:
        return True
    if any(w.startswith(stem) for w in words for stem in topic.stems):
        return True
    return any(
        any(_one_edit_apart(w[: len(stem) + d], stem) for d in (-1, 0, 1))
        for stem in topic.stems
        if len(stem) >= _FUZZY_MIN
        for w in words
        if len(w) >= len(stem) - 1 and w[0] == stem[0]
    )
