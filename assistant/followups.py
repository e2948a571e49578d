"""What kind of follow-up a user message is: a what-if, a why-not, a question about studies, or a term to explain.

Patterns cover English, Spanish and German and are matched on accent-free lower-case text
(``assistant.lexicon.normalize``). They are deliberately narrow: a message that is not recognised as a
follow-up is treated as an answer or a correction, which the extraction reads.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from assistant.catalog import Catalog, Model, squash_name
from assistant.lexicon import normalize

WHAT_IF = "what_if"
WHY_NOT = "why_not"
USAGE = "usage"
EXPLAIN = "explain"

_WHAT_IF = re.compile(
    r"^\W*(?:(?:and|but|ok|okay|so|y|pero|vale|und|aber|also|gut)\b\W*)?"
    r"(?:what if|and if|what would (?:happen|change) if|suppose|hypothetically|"
    r"y si|que pasa(?:ria)? si|que cambia(?:ria)? si|supongamos|"
    r"was (?:ware|waere|passiert|andert sich),? wenn|und wenn|angenommen)\b"
)
_WHY_NOT = re.compile(
    r"\b(?:why (?:not|no|isn'?t|is not|wasn'?t|was not|aren'?t|didn'?t you (?:recommend|include|suggest|list))|"
    r"what about|how about|por que no|y (?:que hay de|el|la)|warum (?:nicht|kein\w*|fehlt)|wieso (?:nicht|kein\w*)|"
    r"weshalb (?:nicht|kein\w*)|und was ist mit)\b"
)
_USAGE = re.compile(
    r"\b(?:(?:which|what) (?:studies|papers|publications|trials)|studies (?:that |which )?(?:used|use|tested)|"
    r"who (?:used|tested)|evidence (?:for|on|about)|"
    r"(?:que|cuales|cuantos) (?:estudios|articulos|trabajos)|estudios (?:que )?(?:usaron|utilizaron|usan)|"
    r"welche (?:studien|arbeiten|publikationen|paper)|studien (?:zu|uber|mit))\b"
)
_EXPLAIN = re.compile(
    r"\b(?:what(?:'s| is| are| does| do| counts? as| means?| exactly)|meaning of|explain|define|definition|"
    r"what do you mean|"
    r"que (?:es|son|significa|quiere decir|cuenta como|necesita|requiere)|explica\w*|definicion|"
    r"was (?:ist|sind|bedeutet|heisst|zahlt als|gilt als|braucht|benotigt)|erklar\w*|definition)\b"
)

# Aliases (after normalize) for the glossary terms and the explainable question ids.
TERM_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "textual data": ("textual data", "text data", "what is text", "datos textuales", "textdaten", "als text"),
        "data_sharing": (
            "sharing data",
            "data sharing",
            "share data",
            "share the data",
            "shared with third",
            "compartir datos",
            "compartir los datos",
            "datenweitergabe",
            "daten teilen",
            "weitergabe",
        ),
        "input_text_only": ("text only", "text-only", "solo texto", "nur text"),
        "output_text_only": ("text output", "output text", "salida de texto", "textausgabe"),
        "deploy_local": ("deploy locally", "local deployment", "on premise", "despliegue local", "lokaler betrieb"),
        "cloud deployment": ("cloud deployment", "the cloud", "la nube", "die cloud"),
        "open model": ("open model", "modelo abierto", "offenes modell"),
        "api model": ("api model", "api-only", "api only", "modelo api", "api-modell"),
        "restricted model": ("restricted", "restringido", "eingeschrankt"),
        "star": ("star", "asterisk", "estrella", "asterisco", "stern", "sternchen"),
        "evidence": (
            "studies count",
            "evidence count",
            "studies (best)",
            "number in brackets",
            "number in parentheses",
            "numero de estudios",
            "numero entre parentesis",
            "studienzahl",
            "zahl in klammern",
        ),
        "sub-task": ("sub-task", "subtask", "subtarea", "teilaufgabe"),
        "pre-training": ("pre-training", "pretraining", "preentrenamiento", "vortraining"),
        "fine-tuning": ("fine-tuning", "fine tuning", "finetuning", "ajuste fino", "feinabstimmung", "feintuning"),
        "inference": ("inference", "inferencia", "inferenz"),
        "tdp": ("tdp", "thermal design power"),
        "quantization": ("quantization", "quantisation", "quantized", "cuantizacion", "quantisierung"),
        "qlora": ("qlora",),
        "rag": (
            "rag",
            "retrieval-augmented generation",
            "retrieval augmented generation",
            "generacion aumentada por recuperacion",
        ),
        "memory estimate": ("memory estimate", "estimacion de memoria", "speicherschatzung"),
        "parameters": ("parameters", "parametros", "parameter"),
        "gpu": ("gpu", "gpus", "graphics card", "tarjeta grafica", "grafikkarte"),
    }
)


@dataclass(frozen=True)
class ModelMention:
    """A model named in the user's text, with the catalog entries it may mean."""

    text: str
    models: tuple[Model, ...]


