"""A small language detector for the user's messages: English, Spanish or German (the languages replies are
written in). French, Italian and Portuguese are recognised too, so that they are not taken for Spanish: a
message in one of them gets its reply in the default language."""

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
# Languages that are read but not written: their words only keep them from counting as another language.
_READ_ONLY: Mapping[str, frozenset[str]] = {
    "fr": _wordset(
        "le la les des du de et est sont nous vous je un une pour avec dans sur pas ne que qui au aux ce cette "
        "nos notre ou mais être sera aucune aucun données modèle voudrions souhaitons"
    ),
    "it": _wordset(
        "il lo la gli le di del della dei che e è per con non un una sono siamo noi nostro nostri nostra "
        "vorremmo dati modello degli alla dal nel sul questo"
    ),
    "pt": _wordset(
        "o a os as do da dos das de que e é para com não um uma nós nosso nossa nossos dados modelo são pelo "
        "pela em no na queremos temos também"
    ),
}
_MARKS: Mapping[str, str] = {"es": "ñáéíóú¿¡", "de": "äöüß", "fr": "èêàçùâîôœ", "it": "àèìò", "pt": "ãõçâê"}
# One run of letters; a single character class, so matching is linear in the text's length.
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_scores(text: str) -> dict[str, int]:
    """How many of each language's stopwords and marked letters the text contains (the read-only ones too)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in {**_STOPWORDS, **_READ_ONLY}.items()}
    lowered = text.casefold()
    for lang, marks in _MARKS.items():
        scores[lang] += 2 * sum(lowered.count(ch) for ch in marks)
    return scores


def written_language(text: str) -> str | None:
    """The language a text is written in, the read-only ones included ("it" for an Italian question), or None
    when no language clearly wins."""
    scores = language_scores(text)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] > 0 and ranked[0] > ranked[1]:
        return max(scores, key=lambda lang: scores[lang])
    return None


def detect_language(texts: Sequence[str], default: str = DEFAULT_LANGUAGE) -> str:
    """The language of the last text that has a clear winner (texts oldest first); ``default`` otherwise, and
    when the winner is a language replies are not written in (a French message is answered in English)."""
    for text in reversed(texts):
        winner = written_language(text)
        if winner is not None:
            return winner if winner in LANGUAGES else default
    return default
