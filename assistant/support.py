"""Does a clause the language model cites speak to the answer's question? The check on the model's evidence.

The model answers each question with the number of the clause it read the answer in. The answer is kept
only when that clause contains a word about the question's topic (``[topics]`` of ``assistant/cues.toml``):
"the data can't leave the hospital" speaks to data sharing, "summarise the reports" to text in and out;
"I'm a radiologist" speaks to neither, so a model that cites it for data sharing guessed. Words are
compared after ``lexicon.normalize`` (case, accents, spaces); a stem of six letters or more tolerates one
typo. The check is about the topic; where a topic lists the words that speak for the answer "no" (``no``:
text in and out, where "not text only" means something else is named), the value is checked too: a "no"
needs one of those words, a "yes" one of the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from assistant.lexicon import NEGATORS, normalize, one_edit_apart, topic_data

_WORD = re.compile(r"[a-z0-9]{1,60}(?:['-][a-z0-9]{1,60}){0,4}")
_FUZZY_MIN = 6  # stems this long match a word with one letter changed, added or dropped


@dataclass(frozen=True)
class Topic:
    """The words of one answer code's topic: exact short words, stems, and phrases."""

    words: frozenset[str]  # stems of three letters or fewer: whole words only ("ct", "his")
    stems: tuple[str, ...]
    phrases: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...] = ()  # uses of a topic word for something else ("shared decision")


def _topic(entries: list[str], ignore: tuple[re.Pattern[str], ...] = ()) -> Topic:
    words, stems, phrases = set(), [], []
    for stem in entries:
        if " " in stem or "-" in stem:
            phrases.append(re.compile(r"(?<![a-z0-9])" + re.escape(stem)))
        elif len(stem) <= 3:
            words.add(stem)
        else:
            stems.append(stem)
    return Topic(frozenset(words), tuple(stems), tuple(phrases), ignore)


@cache
def topics() -> Mapping[str, Topic]:
    """Each answer code's topic, from the data file."""
    out = {}
    for code, entry in topic_data().items():
        out[code] = _topic(entry["stems"], tuple(re.compile(p) for p in entry.get("ignore", ())))
    return MappingProxyType(out)


@dataclass(frozen=True)
class ValueWords:
    """What each answer value of a topic needs beyond the topic: words for "no" (text in and out: something
    other than text named), and for "yes" the topic's other words; or, for "yes", a clause with no negator."""

    yes: Topic | None  # None: any word of the topic will do (``not_yes`` in the data leaves some words out)
    no: re.Pattern[str] | None  # a "no" word
    negated_no: re.Pattern[str] | None  # a "no" word shortly after a negator: "keine Bilder" speaks for "yes"
    yes_unnegated: bool  # "no PHI leaves the building" cannot be read as "the data may be shared"
    no_topic: Topic | None = None  # "no" needs one of these words (``not_no`` in the data leaves some out)


@cache
def value_words() -> Mapping[str, ValueWords]:
    """code -> the words each answer value needs, for the topics that say more than their topic words."""
    out = {}
    negators = "|".join(sorted(NEGATORS, key=len, reverse=True))
    for code, entry in topic_data().items():
        yes_unnegated = bool(entry.get("yes_needs_no_negator", False))
        if "no" not in entry:
            not_yes = set(entry.get("not_yes", ()))
            not_no = set(entry.get("not_no", ()))
            yes = _topic([s for s in entry["stems"] if s not in not_yes]) if not_yes else None
            no_topic = _topic([s for s in entry["stems"] if s not in not_no]) if not_no else None
            if yes_unnegated or yes is not None or no_topic is not None:
                out[code] = ValueWords(yes, None, None, yes_unnegated, no_topic)
            continue
        alternatives = "|".join(re.escape(w) + (r"\b" if len(w) <= 3 else "") for w in entry["no"])
        no = re.compile(rf"(?<![a-z0-9])(?:{alternatives})")
        negated = re.compile(rf"(?<![a-z0-9])(?:{negators})\b(?: [a-z0-9-]{{1,40}}){{0,2}} (?:{alternatives})")
        yes = _topic([s for s in entry["stems"] if s not in set(entry["no"])])
        out[code] = ValueWords(yes, no, negated, yes_unnegated)
    return MappingProxyType(out)


def _speaks_for(words: ValueWords, norm: str, value: bool) -> bool:
    """True when the clause names what the answer ``value`` needs: "no" a word of its own that no negator
    takes back; "yes" one of the other words of the topic, or a negated "no" word ("without images")."""
    negated = bool(words.negated_no and words.negated_no.search(norm))
    if value:
        if words.yes_unnegated and not NEGATORS.isdisjoint(w.replace("'", "") for w in _tokens(norm)):
            return False
        return words.yes is None or negated or _mentions(words.yes, norm)
    if words.no is None:
        return words.no_topic is None or _mentions(words.no_topic, norm)
    return not negated and bool(words.no.search(norm))


def _tokens(norm: str) -> Iterator[str]:
    for match in _WORD.finditer(norm):
        word = match.group(0)
        yield word
        if "-" in word:
            yield from word.split("-")


def supports(code: str, text: str, value: bool | None = None) -> bool:
    """True when ``text`` (a clause) contains a word of ``code``'s topic, and of the answer ``value``'s words
    where the topic lists them; unknown codes are never supported."""
    topic = topics().get(code)
    norm = normalize(text)
    if topic is None or not _mentions(topic, norm):
        return False
    for_value = value_words().get(code) if value is not None else None
    return for_value is None or _speaks_for(for_value, norm, bool(value))


def _mentions(topic: Topic, norm: str) -> bool:
    """True when the normalised text holds a word, stem or phrase of ``topic``."""
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
        any(one_edit_apart(w[: len(stem) + d], stem) for d in (-1, 0, 1))
        for stem in topic.stems
        if len(stem) >= _FUZZY_MIN
        for w in words
        if len(w) >= len(stem) - 1 and w[0] == stem[0]
    )
