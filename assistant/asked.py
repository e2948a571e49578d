"""What a question asks to be told, so that an answer from the literature can be held to stating it.

Two kinds of ask are recognised: a measure that studies report ("what sensitivity did RaDialog reach?",
"¿qué exactitud?"; the measures and their forms in three languages are data, ``assistant/measures.toml``),
and a count ("how many physicians took part?"). Passages about the right study that never give the measure,
or never put a number next to the thing counted, do not answer: ``unstated`` names what no candidate
sentence states, and ``assistant.grounded`` then says that the indexed literature does not say.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from assistant.lexicon import fold_plural, normalize, one_edit_apart


@dataclass(frozen=True)
class Measure:
    """A measure studies report, the pattern of its forms, and the examples that must match it."""

    name: str
    pattern: re.Pattern[str]
    asks: tuple[str, ...]
    states: tuple[str, ...]
    # a sentence that gives a value of this kind states the measure without naming it: "$750 per hour for
    # renting 120 GPUs" is a rental cost
    value: re.Pattern[str] | None = None


def _forms_pattern(forms: list[str]) -> re.Pattern[str]:
    """One pattern of a measure's forms, each from the start of a word; Chinese and Japanese forms anywhere
    (they write no space before a word: "在肿瘤治疗方案推荐上的准确率")."""
    spaced = [f for f in forms if f[:1].isascii()]
    unspaced = [f for f in forms if not f[:1].isascii()]
    # (an empty group would match everywhere: a measure with no spaced form gets none)
    return re.compile("|".join([*([r"\b(?:" + "|".join(spaced) + ")"] if spaced else []), *unspaced]))


@cache
def measures() -> tuple[Measure, ...]:
    """The measures of ``assistant/measures.toml``."""
    raw: Mapping[str, Mapping[str, list[str]]] = tomllib.loads(
        resources.files("assistant").joinpath("measures.toml").read_text(encoding="utf-8")
    )
    return tuple(
        Measure(
            name,
            _forms_pattern(entry["forms"]),
            tuple(entry["asks"]),
            tuple(entry["states"]),
            re.compile(str(entry["value"])) if "value" in entry else None,
        )
        for name, entry in raw.items()
    )


def asked_measures(question: str) -> list[Measure]:
    """The measures a question names."""
    text = normalize(question)
    return [m for m in measures() if m.pattern.search(text)]


# "how many physicians took part": up to three words after it; the thing counted is among them
_HOW_MANY = re.compile(r"\bhow many ((?:[a-z][\w-]{0,40}\s?){1,3})")
_NOT_COUNTED = frozenset(
    str.split(
        "of the a an did do does were was are is have has had will would could can should in on at for by to "
        "from with times more less different separate other such these those they we you it there their its "
        # a verb right after "how many" leaves the thing counted unsaid ("how many end up as API-only?")
        "end ended ends up as remain remained remains took take takes get got gets make made makes pass passed "
        "fail failed come came go went turn turned qualify qualified count counted survive survived left stay "
        "stayed belong belongs fall fell fit fits"
    )
)
_NUMBER_WORDS = frozenset(
    str.split(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen twenty "
        "thirty forty fifty hundred hundreds thousand thousands million millions billion billions dozen dozens"
    )
)
# units a "how many" may count ("how many GB at 4 bit?"); their value may follow them
_UNITS = frozenset(str.split("gb gigabyte mb megabyte tb terabyte token watt kwh hour usd dollar euro"))
_TOKEN = re.compile(r"[\w.,%+]*\w")  # "4-point" is a number and a word
_SAMPLE_SIZE = re.compile(r"^\(?n\s?=?$")
WORDS_BEFORE = 3  # "10 board-certified radiation oncologists": the number may stand a few words before


def counted_things(question: str) -> list[str]:
    """The words an English "how many" question counts ("how many chest X-rays were used" -> chest, x-rays)."""
    match = _HOW_MANY.search(normalize(question))
    if not match:
        return []
    words = []
    for word in match.group(1).split():
        if word in ("and", "or"):
            continue  # "how many studies and models": both are counted, "and" is not
        if word in _NOT_COUNTED:
            break
        words.append(fold_plural(word.rsplit("-", 1)[-1]))  # "x-rays": the sentence's words split at hyphens too
    return words


def _is_number(token: str) -> bool:
    return any(c.isdigit() for c in token) or token in _NUMBER_WORDS


# A model's parameters are counted in its size: "340 billion", "540B", "7b", "1.76 trillion".
_PARAMETER_WORDS = frozenset(("param", "parameter", "weight"))
_MODEL_SIZE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s?(?:b|m|t|billion|million|trillion)\b")


def _same_word(word: str, asked: str) -> bool:
    """True for the same word, or, from five letters on, the asked word with one typo: a letter changed, added,
    dropped, or two neighbours swapped ("imgaes" for "images")."""
    if word == asked:
        return True
    if min(len(word), len(asked)) < 5:
        return False
    if one_edit_apart(word, asked):
        return True
    if len(word) != len(asked):
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, asked, strict=True)) if a != b]  # two neighbours swapped?
    if len(diff) != 2 or diff[1] != diff[0] + 1:
        return False
    return (word[diff[0]], word[diff[1]]) == (asked[diff[1]], asked[diff[0]])


def states_count(sentence: str, things: Sequence[str]) -> bool:
    """True when the sentence puts a number just before one of the counted things ("12 physicians"); for a
    model's parameters, when it gives a size ("340 billion", "540B")."""
    if _PARAMETER_WORDS & set(things) and _MODEL_SIZE.search(normalize(sentence)):
        return True
    tokens = _TOKEN.findall(normalize(sentence))
    for i, token in enumerate(tokens):
        if any(_same_word(fold_plural(token.strip(".,")), thing) for thing in things):
            before = tokens[max(0, i - WORDS_BEFORE) : i]
            after = tokens[i + 1 : i + 3]
            if any(_is_number(t) for t in before) or (after and _SAMPLE_SIZE.match(after[0]) and len(after) > 1):
                return True
            # a unit may head its value, as a table's column does: "Video RAM Requirement (GB) 282"
            if fold_plural(token.strip(".,")) in _UNITS and after and _is_number(after[0]):
                return True
    return False


