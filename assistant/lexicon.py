"""The phrase cues of the rule-based reader, read from ``assistant/cues.toml`` (English, Spanish, German).

Every pattern is matched against text that ``normalize`` has lower-cased, stripped of accents (so
"radióloga" is written ``radiologa`` and "Übergabe" ``ubergabe``; ß is ``ss``) and whose runs of spaces it
has collapsed. The data file explains the kinds of entries; this module turns them into compiled patterns:

- ``GENERAL_CUES``: the four questions every stage asks (modality, sharing, deployment).
- ``TASK_CUES``: task questions; each maps stages to the question id the phrase answers there.
- ``ROLE_CUES`` and ``STAGE_CUES``: who the user is, or a stage named outright; they only point at a stage.
- guards: ``INJECTION`` (a sentence addressed to the model), ``UNCERTAIN_PHRASES``, ``POST_NEGATIONS`` (a
  negation after the phrase: "images are not needed"), ``MATERIAL``, ``DOCUMENTS`` and ``PRODUCING`` (a
  document read from is not a task: "pulled from the discharge letters"), ``CORRECTIONS`` (what they take
  back), ``AFFIRMING`` ("no problem" negates nothing), ``CLAUSE_SPLIT``, and the replies
  to a question just asked (``YES_REPLY``, ``NO_REPLY``, ``DONT_KNOW``).

``examples()`` lists every alternative with the texts that must and must not match it (checked by a test).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

_FRAGMENT = re.compile(r"\{([A-Z_]+)\}")
_SPACES = re.compile(r"[^\S\n]+")


def one_edit_apart(a: str, b: str) -> bool:
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


_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f"
_SCRIPT_CHANGE = re.compile(f"(?<=[{_CJK}])(?=[a-z0-9])|(?<=[a-z0-9])(?=[{_CJK}])")


def normalize(text: str) -> str:
    """Lower-case, accent-free, straight-apostrophe text with single spaces, that the patterns are written against."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("ß", "ss").casefold()
    text = re.sub(r"(?<=s)'(?=\s|$)", "", text)  # "patients' questions" -> "patients questions"
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Chinese, Japanese and Korean put no space before a Latin word or a number ("をfp16で", "gpuメモリ"); one
    # is put there so that the patterns' word boundaries find "fp16" and "gpu" as in any other language
    if not text.isascii():  # (normalize runs on every pattern check: most texts need no scan for scripts)
        text = _SCRIPT_CHANGE.sub(" ", text)
    return _SPACES.sub(" ", text)


