"""The user's situation (GPUs they have, concurrent users, context length, workload) and its reader.

``Situation`` is the ``situation`` object of CONTRACTS.md ("The user's situation"); each value carries
where it came from like an answer (``source``: extracted or clicked, ``turn``) and, when read from text,
the ``quote``: the exact span of the message it was read from.

``read_situation(text, gpus)`` is a deterministic reader of English, Spanish and German:
- hardware: a count (digits or a number word, "a"/"an"/"un"/"eine") before a GPU name as people write it
  ("two A100 80GB", "4x L40S", "eine RTX 4090", "dos A100 de 80 GB"); a name with its memory after it picks
  that variant, a bare "A100" is the 80 GB card; a count of 1 is implied by "a"/"an"/"single";
- concurrent users: a number before "users"/"Nutzer"/"usuarios" (any), or before people ("clinicians",
  "Ärzte", "médicos") marked as simultaneous ("at the same time", "gleichzeitig", "a la vez"): a headcount
  alone ("200 clinicians") is not a number of concurrent users;
- context: a number of tokens next to "context"/"Kontext"/"contexto" ("8k context", "context of 32,000
  tokens", "Kontext von 8.000 Tokens");
- workload: a number of documents or requests per day, week or month, optionally with their length in
  tokens or words ("about 500 letters a day of 2,000 tokens each"; words count 4/3 tokens).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from assistant.sizing import DAYS_PER_MONTH, Workload
from assistant.sizing_facts import GpuType, squash

TOKENS_PER_WORD = 4 / 3  # OpenAI's rule of thumb: a token is about 3/4 of an English word
SOURCES = ("extracted", "clicked")


@dataclass(frozen=True)
class Provenance:
    """Where a value came from: extracted from a user turn (with the quote) or clicked in a UI."""

    source: str  # "extracted" | "clicked"
    turn: int | None
    quote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"source": self.source, "turn": self.turn, "quote": self.quote}


@dataclass(frozen=True)
class Gpus:
    """GPUs the user has (or considers): the type's display name and how many (None: not said)."""

    name: str
    count: int | None
    key: str | None = None  # the GPU type's key in the facts, when known

    def to_dict(self) -> dict[str, Any]:
        """The ``gpus`` object of the situation."""
        return {"name": self.name, "count": self.count}


def _merged_gpus(earlier: Gpus | None, later: Gpus | None) -> Gpus | None:
    """The later mention wins, but naming the same GPU type again without a count ("would it fit on the
    4090?") keeps the count said before."""
    if later is None:
        return earlier
    if earlier is not None and later.count is None and later.key is not None and later.key == earlier.key:
        return replace(later, count=earlier.count)
    return later


@dataclass(frozen=True)
class Situation:
    """What the user said about their hardware, users, context and workload; None where unknown."""

    gpus: Gpus | None = None
    users: int | None = None
    context_tokens: int | None = None
    workload: Workload | None = None
    provenance: Mapping[str, Provenance] | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing is known."""
        return self.gpus is None and self.users is None and self.context_tokens is None and self.workload is None

    def updated(self, later: Situation) -> Situation:
        """This situation with every value the later one knows replacing the earlier one."""
        prov = dict(self.provenance or {})
        prov.update(later.provenance or {})
        return Situation(
            gpus=_merged_gpus(self.gpus, later.gpus),
            users=later.users if later.users is not None else self.users,
            context_tokens=later.context_tokens if later.context_tokens is not None else self.context_tokens,
            workload=later.workload or self.workload,
            provenance=prov,
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``situation`` object; ``provenance`` (per field: source, turn, quote) is an extension."""
        return {
            "gpus": self.gpus.to_dict() if self.gpus else None,
            "users": self.users,
            "context_tokens": self.context_tokens,
            "workload": self.workload.to_dict() if self.workload else None,
            "provenance": {k: v.to_dict() for k, v in (self.provenance or {}).items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], gpus: Sequence[GpuType] = (), *, source: str = "clicked") -> Situation:
        """A situation from its JSON form (a request extension); raises ValueError naming a bad field."""
        prov: dict[str, Provenance] = {}
        gpu_value = None
        raw_gpus = data.get("gpus")
        if raw_gpus is not None:
            if not isinstance(raw_gpus, Mapping) or not isinstance(raw_gpus.get("name"), str):
                raise ValueError("gpus: expected {name, count}")
            count = raw_gpus.get("count")
            if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
                raise ValueError("gpus.count: expected a whole number of at least 1")
            found = _gpu_named(raw_gpus["name"], gpus)
            if gpus and found is None:
                names = ", ".join(g.name for g in gpus)
                raise ValueError(f"gpus.name: unknown GPU {raw_gpus['name']!r}; known: {names}")
            gpu_value = Gpus(found.name if found else raw_gpus["name"], count, found.key if found else None)
            prov["gpus"] = Provenance(source, None)
        users = _positive_int(data, "users")
        context = _positive_int(data, "context_tokens")
        for name, value in (("users", users), ("context_tokens", context)):
            if value is not None:
                prov[name] = Provenance(source, None)
        workload = None
        raw_work = data.get("workload")
        if raw_work is not None:
            if not isinstance(raw_work, Mapping):
                raise ValueError("workload: expected {requests_per_day, tokens_per_request}")
            per_day = raw_work.get("requests_per_day")
            tokens = raw_work.get("tokens_per_request")
            if not isinstance(per_day, (int, float)) or isinstance(per_day, bool) or per_day <= 0:
                raise ValueError("workload.requests_per_day: expected a number above 0")
            if tokens is not None and (not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1):
                raise ValueError("workload.tokens_per_request: expected a whole number of at least 1")
            workload = Workload(float(per_day), tokens)
            prov["workload"] = Provenance(source, None)
        return cls(gpu_value, users, context, workload, prov)