@lru_cache(maxsize=8)  # per catalog (hashable by identity): rebuilding it cost ~3 ms per turn
def _model_keys(catalog: Catalog) -> dict[str, tuple[Model, ...]]:
    keys: dict[str, list[Model]] = {}
    for model in catalog.models:
        for name in {model.id, model.name, model.label}:
            squashed = squash_name(name)
            if len(squashed) >= 2 and model not in keys.setdefault(squashed, []):
                keys[squashed].append(model)
    # "PhenoGPT" names "PhenoGPT (Falcon)": the name before its bracket, where no other model holds it already
    for model in catalog.models:
        base = squash_name(model.name.split("(")[0]) if "(" in model.name else ""
        if len(base) >= 4 and base not in keys:
            keys[base] = [model]
    return {k: tuple(v) for k, v in keys.items()}


@lru_cache(maxsize=8)
def _sorted_keys(catalog: Catalog) -> tuple[str, ...]:
    return tuple(sorted(_model_keys(catalog)))


def _family_named(catalog: Catalog, phrase: str, width: int) -> tuple[Model, ...]:
    """The one model whose names all start with ``phrase`` ("Claude-instant" for Claude Instant v1.0), when
    the phrase is written like a name (two words, a hyphen or a digit: a plain word such as "radiology"
    would otherwise name Radiology-Llama2) and at least six letters long."""
    squashed = squash_name(phrase)
    if len(squashed) < 6 or not (width > 1 or "-" in phrase or any(ch.isdigit() for ch in phrase)):
        return ()
    keys = _sorted_keys(catalog)
    start = bisect.bisect_left(keys, squashed)
    found: list[Model] = []
    for key in keys[start:]:
        if not key.startswith(squashed):
            break
        found += [m for m in _model_keys(catalog)[key] if m not in found]
    return tuple(found) if len(found) == 1 else ()


_TOKEN = re.compile(r"[\w.+']+(?:[-/][\w.+']+)*", re.UNICODE)  # an apostrophe stays in its word (GatorTron's)


def find_model_mentions(catalog: Catalog, text: str) -> tuple[ModelMention, ...]:
    """Catalog models named in ``text`` (longest names first, each span once), ignoring case and punctuation."""
    keys = _model_keys(catalog)
    # "GatorTron's" names GatorTron (not GatorTronS): a possessive is not part of the name
    tokens = [re.sub(r"['\u2019]s$", "", m.group(0).strip(".")) for m in _TOKEN.finditer(text.replace("\u2019", "'"))]
    found: list[ModelMention] = []
    i = 0
    while i < len(tokens):
        for width in (4, 3, 2, 1):
            if i + width > len(tokens):
                continue
            phrase = " ".join(tokens[i : i + width])
            models = keys.get(squash_name(phrase)) or _family_named(catalog, phrase, width)
            if models and not (width == 1 and len(squash_name(phrase)) < 3 and not any(c.isdigit() for c in phrase)):
                after = tokens[i + width] if i + width < len(tokens) else ""
                sized = _of_the_size(catalog, phrase, models, after)  # "Llama 3.1" + "8B"
                if not _another_version(keys, phrase, after) and sized != ():  # "Gemini 2.5 Pro" is not Gemini
                    found.append(ModelMention(phrase, sized or models))
                i += width
                break
        else:
            i += 1
    return tuple(found)