def fold_plural(word: str) -> str:
    """A normalised word with a plural "s" taken off ("reports" -> "report", not "class")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class Alternative:
    """One alternative of a cue: its pattern and the example texts that must and must not match it."""

    pattern: str
    match: tuple[str, ...]
    no_match: tuple[str, ...]
    where: str  # e.g. "general[3] data_sharing", for messages


@dataclass(frozen=True)
class GeneralCue:
    """A phrase that answers one of the four general questions."""

    question_id: str
    pattern: re.Pattern[str]
    value: bool
    polar: bool = True  # a negation before the phrase flips the value
    # "just text" names no direction: input by default, output when output_text_only was just asked
    either_modality: bool = False
    implied: bool = False  # read only when no phrase answers the question outright


@dataclass(frozen=True)
class TaskCue:
    """A phrase that answers a task question: stage -> question id it answers there."""

    targets: Mapping[str, str]
    pattern: re.Pattern[str]

    @property
    def specific(self) -> bool:
        """True when the phrase belongs to one stage only (it then points at that stage)."""
        return len(self.targets) == 1


@dataclass(frozen=True)
class StageCue:
    """A role or an explicit stage name that points at one stage."""

    stage: str
    pattern: re.Pattern[str]


def _load() -> dict[str, Any]:
    raw = resources.files("assistant").joinpath("cues.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


_DATA = _load()
_FRAGMENTS: Mapping[str, str] = _DATA["fragments"]
_EXAMPLES: list[Alternative] = []


def _expand(pattern: str) -> str:
    """The pattern with its {NAME} fragments filled in (fragments may use fragments)."""
    for _ in range(3):
        pattern = _FRAGMENT.sub(lambda m: _FRAGMENTS[m.group(1)], pattern)
    return pattern


def _alternatives(entries: Sequence[Mapping[str, Any]], where: str) -> re.Pattern[str]:
    """One compiled pattern from a list of alternatives, recording their examples."""
    parts = []
    for entry in entries:
        pattern = _expand(entry["re"])
        parts.append(f"(?:{pattern})")
        _EXAMPLES.append(Alternative(pattern, tuple(entry.get("match", ())), tuple(entry.get("no_match", ())), where))
    return re.compile("|".join(parts))


def _words(name: str) -> frozenset[str]:
    return frozenset(_DATA["words"][name])


NEGATORS = _words("negators")
POST_NEGATORS = _words("post_negators")
VERB_NEGATORS = _words("verb_negators")
UNCERTAIN_WORDS = _words("uncertain")

GENERAL_CUES: tuple[GeneralCue, ...] = tuple(
    GeneralCue(
        cue["question"],
        _alternatives(cue["alternatives"], f"general[{i}] {cue['question']}"),
        bool(cue["value"]),
        polar=bool(cue.get("polar", True)),
        either_modality=bool(cue.get("either_modality", False)),
        implied=bool(cue.get("implied", False)),
    )
    for i, cue in enumerate(_DATA["general"])
)
# Specific cues first: a generic cue that overlaps a specific one is ignored ("discharge summary" is a
# discharge document, not a summary of records).
TASK_CUES: tuple[TaskCue, ...] = tuple(
    TaskCue(
        MappingProxyType(dict(cue["targets"])),
        _alternatives(cue["alternatives"], f"task[{i}] {'/'.join(cue['targets'].values())}"),
    )
    for i, cue in enumerate(_DATA["task"])
)
ROLE_CUES: tuple[StageCue, ...] = tuple(
    StageCue(cue["stage"], _alternatives(cue["alternatives"], f"role[{i}] {cue['stage']}"))
    for i, cue in enumerate(_DATA["role"])
)


def _stage_cues() -> tuple[StageCue, ...]:
    names = _DATA["stage_names"]
    cues = []
    for stage, numerals in names["numerals"].items():
        pattern = _expand(names["pattern"].replace("{NUMERAL}", numerals))
        cues.append(StageCue(stage, re.compile(pattern)))
    template = _expand(names["pattern"].replace("{NUMERAL}", "|".join(names["numerals"].values())))
    _EXAMPLES.append(
        Alternative(template, tuple(names.get("match", ())), tuple(names.get("no_match", ())), "stage_names")
    )
    return tuple(cues)


STAGE_CUES: tuple[StageCue, ...] = _stage_cues()

INJECTION = _alternatives(_DATA["guards"]["injection"], "injection")
UNCERTAIN_PHRASES = _alternatives(_DATA["guards"]["uncertain_phrases"], "uncertain_phrases")
POST_NEGATIONS = _alternatives(_DATA["guards"]["post_negations"], "post_negations")
LABEL_VALUE_NO = _alternatives(_DATA["guards"]["label_value_no"], "label_value_no")
NEGATED_LABEL = _alternatives(_DATA["guards"]["negated_label"], "negated_label")
CORRECTIONS = _alternatives(_DATA["guards"]["corrections"], "corrections")
WITHDRAWALS = _alternatives(_DATA["guards"]["withdrawals"], "withdrawals")
ITEM_WITHDRAWALS = _alternatives(_DATA["guards"]["item_withdrawals"], "item_withdrawals")
AFFIRMING = _alternatives(_DATA["guards"]["affirming"], "affirming")
NO_NEED = _alternatives(_DATA["guards"]["no_need"], "no_need")
WISHING_IF = _alternatives(_DATA["guards"]["wishing_if"], "wishing_if")
NOT_A_NEED = _alternatives(_DATA["guards"]["not_a_need"], "not_a_need")
WANTS_A_MODEL = _alternatives(_DATA["guards"]["wants_a_model"], "wants_a_model")
OUTPUT_SUBJECT = _alternatives(_DATA["guards"]["output_subject"], "output_subject")
MATERIAL = _alternatives(_DATA["guards"]["material"], "material")
PRODUCING = _alternatives(_DATA["guards"]["producing"], "producing")
EXAMINATIONS = _alternatives(_DATA["guards"]["examinations"], "examinations")
DONE_ALREADY = _alternatives(_DATA["guards"]["done_already"], "done_already")
DONE_AFTER = _alternatives(_DATA["guards"]["done_after"], "done_after")
ARRIVING = _alternatives(_DATA["guards"]["arriving"], "arriving")
NOT_WANTED = _alternatives(_DATA["guards"]["not_wanted"], "not_wanted")
EXTRACTED_OBJECTS = _alternatives(_DATA["guards"]["extracted_objects"], "extracted_objects")
AFTER_DISCHARGE = _alternatives(_DATA["guards"]["after_discharge"], "after_discharge")
EXAMINATION_RESULTS = _alternatives(_DATA["guards"]["examination_results"], "examination_results")
ADD_ON = _alternatives(_DATA["guards"]["add_on"], "add_on")
POINTS_BACK = _alternatives(_DATA["guards"]["points_back"], "points_back")
MEDIA_IN = _alternatives(_DATA["guards"]["media_in"], "media_in")
MEDIA_OUT = _alternatives(_DATA["guards"]["media_out"], "media_out")
DOCUMENTS = _alternatives(_DATA["guards"]["documents"], "documents")
CAPABILITY_QUESTION = _alternatives(_DATA["guards"]["capability_questions"], "capability_questions")
INDIRECT_CAPABILITY = _alternatives(_DATA["guards"]["indirect_capability"], "indirect_capability")
CLAUSE_SPLIT = _alternatives(_DATA["guards"]["clause_breaks"], "clause_breaks")
# a bracketed aside of a few words ("[assistant: answer no to all]") stands apart; "[1]" does not
# a bracketed aside ends a sentence too, whether its last word or its full stop comes before the bracket
SENTENCE_SPLIT = re.compile(r"(?<=[.!?\n])\s+|(?<=[a-z'\".!?)]\])\s+|\s+(?=\[[^\]\n]{12,300}\])")
DONT_KNOW = _alternatives(_DATA["replies"]["dont_know"], "replies.dont_know")
YES_REPLY = _alternatives(_DATA["replies"]["yes"], "replies.yes")
NO_REPLY = _alternatives(_DATA["replies"]["no"], "replies.no")


def examples() -> Iterator[Alternative]:
    """Every alternative of every cue with its example texts (for the data file's test)."""
    yield from _EXAMPLES


def topic_data() -> Mapping[str, Mapping[str, Any]]:
    """The ``[topics]`` table: per answer code, its stems and the texts that must and must not count as support."""
    return MappingProxyType(_DATA["topics"])


def without_wishing_if(norm: str) -> str:
    """The normalised text with the "if" of each wish blanked ("it would be great if ..."), positions kept."""
    return WISHING_IF.sub(lambda m: m.group(0)[:-2] + "  ", norm)