def _positive_int(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: expected a whole number of at least 1")
    return value


def _gpu_named(name: str, gpus: Sequence[GpuType]) -> GpuType | None:
    wanted = squash(name).removeprefix("nvidia")
    for gpu in gpus:
        if wanted in {squash(n).removeprefix("nvidia") for n in gpu.names()}:
            return gpu
    return None


# --- numbers as people write them --------------------------------------------------------------------------

_UNITS: Mapping[str, int] = {
    # English
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a": 1,
    "an": 1,
    "single": 1,
    "a single": 1,
    "a pair of": 2,
    "a couple of": 2,
    "dozen": 12,
    "a dozen": 12,
    # Spanish
    "uno": 1,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "quince": 15,
    "dieciséis": 16,
    "veinte": 20,
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "trescientos": 300,
    "cuatrocientos": 400,
    "quinientos": 500,
    "seiscientos": 600,
    "setecientos": 700,
    "ochocientos": 800,
    "novecientos": 900,
    # German
    "ein": 1,
    "eine": 1,
    "einen": 1,
    "einer": 1,
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "fünfzehn": 15,
    "sechzehn": 16,
    "zwanzig": 20,
    "dreißig": 30,
    "vierzig": 40,
    "fünfzig": 50,
    "sechzig": 60,
    "siebzig": 70,
    "achtzig": 80,
    "neunzig": 90,
    "hundert": 100,
    "einhundert": 100,
}
_SCALES: Mapping[str, int] = {"hundred": 100, "thousand": 1000, "mil": 1000, "tausend": 1000}
_NUMBER_WORD = "|".join(sorted((re.escape(w) for w in (*_UNITS, *_SCALES)), key=len, reverse=True))
# digits with thousands separators (2,000 / 2.000 / 2 000), decimals (1.5), a k suffix (8k, 1.5K)
# Linear on any input: every repeat is bounded and a number starts only where no digit precedes it, so a run
# of 100,000 digits (or of number words) costs a few steps per character, never a backtrack across the run.
_DIGITS = r"(?<![\d.,])(?:\d{1,3}(?:[,.\u202f ]\d{3}){1,4}|\d{1,12}(?:[.,]\d{1,4})?)(?![\d])"
_WORDS = rf"(?:(?:{_NUMBER_WORD})(?:[\s\-]{{1,3}}|und|y\s{{1,3}}|and\s{{1,3}})?){{1,6}}(?<![\s\-])"
NUMBER = rf"(?:{_DIGITS}(?:\s?[kK](?![^\W\d_]))?|{_WORDS})"


def parse_number(text: str) -> float | None:
    """The value of a number as written: digits (2,000; 2.000; 8k; 1.5) or number words (EN/ES/DE)."""
    raw = text.strip().casefold()
    if not raw:
        return None
    if raw[0].isdigit():
        factor = 1000 if raw.endswith("k") else 1
        raw = raw.rstrip("k").strip()
        if re.fullmatch(r"\d{1,3}(?:[,.\u202f ]\d{3})+", raw):
            return float(re.sub(r"[,.\u202f ]", "", raw)) * factor
        return float(raw.replace(",", ".")) * factor
    return _words_value(raw)


def _words_value(raw: str) -> float | None:
    if raw in _UNITS:
        return float(_UNITS[raw])
    # German compounds written as one word: "zweihundert", "fünfundzwanzig", "zweitausend"
    for scale_word, scale in (("tausend", 1000), ("hundert", 100)):
        if raw.endswith(scale_word) and raw != scale_word:
            head = _words_value(raw[: -len(scale_word)])
            return head * scale if head else None
    if "und" in raw and raw not in _UNITS:
        unit, _, tens = raw.partition("und")
        if unit in _UNITS and tens in _UNITS:
            return float(_UNITS[unit] + _UNITS[tens])
    total = 0.0
    current = 0.0
    seen = False
    for word in re.split(r"[\s\-]+|\by\b|\band\b", raw):
        if not word:
            continue
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word in _SCALES:
            current = (current or 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total += current
                current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


# --- the reader --------------------------------------------------------------------------------------------

_USER_NOUNS = (
    r"(?:concurrent\s+|simultaneous\s+|gleichzeitige[n]?\s+|parallele[n]?\s+|gelijktijdige\s+)?"
    # German nouns take an -n in the dative plural ("bei 10 gleichzeitigen Nutzern")
    r"(?:users?|nutzer(?:innen|n)?|benutzer(?:innen|n)?|anwender(?:innen|n)?|usuári[oa]s?|usuari[oa]s?|"
    # French, Italian, Portuguese ("4 utilisateurs simultanés", "10 utenti contemporanei")
    r"utilisat(?:eur|rice)s?|utent[ie]|gebruikers?)"
)
_PEOPLE = (
    # patients too, where they chat with it themselves ("8 patients chatting at once")
    r"(?:clinicians?|doctors?|physicians?|nurses?|radiologists?|staff|people|colleagues|patients?|pacientes|patienten|"
    r"ärzt(?:e|en|innen)|pflegekräften?|kolleg(?:en|innen)|personen|"
    r"médic[oa]s|clínic[oa]s|enfermer[oa]s|personas|radiólog[oa]s|"
    # Portuguese, Italian, French, Dutch ("16 enfermeiros ao mesmo tempo", "12 infermieri contemporaneamente")
    r"enfermeir[oa]s|pessoas|colegas|profissionais|infermier[ei]|medici|persone|colleghi|infirmi[eè]res?|"
    r"médecins|personnes|collègues|verpleegkundigen|artsen|mensen|collega's)"
)
# What a number before "at once" may count that is not people ("4 GPUs in parallel", "300 letters at once")
_THINGS = (
    r"(?:gpus?|cards?|nodes?|servers?|machines?|instances?|tokens?|requests?|queries|prompts?|batch(?:es)?|"
    r"letters?|documents?|reports?|notes?|files?|pages?|images?|scans?|studies|models?|sequences?|streams?|"
    r"bits?|bytes?|gb|gib)"  # "em 4 bits ao mesmo tempo": a precision, not four people
)
_AT_ONCE = (
    r"(?:at\s+(?:the\s+same\s+time|once)|simultaneously|concurrently|in\s+parallel|"
    r"gleichzeitig|parallel|zur\s+gleichen\s+zeit|"
    r"a\s+la\s+vez|al\s+mismo\s+tiempo|simultáneamente|simultáne[oa]s|"
    r"simultan[ée]s?|simultanément|en\s+même\s+temps|contemporanei|contemporaneamente|simultâne[oa]s|"
    r"ao\s+mesmo\s+tempo|tegelijk(?:ertijd)?|"
    # Polish, Swedish, Danish/Norwegian, Czech, Russian, Turkish ("6 pielęgniarek jednocześnie")
    r"jednocze[sś]nie|r[oó]wnocze[sś]nie|samtidigt?|sou[cč]asn[eě]|одновременно|ayn[\u0131i]\s+anda)"
)
_CJK_AT_ONCE = r"(?:同時に?|同时|一起|동시에)"
_CJK_PEOPLE = r"(?:人|名|位|명)"
_CONCURRENT_BEFORE = (
    r"(?:concurrent|simultaneous|gleichzeitige[n]?|simultáne[oa]s|simultan[ée]s?|contemporanei|gelijktijdige)"
)
_ABOUT = (
    r"(?:about|around|roughly|approximately|some|up\s+to|~|ca\.?|etwa|rund|circa|"
    r"unos|unas|alrededor\s+de|aproximadamente|hasta)?\s*"
)
_DOCS = (
    r"(?:letters?|reports?|notes?|summaries|summary|requests?|queries|questions|documents?|discharge\s+letters?|"
    r"plans?|drafts?|messages?|e-?mails?|chats?|conversations?|transcripts?|referrals?|prescriptions?|cases?|"
    r"briefe|arztbriefe|berichte|befunde|anfragen|dokumente|zusammenfassungen|pläne|nachrichten|fälle|"
    r"cartas|informes|notas|consultas|solicitudes|documentos|resúmenes|preguntas|planes|mensajes|casos)"
)
_PER = (
    r"(?:a|per|each|every|/|pro|je|al|por|cada|diari[oa]s|täglich|am|im|an\s+einem)\s*"
    r"(?P<period>day|week|month|tag|woche|monat|día|dia|semana|mes)"
    r"|(?P<daily>daily|täglich|diari[oa]s|al\s+día|pro\s+tag)"
)
_LENGTH = (
    rf"(?:\s*(?:,|of|at|with|mit|von|de|con|à|each\s+of|,\s*each)?\s*{_ABOUT}(?P<len>{NUMBER})\s*"
    r"(?P<unit>tokens?|words?|wörtern?|worten?|palabras)\b"
    r"(?:\s*(?:each|apiece|per\s+\w+|je\w*|pro\s+\w+|cada\s+un[oa]))?)?"
)
# the length said apart from the count ("1,000 letters a day through GPT-4o, ~3,000 tokens per request")
_LENGTH_APART = re.compile(
    rf"{_ABOUT}(?P<len>{NUMBER})\s*(?P<unit>tokens?|words?|wörtern?|palabras)\s+"
    # "... 500 letters a day through GPT-4, about 2,000 tokens each": "each" says what is counted already
    rf"(?:(?:per|each|a|an|every|je|pro|por|cada)\s+(?:\w+\s+)?{_DOCS}|(?:each|apiece|jeweils|cada\s+un[oa])\b)",
    re.IGNORECASE,
)
# a character of the same sentence: no sentence end or clause break, but a dot inside a name ("llama.cpp")
# a thousands comma ("an 8,192-token session") is no clause break
_SAME_SENTENCE = r"(?:[^.;,\n]|\.(?=\w)|(?<=\d),(?=\d))"
# context, contexte, contesto, contexto, Kontext, kontekst(em) ...: the word and its inflections
_CONTEXT_WORD = (
    r"(?:(?:context[eo]?s?|kontext\w{0,7}|kontekst\w{0,3}|contest[oi]|контекст\w{0,3})(?:\s+(?:window|length))?|"
    # Turkish "bağlam", Greek, Arabic, Hindi, Vietnamese, Korean and Japanese words for it
    r"ventana\s+de\s+contexto|ba[gğ]lam\w{0,5}|πλαισ\w{0,5}|سياق|संदर्भ|ngữ\s+cảnh|문맥|文脈|コンテキスト|上下文|컨텍스트)"
)
# "tokens", and the word's inflections in other languages ("tokenów", "tokeny", "токенов")
_TOKENS = r"(?:tokens?|token(?:ów|ow|y|ach|en|ak)|токен\w{0,3}|トークン|토큰)"

_PERIOD_DAYS = {"day": 1, "tag": 1, "día": 1, "dia": 1, "week": 7, "woche": 7, "semana": 7}


def read_situation(text: str, gpus: Sequence[GpuType], *, turn: int | None = None) -> Situation:
    """Read the hardware, concurrent users, context and workload from one message; None where not said."""
    return _read_cached(text, tuple(gpus), turn)


# Words without which a reader cannot match (a superset of its patterns' nouns, case-folded). Checking them
# first is a substring scan in C; the patterns themselves try a long alternation at every position, which
# costs tenths of a second on a message at the size cap.
_USER_HINTS = (
    "user", "nutzer", "anwender", "usuari", "clinician", "doctor", "physician", "nurse", "radiologist", "staff",
    "people", "colleague", "ärzt", "pflegekräfte", "kolleg", "person", "médic", "clínic", "enfermer", "radiólog",
    "at once", "same time", "concurren", "simultan", "in parallel", "gleichzeitig", "a la vez", "mismo tiempo",
    "utilisat", "utent", "gebruiker", "même temps", "mesmo tempo", "contempora", "tegelijk",
    "jednocze", "równocze", "rownocze", "samtidig", "současn", "soucasn", "одновременно", "ayn\u0131 anda", "ayni anda",
    "enfermeir", "pessoa", "infermier", "medici", "médecin", "verpleeg", "同時", "同时", "一起", "동시",
)  # fmt: skip
_CONTEXT_HINTS = (
    "context", "kontext", "kontekst", "contest", "token", "контекст", "токен", "トークン", "토큰", "上下文",
)  # fmt: skip
_DOCS_HINTS = (
    "letter", "report", "note", "summar", "request", "quer", "question", "document", "brief", "bericht", "befund",
    "anfrage", "dokument", "zusammenfassung", "carta", "informe", "nota", "consulta", "solicitud", "resúmen",
    "pregunta", "plan", "draft", "message", "mail", "chat", "conversation", "transcript", "referral",
    "prescription", "case", "pläne", "nachricht", "fälle", "mensaje", "caso",
)  # fmt: skip


def _mentions(folded: str, hints: Sequence[str]) -> bool:
    return any(hint in folded for hint in hints)


def _may_name_gpu(text: str, gpus: tuple[GpuType, ...]) -> bool:
    """False only when no GPU name can be in the text: every name the pattern matches squashes to a key."""
    squashed = squash(text)
    return any(key in squashed for key in _gpu_pattern(gpus)[1])


@lru_cache(maxsize=2048)  # every turn of a history is read again on every request: read each text once
def _read_cached(text: str, gpus: tuple[GpuType, ...], turn: int | None) -> Situation:
    prov: dict[str, Provenance] = {}
    folded = text.casefold()
    found_gpus = _read_gpus(text, gpus) if _may_name_gpu(text, gpus) else None
    if found_gpus:
        prov["gpus"] = Provenance("extracted", turn, found_gpus[1])
    users = _read_users(text) if _mentions(folded, _USER_HINTS) else None
    if users:
        prov["users"] = Provenance("extracted", turn, users[1])
    context = _read_context(text) if _mentions(folded, _CONTEXT_HINTS) else None
    if context:
        prov["context_tokens"] = Provenance("extracted", turn, context[1])
    workload = _read_workload(text) if _mentions(folded, _DOCS_HINTS) else None
    if workload:
        prov["workload"] = Provenance("extracted", turn, workload[1])
    return Situation(
        gpus=found_gpus[0] if found_gpus else None,
        users=users[0] if users else None,
        context_tokens=context[0] if context else None,
        workload=workload[0] if workload else None,
        provenance=prov,
    )


def read_situation_history(texts: Iterable[tuple[int, str]], gpus: Sequence[GpuType]) -> Situation:
    """The situation over several user turns (turn index, text), later turns overriding earlier ones."""
    situation = Situation(provenance={})
    for turn, text in texts:
        situation = situation.updated(read_situation(text, gpus, turn=turn))
    return situation


@lru_cache(maxsize=8)  # one pattern per set of GPU facts: compiling it costs more than reading a message
def _gpu_pattern(gpus: tuple[GpuType, ...]) -> tuple[re.Pattern[str], Mapping[str, GpuType]]:
    """One regex matching every GPU alias as people write it (separators optional, case-free)."""
    table: dict[str, GpuType] = {}
    spelled: dict[str, str] = {}
    for gpu in gpus:
        for alias in gpu.names():
            key = squash(alias).removeprefix("nvidia")
            table.setdefault(key, gpu)
            spelled.setdefault(key, re.sub(r"^(nvidia\s+)?(geforce\s+)?", "", alias.casefold()))
    parts = []
    for key in sorted(table, key=len, reverse=True):
        pieces = re.findall(r"[a-z]+|\d+", spelled[key])
        if pieces == ["a"] or (len(pieces) == 1 and pieces[0].isdigit() and len(pieces[0]) < 4):
            continue  # a bare short number or letter is not a GPU name
        # "A40" may be written "A-40" but not "a 40" (an article and a number); "RTX 4090" keeps its space
        joined = re.escape(pieces[0])
        for before, piece in itertools.pairwise(pieces):
            joined += (r"[\-_]?" if len(before) == 1 and before.isalpha() else r"[\s\-_]?") + re.escape(piece)
        parts.append(joined + r"(?:\s?gb|\s?g)?")
    name = "(?:" + "|".join(parts) + ")"
    pattern = re.compile(
        rf"(?:(?P<count>{NUMBER})\s*(?:x|\u00d7|\*)?\s*)?(?:(?P<premem>\d{{2,3}})\s?(?:gb|g)\s+)?"
        rf"(?:nvidia\s+|geforce\s+|nvidia\s+geforce\s+)?"
        rf"(?<![^\W_])(?P<name>{name})(?:s\b|\b)"
        # "A100 de 80 GB", "A100-kaarten van 40 GB", "A100 cards with 40 GB"
        rf"(?:[\s-]*(?:cards?|karten|kaarten|tarjetas|cartes|schede|placas|gpus))?"
        rf"(?:\s*(?:with|mit|de|con|of|van|da|di|avec|com)?\s*(?P<mem>\d{{2,3}})\s*(?:gb|gib|g)\b)?"
        rf"(?:\s*(?:x|\u00d7)\s*(?P<after>\d+)\b)?",
        re.IGNORECASE,
    )
    return pattern, table


def _read_gpus(text: str, gpus: Sequence[GpuType]) -> tuple[Gpus, str] | None:
    return next(_gpus_in(text, gpus), None)


def gpu_keys_named(text: str, gpus: Sequence[GpuType]) -> list[str]:
    """The keys of every GPU type the text names, in order, each once ("an RTX A6000 and an A40")."""
    if not gpus or not _may_name_gpu(text, tuple(gpus)):
        return []
    return list(dict.fromkeys(found.key for found, _quote in _gpus_in(text, gpus) if found.key))


def _gpus_in(text: str, gpus: Sequence[GpuType]) -> Iterator[tuple[Gpus, str]]:
    """Each GPU type named in the text with its count (if said), and the words that name it."""
    if not gpus:
        return
    pattern, table = _gpu_pattern(tuple(gpus))
    for m in pattern.finditer(text):
        key = squash(m.group("name")).removeprefix("nvidia")
        gpu = table.get(key) or table.get(re.sub(r"g(b)?$", "", key) + "gb") or table.get(re.sub(r"gb?$", "", key))
        if gpu is None:
            continue
        memory = m.group("mem") or m.group("premem")
        if memory:
            gpu = table.get(re.sub(r"gb?$", "", key) + memory + "gb", gpu)
        count: int | None = None
        start = m.start()
        if m.group("count"):
            value = parse_number(m.group("count"))
            if value is not None and value == int(value) and value >= 1:
                count = int(value)
            else:
                start = m.start("name")
        if m.group("after"):
            count = int(m.group("after"))
        quote = text[start : m.end()].strip()
        yield Gpus(gpu.name, count, gpu.key), quote


def _as_int(raw: str) -> int | None:
    value = parse_number(raw)
    if value is None or value < 1:
        return None
    return round(value)


def _read_users(text: str) -> tuple[int, str] | None:
    patterns = (
        rf"{_ABOUT}(?P<n>{NUMBER})\s+{_USER_NOUNS}\b(?:\s+{_AT_ONCE})?",
        rf"{_ABOUT}(?P<n>{NUMBER})\s+{_CONCURRENT_BEFORE}\s+{_PEOPLE}\b",
        # "20 concurrent tumour-board users": a concurrent load, whatever its people are called
        rf"{_ABOUT}(?P<n>{NUMBER})\s+{_CONCURRENT_BEFORE}\s+(?:[\w-]+\s+){{1,2}}?(?:{_USER_NOUNS}|{_PEOPLE})\b",
        rf"{_ABOUT}(?P<n>{NUMBER})\s+{_PEOPLE}\b{_SAME_SENTENCE}{{0,70}}?\b{_AT_ONCE}",
        # any people named by their work ("6 pathologists use it at the same time"), when "at once" follows
        rf"{_ABOUT}(?P<n>{NUMBER})\s+(?!{_THINGS}\b)\w+(?:ists|ians|ors|ers)\b{_SAME_SENTENCE}{{0,70}}?\b{_AT_ONCE}",
        # any word for them right before it ("5 midwives at once"), unless it names things, not people
        rf"{_ABOUT}(?P<n>{NUMBER})\s+(?!{_THINGS}\b)[^\W\d_]{{3,20}}\s+{_AT_ONCE}",
        # Chinese, Japanese, Korean: people counted with their counter word, beside "at the same time"
        # ("同時に5人", "5名が同時に", "同时10人", "동시에 5명")
        rf"{_CJK_AT_ONCE}\s*(?P<n>\d+)\s*{_CJK_PEOPLE}|(?P<n2>\d+)\s*{_CJK_PEOPLE}\S{{0,3}}?\s*{_CJK_AT_ONCE}",
    )
    for p in patterns:
        for m in re.finditer(p, text, re.IGNORECASE):
            groups = m.groupdict()  # (the CJK pattern's second form names its number n2)
            n = _as_int(groups.get("n") or groups.get("n2") or "")
            if n is not None:
                return n, _trim(text, m)
    return None


# tokens a day or a second are a volume or a speed, not a context
_NOT_A_RATE = (
    r"(?!\s*(?:per|a|an|por|pro|al|am)\s+(?:day|d[ií]a|tag|week|semana|woche|month|mes|monat|second|segundo|sekunde))"
)


def _read_context(text: str) -> tuple[int, str] | None:
    patterns = (
        rf"(?P<n>{NUMBER})\s*(?:-\s*)?{_TOKENS}?\s*(?:-\s*)?(?:(?:of|de)\s+)?{_CONTEXT_WORD}",
        rf"{_CONTEXT_WORD}\s*(?:of|von|de|:|=|with|mit|con)?\s*{_ABOUT}(?P<n>{NUMBER})\s*{_TOKENS}?",
        # "10 users at 8k tokens each": tokens per person of a load are its context (not a day's volume; no
        # other number in between: "30 at once, 200 reports of 1,500 tokens" is a workload)
        rf"\b(?:{_USER_NOUNS}|{_PEOPLE}|{_AT_ONCE})\b[^.;\n\d]{{0,30}}?\b(?:at|with|of|con|de|mit|y|and)?\s*"
        rf"{_ABOUT}(?P<n>{NUMBER})\s*-?{_TOKENS}\b{_NOT_A_RATE}",
        # the length of one session is its context: "how many simultaneous sessions of 4,096 tokens would fit?"
        rf"\b(?:sessions?|sesiones|sesión|sitzung(?:en)?|sessies?|conversations?|conversaciones|chats?)\b"
        rf"(?:\s+[\w-]+)?\s+(?:of|with|de|con|mit|von|van)\s+{_ABOUT}(?P<n>{NUMBER})\s*-?{_TOKENS}\b{_NOT_A_RATE}",
        # text pasted into the model is its context: "paste entire treatment histories, around 32,000 tokens"
        rf"\b(?:past(?:e|es|ed|ing)|feed(?:s|ing)?|fed|insert(?:s|ed|ing)?|prompts?)\b[^.;\n\d]{{0,40}}?"
        rf"{_ABOUT}(?P<n>{NUMBER})\s*-?{_TOKENS}\b{_NOT_A_RATE}",
    )
    for p in patterns:
        for m in re.finditer(p, text, re.IGNORECASE):
            n = _as_int(m.group("n"))
            if n is not None and n >= 64:  # "a 2 context" is not a context length
                return n, _trim(text, m)
    return None


def _read_workload(text: str) -> tuple[Workload, str] | None:
    pattern = rf"{_ABOUT}(?P<n>{NUMBER})\s+(?:\w+\s+){{0,2}}?{_DOCS}\s*(?:{_PER}){_LENGTH}"
    for m in re.finditer(pattern, text, re.IGNORECASE):
        n = parse_number(m.group("n"))
        if n is None or n <= 0:
            continue
        period = (m.group("period") or "day").casefold()
        days = _PERIOD_DAYS.get(period, DAYS_PER_MONTH.value)
        length = m if m.group("len") else _LENGTH_APART.search(text, m.end())
        tokens = None
        if length is not None and (words := parse_number(length.group("len"))):
            unit = length.group("unit").casefold()
            tokens = round(words * (1 if unit.startswith("token") else TOKENS_PER_WORD))
        return Workload(round(n / days, 2), tokens), _trim(text, m)
    return None


def _trim(text: str, m: re.Match[str]) -> str:
    return text[m.start() : m.end()].strip()


def with_source(situation: Situation, source: str) -> Situation:
    """The same situation with every value's provenance set to ``source`` (e.g. "clicked")."""
    prov = {k: replace(v, source=source) for k, v in (situation.provenance or {}).items()}
    return replace(situation, provenance=prov)