_SIZE = re.compile(r"\d{1,4}(?:\.\d{1,2})?[bm]", re.IGNORECASE)


def _of_the_size(catalog: Catalog, phrase: str, models: tuple[Model, ...], after: str) -> tuple[Model, ...] | None:
    """The catalog entries of the size written right after a name ("Llama 3.1" + "8B": LLaMA-3.1-Instruct-8B, not
    the LLaMA3.1 rows of 70B and 405B); () when the catalog holds the name in no such size; None when no size
    follows."""
    if not _SIZE.fullmatch(after):
        return None
    size, family = after.casefold(), squash_name(phrase)
    same = tuple(m for m in models if squash_name(m.label).endswith(size))
    return same or tuple(
        m for m in catalog.models if squash_name(m.label).startswith(family) and squash_name(m.label).endswith(size)
    )


# What continues a catalog name into another version of it: "gpt-4.1", "claude-3.7", "gpt-4-turbo"
_VERSION_TAIL = re.compile(r"^[.\-_]?(?:\d|[.\-_][a-z]|turbo|mini|pro|plus|max|ultra|lite|flash|preview)")


def unknown_variants(catalog: Catalog, text: str) -> tuple[str, ...]:
    """Names in ``text`` that continue a catalog model's name into a version the catalog does not hold
    ("gpt-4.1" beside GPT-4): a question about one must not be answered with the other's figures."""
    keys = _model_keys(catalog)
    found = []
    for match in _TOKEN.finditer(text.replace("\u2019", "'")):
        written = re.sub(r"'s$", "", match.group(0).strip("."))  # "GPT-4.1's price" names GPT-4.1
        token = written.casefold()
        squashed = squash_name(token)
        if squashed in keys or _family_named(catalog, token, 1):
            continue
        if any(len(key) >= 4 and squashed.startswith(key) and _goes_on_as_version(token, key) for key in keys):
            found.append(written)
    # a version written apart from the name: "Claude 3.7 Sonnet" where the catalog holds Claude 3.5 Sonnet
    for match in _SPACED_VERSION.finditer(text):
        family = match.group("family")
        known = any(key.startswith(squash_name(family)) for key in keys)
        if known and _another_version(keys, family, match["version"]):
            found.append(match.group(0))
    return tuple(found)


_SPACED_VERSION = re.compile(r"\b(?P<family>[A-Za-z]{4,})[ -](?P<version>\d{1,2}\.\d{1,2})\b")
_VERSION_NUMBER = re.compile(r"\d{1,2}\.\d{1,2}")


def _another_version(keys: Mapping[str, object], name: str, after: str) -> bool:
    """True when the word after a name is a version number no catalog name continues with ("Claude" + "3.7")."""
    return bool(_VERSION_NUMBER.fullmatch(after)) and not any(key.startswith(squash_name(name + after)) for key in keys)


def _goes_on_as_version(token: str, key: str) -> bool:
    """True when ``token`` spells the squashed catalog name ``key`` and then a version ("gpt-4" + ".1")."""
    seen = 0
    for at, ch in enumerate(token):
        seen += ch.isalnum()
        if seen == len(key):
            return bool(_VERSION_TAIL.match(token[at + 1 :]))
    return False


