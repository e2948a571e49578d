"""A small language detector for the user's messages: English, Spanish or German."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

LANGUAGES = ("en", "es", "de")
DEFAULT_LANGUAGE = "en"


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Frequent short words of each language; a message's language is the one whose words it uses most.
_STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": _wordset(
        "the and is are to we i want of for what if why not can could should would model models data our my "
        "with it be which how does do yes this that they in on from please need use our you an may"
    ),
    "es": _wordset(
        "el la los las de que y en un una para con sí si es son por qué quiero queremos datos modelo modelos "
        "nuestro nuestra nuestros mis mi pueden puede debe del al se lo como cómo porque también soy somos "
        "hospital informes necesito usar cuál cuáles está están pero sin"
    ),
    "de": _wordset(
        "der die das und ist sind ich wir nicht ein eine einen für mit auf den dem zu ja nein wenn was warum "
        "daten modell modelle können kann soll sollen dürfen darf möchte möchten bin im unsere unser wie "
        "welche welches auch aber ohne oder befunde berichte"
    ),
}
_MARKS: Mapping[str, str] = {"es": "ñáéíóú¿¡", "de": "äöüß"}
# One run of letters; a single character class, so matching is linear in the text's length.
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_scores(text: str) -> dict[str, int]:
    """How many of each language's stopwords and marked letters the text contains."""
    words = [w.casefold() for w in _WORD.findall(text)]
    scores = {lang: sum(w in _STOPWORDS[lang] for w in words) for lang in LANGUAGES}
    lowered = text.casefold()
    for lang, marks in _MARKS.items():
        scores[lang] += 2 * sum(lowered.count(ch) for ch in marks)
    return scores


def detect_language(texts: Sequence[str], default: str = DEFAULT_LANGUAGE) -> str:
    """The language of the last text that has a clear winner (texts oldest first); ``default`` otherwise."""
    for text in reversed(texts):
        scores = language_scores(text)
        ranked = sorted(scores.values(), reverse=True)
        if ranked[0] > 0 and ranked[0] > ranked[1]:
            return max(scores, key=lambda lang: scores[lang])
    return default
