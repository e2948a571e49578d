"""A small language detector for the user's messages: English, Spanish or German (the languages replies are
written in). French, Italian, Portuguese and the languages the rules do not read (Dutch, Nordic, Turkish, ...) are
recognised too, so that they are not taken for Spanish or German: a message in one of them gets its reply in the
default language."""

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
        "with it be which how does do yes this that they in on from please need use our you an may where when "
        "who was were has have had did at by about their its been into there than"
    ),
    "es": _wordset(
        "el la los las de que y en un una para con sí si es son por qué quiero queremos datos modelo modelos "
        "nuestro nuestra nuestros mis mi pueden puede debe del al se lo como cómo porque también soy somos "
        "hospital informes necesito usar cuál cuáles está están pero sin"
    ),
    "de": _wordset(
        "der die das und ist sind ich wir nicht ein eine einen für mit auf den dem zu ja nein wenn was warum "
        "daten modell modelle können kann soll sollen dürfen darf möchte möchten bin im unsere unser wie "
        "welche welches auch aber ohne oder befunde berichte wo wann wer wurde wurden hat haben gibt"
    ),
}
# Languages that are read but not written: their words only keep them from counting as another language.
_READ_ONLY: Mapping[str, frozenset[str]] = {
    "fr": _wordset(
        "le la les des du de et est sont nous vous je un une pour avec dans sur pas ne que qui au aux ce cette "
        "nos notre ou mais être sera aucune aucun données modèle voudrions souhaitons en quel quelle quels "
        "quelles depuis comme leur leurs ont été peut faut il elle aussi combien"
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
# Accented letters count for every language that writes them: "é" is as French and Portuguese as it is Spanish
_MARKS: Mapping[str, str] = {
    "es": "ñáéíóú¿¡",
    "de": "äöüß",
    "fr": "éèêàçùâîôœë",
    "it": "àèìòù",
    "pt": "ãõçâêôáéíóúà",
}
# One run of letters; a single character class, so matching is linear in the text's length.
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_scores(text: str) -> dict[str, int]:
    """How many of each language's stopwords and marked letters the text contains (the read-only ones too)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    # the languages the rules do not read count too: Dutch is not Spanish, Swedish or Turkish not German
    known = {**_STOPWORDS, **_READ_ONLY, **_UNREAD_WORDS}
    scores = {lang: sum(w in stop for w in words) for lang, stop in known.items()}
    lowered = text.casefold()
    for lang, marks in {**_MARKS, **_UNREAD_LANGUAGE_MARKS}.items():
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


# letters of scripts English is not written in (Greek, Cyrillic, Hebrew, Arabic, Devanagari, kana, CJK, Hangul)
_OTHER_SCRIPT = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u097f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)


def question_language(question: str, default: str) -> str:
    """The language one question is written in, or ``default`` (the conversation's) when nothing says otherwise:
    "Dans la revue que j'ai ajoutée ..." in a conversation held in English is French, though replied to in
    English; "other" for a language this module only knows is not English (two tied, another script)."""
    written = written_language(question)
    if written is not None:
        return written
    # two languages tied ("Comment le générateur ... a-t-il été affiné ?" scores as French as Portuguese)
    scores = language_scores(question)
    foreign = max(score for name, score in scores.items() if name != "en")
    if foreign > max(2, 2 * scores["en"]) or len(_OTHER_SCRIPT.findall(question)) > 3:
        return "other"
    return default


# Languages the phrase rules read (their cue words are in ``assistant/cues.toml``). A message in another
# language is read by the language model from an English translation (``assistant.translation``).
RULES_LANGUAGES = ("en", "es", "de", "fr", "it", "pt")
# Frequent short words and letters of languages the rules do not read, only to recognise them. Nordic
# languages share one list: which of them it is does not matter, only that the rules cannot read it.
_UNREAD_WORDS: Mapping[str, frozenset[str]] = {
    "nl": _wordset(
        "het een van ik wij zijn niet dat voor naar ook maar bij uit aan worden wordt kunnen willen onze ons "
        "graag zoeken gegevens welke deze dit hebben heeft moet mogen wordt patiënten patiënt zodat wanneer"
    ),
    "nordic": _wordset(
        "och att det som för på är vi jag inte av till har kan ska vill våra vår eller från också og ikke å "
        "jeg skal våre fra også vores jeg af ikke til pasienter patienter sykehus sjukhus"
    ),
    "pl": _wordset(
        "się nie że jest oraz dla przez od po chcemy nasz nasze nasza pacjentów pacjenta który która które "
        "szpitala czy będzie można"
    ),
    "cs": _wordset("že pro jsou není chceme náš naše pacientů které který nemocnice bude jako"),
    "tr": _wordset(
        "bir ve bu için ile çok olarak olan bizim veri hasta hastalar hastane istiyoruz yok var gibi daha "
        "ama sonra"
    ),
    "ro": _wordset(
        "și în cu pe nu este sunt să că care pentru din noi datele pacienți pacienții spital spitalului "
        "dacă sau noastre"
    ),
    "hu": _wordset("az és hogy nem egy van meg csak ha már mint szeretnénk betegek adatok kórház vagy"),
    "fi": _wordset(
        "ja ei että ovat meidän haluamme potilaiden tiedot sairaala tai kun myös olemme jälkeen niin voi "
        "haluaisimme meillä joka jotka mutta kanssa tämä eikä pitää"
    ),
    "id": _wordset(
        "yang dan di ke dari untuk dengan saya kami kita ini itu tidak ada akan bisa sudah pasien rumah sakit "
        "boleh karena atau juga ingin kalau hanya"
    ),
    "tl": _wordset("ang ng mga po ako namin kami yung lang ay hindi kung dapat ba sana natin kasi"),
    "vi": _wordset("và của là có không cho các được chúng tôi này với những bệnh nhân viện muốn cần"),
}
# The marked letters of those languages, where German or Spanish write some of them too ("ö" is Swedish,
# Finnish and Turkish as well): with them, the stopwords decide.
_UNREAD_LANGUAGE_MARKS: Mapping[str, str] = {"nordic": "åäöæø", "fi": "äö", "tr": "çğışöü", "pl": "ąćęłńóśźż"}
# Vietnamese writes most of its tones with letters of the Latin Extended Additional block ("ệ", "ố").
_UNREAD_MARKS = "ğışąęłńśźżěčřůőűțșåæøươđ"
_VIETNAMESE_LETTER = re.compile("[\u1ea0-\u1ef9]")
# A letter of another script than Latin (Greek, Cyrillic, Arabic, Hebrew, CJK, ...).
_NOT_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]", re.UNICODE)


def read_by_rules(text: str) -> bool:
    """True when the phrase rules can read the text: it is written in one of ``RULES_LANGUAGES``, or in no
    language that clearly wins; False for another script or a language recognised as another one."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    # a message half in Devanagari with English terms between ("Patients के सवालों के जवाब ... chatbot") is
    # not one the rules can read: a quarter of its letters in another script is enough to translate it
    if sum(bool(_NOT_LATIN.match(ch)) for ch in letters) > len(letters) / 4:
        return False
    words = [w.casefold() for w in _WORD.findall(text)]
    lowered = text.casefold()
    unread = max(sum(w in stop for w in words) for stop in _UNREAD_WORDS.values())
    unread += 2 * sum(lowered.count(ch) for ch in _UNREAD_MARKS) + 2 * len(_VIETNAMESE_LETTER.findall(lowered))
    # the read languages' marked letters are left out: Hungarian and Czech use Spanish accents, Finnish German
    stopwords = {**_STOPWORDS, **_READ_ONLY}
    known = max(sum(w in stopwords[lang] for w in words) for lang in RULES_LANGUAGES)
    return not (unread >= 4 and unread > known)