def find_terms(text: str) -> tuple[str, ...]:
    """Glossary terms and question ids the text names, in the order of ``TERM_ALIASES``."""
    norm = normalize(text)
    hits = []
    for key, aliases in TERM_ALIASES.items():
        if any(re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", norm) for alias in aliases):
            hits.append(key)
    return tuple(hits)


def asks_what_a_term_is(text: str, terms: tuple[str, ...]) -> bool:
    """True when the question asks what one of ``terms`` is ("what is fine-tuning?", "explain how quantisation
    works"), not about something that only names it ("what is that fine-tuning set called?")."""
    norm = normalize(text)
    names = "|".join(re.escape(alias) for term in terms for alias in TERM_ALIASES.get(term, (term,)))
    return bool(names) and any(
        re.match(rf"\W{{0,3}}(?:[\w'-]{{1,40}}\W{{1,3}}){{0,2}}?(?:{names})(?!\w)", norm[m.end() :])
        for m in _EXPLAIN.finditer(norm)
    )


def after_why_not(text: str) -> str:
    """The words after "why not" (or its translation): what the user named, for an unknown model."""
    kept = [w for w in _after_why_not(text).split() if w not in _NOT_THE_NAME]
    return " ".join(kept[:3])


def _after_why_not(text: str) -> str:
    """The normalised words after "why not" up to the end of their clause."""
    norm = normalize(text)
    match = _WHY_NOT.search(norm)
    rest = norm[match.end() :] if match else norm
    return re.split(r"[?!.,;]", rest, maxsplit=1)[0]


_NOT_THE_NAME = frozenset(
    ("recommended", "recomendado", "empfohlen", "included", "listed", "the", "a", "an", "el", "la", "das", "der")
)
# "why isn't X on my list?": where X would be, not part of it
_ON_THE_LIST = re.compile(
    r"\b(?:on|in|en|auf) (?:my|the|our|mi|la|nuestra|meiner|der|unserer) (?:list\w*|recommendation\w*)\b.*"
)
MAX_NAME_WORDS = 3


def names_something(text: str) -> bool:
    """True when the words after "why not" could be a name ("why not Pixtral?", "why isn't the new Mistral Large
    on my list?"), not a clause ("¿por qué no valen en nuestro caso?": why don't they work for us)."""
    words = [w for w in _ON_THE_LIST.sub("", _after_why_not(text)).split() if w not in _NOT_THE_NAME]
    return len(words) <= MAX_NAME_WORDS


# "And GPT-4?", "¿Y Llama 3?", "Und Mistral?": a conjunction and a model's name, nothing else, asks of that model
# what "what about" asks; "And GPT-4 at 8-bit?" says more and is read as the question it is.
_AND_ALONE = re.compile(r"^\W*(?:and|or|also|then|y|o|und|oder|e|et|ou|en|i|och|og|oraz|a tambien|und auch)\b")
_FILLER = frozenset(("the", "then", "one", "model", "el", "la", "der", "die", "das", "le", "il", "lo", "de"))


def _names_only(norm: str, models: tuple[ModelMention, ...]) -> bool:
    """True when ``norm`` is a conjunction followed by the named models alone."""
    start = _AND_ALONE.match(norm)
    if not start or not models:
        return False
    words = [w for w in _TOKEN.findall(norm[start.end() :]) if w not in _FILLER]
    return len(words) <= sum(len(_TOKEN.findall(m.text.casefold())) for m in models)


@dataclass(frozen=True)
class FollowUp:
    """A recognised follow-up: its kind, the models and terms it names."""

    kind: str  # what_if | why_not | usage | explain
    models: tuple[ModelMention, ...]
    terms: tuple[str, ...]
    text: str


def classify(catalog: Catalog, text: str, *, names_a_row: bool = False, alone: bool = True) -> FollowUp | None:
    """The follow-up the message asks, or None when it reads as a description, an answer or a correction;
    ``names_a_row``: the text points at a row of the recommendation ("what about row 2?"), a model by place;
    ``alone``: nothing else in the message says what a bare "And GPT-4?" asks of the model."""
    norm = normalize(text).strip()
    if not norm:
        return None
    models = find_model_mentions(catalog, text)
    terms = find_terms(text)
    if _WHAT_IF.search(norm):
        return FollowUp(WHAT_IF, models, terms, text)
    if (_WHY_NOT.search(norm) or (alone and _names_only(norm, models))) and (
        models or names_a_row or (re.search(r"\b(?:why not|por que no|warum nicht)\b", norm) and names_something(text))
    ):
        return FollowUp(WHY_NOT, models, terms, text)
    if _USAGE.search(norm) and models:
        return FollowUp(USAGE, models, terms, text)
    if _EXPLAIN.search(norm):
        if terms:
            return FollowUp(EXPLAIN, models, terms, text)
        if models:
            return FollowUp(USAGE, models, terms, text)
    return None