def unstated(question: str, sentences: Sequence[str], *, english: bool) -> str | None:
    """What the question asks that none of the sentences states (a measure's name, or "how many" and the
    thing counted), or None. Counts are checked only when ``english``: the counted word must be the
    passages' language."""
    texts = [normalize(s) for s in sentences]
    norm = normalize(question)
    asked = asked_measures(question)
    stated = {m.name for m in asked if _states_measure(m, norm, texts)}
    for measure in asked:
        if measure.name in stated or _stands_in(measure, asked, stated, norm):
            continue
        return measure.name
    things = counted_things(question) if english else []
    if things and not any(states_count(s, things) for s in sentences):
        return "how many " + " ".join(things)
    return None


# A question that wants a figure: a count, an amount, a share, a size, a duration, a date (English, Spanish,
# German; written against normalised text).
_ASKS_A_FIGURE = re.compile(
    r"\b(?:how (?:many|much|long|big|large|old|often|fast|high)|what (?:percentage|percent|proportion|fraction)"
    r"|what share|what %|cuant[oa]s?|que porcentaje|wie (?:viele?|lange|gross|hoch|schnell)|wieviele?"
    r"|when|cuando|wann|what year|which year|que ano|welche[ms]? jahr)\b|%"
    # "what physician score did it get?", "physician eval score of the letters?": a score is a figure
    r"|\b(?:what|which)\s(?:[\w-]{1,20}\s){0,3}(?:score|rating)s?\b|\b(?:score|rating)s?\s(?:of|for|on)\b"
    # "whats the max input length?": a limit is a figure
    r"|\b(?:max|maximum|minimum)\s(?:[\w-]{1,20}\s){0,2}(?:length|size|number|input|context|tokens?|memory)\b"
)
_ASKS_A_DATE = re.compile(r"\b(?:when|cuando|wann|what year|which year|que ano|welche[ms]? jahr)\b")
_FIGURE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w;():])|\d+(?:[.,]\d+)*\s?(?:%|[kmb]\b|gb\b|h\b)")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


_NAME_PART = re.compile(r"[a-z]-$")
# "what / which / how high" asks for a measure's value; "did it use ROUGE?" does not
# a question word shortly before the measure asks for its value: "what ROUGE-L did it get?", "how high was the
# accuracy?"; "which model came out ahead on ROUGE?" asks which model
_ASKS_WHAT = re.compile(r"\b(?:what|which|how|cual\w{0,2}|que|welche\w{0,2}|wie)\b(?:\W{1,3}[\w-]{1,30}){0,3}\W{1,3}$")


def _states_measure(measure: Measure, question: str, texts: Sequence[str]) -> bool:
    """True when a sentence states the measure the normalised question asks: it names it (with a value, when
    the question asks what the value is), or gives a value of its kind."""
    if measure.value is not None and any(measure.value.search(t) for t in texts):
        return True
    if not any(measure.pattern.search(t) for t in texts):
        return False
    asks_value = any(
        (asks := _ASKS_WHAT.search(question[: m.start()])) and not _COMPARES.search(asks.group(0))
        for m in measure.pattern.finditer(question)
    )
    # "what ROUGE-L did it get?" against "ROUGE favoured the 8B model": no value
    return not asks_value or any(measure.pattern.search(t) and _gives_a_value(t) for t in texts)


# "which did better on ROUGE?" asks which one, not the value
_COMPARES = re.compile(
    r"\b(?:better|worse|best|worst|ahead|higher|lower|won|wins|beat|beats|outperform\w*|superior|mejor|peor|"
    r"besser|schlechter|beste\w*)\b"
)


def _stands_in(measure: Measure, asked: Sequence[Measure], stated: set[str], question: str) -> bool:
    """True when every word of the question that names this measure also names another asked measure that a
    sentence states: "accuracy" names accuracy and (as the Spanish "precision" shares it) precision."""
    others = [m for m in asked if m.name in stated and m is not measure]
    return bool(others) and all(
        any(any(o.start() <= m.start() < o.end() for o in other.pattern.finditer(question)) for other in others)
        for m in measure.pattern.finditer(question)
    )


def _gives_a_value(text: str) -> bool:
    """True when the normalised text holds a figure that is neither a year, a model's size ("8B") nor part of
    a name ("LLaMA-3", "GPT-4")."""
    sizes = {m.start() for m in _MODEL_SIZE.finditer(text)}
    return any(
        m.start() not in sizes and not _YEAR.match(m.group(0).strip()) and not _NAME_PART.search(text[: m.start()])
        for m in _FIGURE.finditer(text)
    )


def asks_for_a_figure(question: str) -> bool:
    """True when the question wants a number: how many, how much, what share, how long, when."""
    return bool(_ASKS_A_FIGURE.search(normalize(question)))


def states_a_figure(sentence: str, question: str) -> bool:
    """True when the sentence gives a figure of the kind the question wants: a year counts only for a question
    that asks when (a sentence that merely carries a publication year gives no count or size)."""
    text = normalize(sentence)
    dates = bool(_ASKS_A_DATE.search(normalize(question)))
    return any(dates or not _YEAR.match(m.group(0).strip()) for m in _FIGURE.finditer(text))
