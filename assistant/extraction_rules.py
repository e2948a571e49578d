"""The rule-based reader: one user turn -> stage and yes/no answers, from the keyword patterns of ``lexicon``.

It never guesses: a question gets an answer only when a phrase for it occurs in the text, in a clause
that is neither a question ("is the cloud ok?") nor a doubt or a condition ("maybe images later", "if
allowed"). A negation before the phrase in the same clause flips a yes/no phrase ("no images", "we don't
need summaries", "keine Cloud", "sin nube"). When two phrases answer the same question, the later one
wins ("cloud is fine - no, actually keep it local").

Stage: a stage named outright wins, then task phrases that belong to one stage ("discharge letter" -> V),
then roles ("radiologist" -> II). Task phrases of two stages make a multi-stage need: ``stages`` lists
them and ``stage`` stays unknown. Generic task phrases ("summarise", "answer questions") answer only once
the stage is known (given by the caller or found in the same turn).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from assistant.lexicon import (
    CLAUSE_SPLIT,
    DONT_KNOW,
    GENERAL_CUES,
    INJECTION,
    NEGATORS,
    NO_REPLY,
    POST_NEGATORS,
    ROLE_CUES,
    SENTENCE_SPLIT,
    STAGE_CUES,
    TASK_CUES,
    UNCERTAIN_PHRASES,
    UNCERTAIN_WORDS,
    YES_REPLY,
    TaskCue,
    normalize,
)
from assistant.questionnaire import STAGE_IDS, all_question_ids, question_ids

STAGE_QUESTION = "stage"  # pseudo question id: the assistant asked which stage the need belongs to
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BARE_STAGE = re.compile(r"^\W*(?:(?:it'?s|it is|the|stage|phase|stufe|etapa|fase)\s+)*(i|ii|iii|iv|v|[1-5])\W*$")
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
_PRE_WINDOW = 5  # words before a phrase that a negation may stand in
_POST_WINDOW = 3  # words after it, for German's trailing "nicht"


@dataclass(frozen=True)
class Reading:
    """What the rule-based reader found in one turn."""

    stage: str | None
    stages: tuple[str, ...]
    answers: Mapping[str, bool]
    cued: frozenset[str] = field(default_factory=frozenset)  # ids some phrase in the text speaks to
    stage_source: str = "none"  # "given" | "named" | "task" | "role" | "reply" | "none"


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    doubtful: bool


def _words(text: str) -> list[str]:
    return [t.replace("'", "") for t in _TOKEN.findall(text)]


def _clauses(norm: str) -> list[_Clause]:
    clauses = []
    start = 0
    for sep in CLAUSE_SPLIT.finditer(norm):
        clauses.append(_make_clause(norm, start, sep.start(), "?" in sep.group()))
        start = sep.end()
    clauses.append(_make_clause(norm, start, len(norm), False))
    return clauses


def _make_clause(norm: str, start: int, end: int, question: bool) -> _Clause:
    text = norm[start:end]
    words = set(_words(text))
    doubtful = question or bool(words & UNCERTAIN_WORDS) or bool(UNCERTAIN_PHRASES.search(text.replace("'", "")))
    return _Clause(start, end, doubtful)


class _Text:
    """A normalised turn with its clauses, to ask where a phrase stands and whether it is negated."""

    def __init__(self, text: str) -> None:
        sentences = SENTENCE_SPLIT.split(normalize(text))
        self.norm = " ".join("." if INJECTION.search(s) else s for s in sentences)
        self.clauses = _clauses(self.norm)
        self._starts = [c.start for c in self.clauses]

    def clause(self, pos: int) -> _Clause:
        return self.clauses[max(0, bisect.bisect_right(self._starts, pos) - 1)]

    def polarity(self, start: int, end: int) -> bool | None:
        """True if the phrase is affirmed, False if negated, None if its clause is a doubt or a question."""
        clause = self.clause(start)
        if clause.doubtful:
            return None
        before = _words(self.norm[clause.start : start])[-_PRE_WINDOW:]
        inside = _words(self.norm[start:end])
        after = _words(self.norm[end : max(end, clause.end)])[:_POST_WINDOW]
        # "question answering no": a bare trailing "no" negates too
        negated = (
            any(w in NEGATORS for w in (*before, *inside)) or any(w in POST_NEGATORS for w in after) or after == ["no"]
        )
        return not negated


@dataclass(frozen=True)
class _TaskHit:
    start: int
    end: int
    cue: TaskCue
    value: bool | None


_Found = TypeVar("_Found")


def _longest_first(
    found: list[tuple[int, int, _Found]], same: Callable[[_Found, _Found], bool] = lambda a, b: True
) -> list[tuple[int, int, _Found]]:
    """The matches that no longer match of the ``same`` kind overlaps ("don't have our own GPUs" hides "own GPUs")."""
    found = sorted(found, key=lambda f: (f[0] - f[1], f[0]))
    taken: list[tuple[int, int, _Found]] = []
    for start, end, item in found:
        if not any(start < e and s < end and same(item, other) for s, e, other in taken):
            taken.append((start, end, item))
    return taken


def _task_hits(text: _Text) -> list[_TaskHit]:
    """Task phrases, specific before generic and longer before shorter, dropping overlapped ones."""
    found = [
        (m.start(), m.end(), cue) for cue in TASK_CUES for m in cue.pattern.finditer(text.norm) if m.end() > m.start()
    ]
    found.sort(key=lambda f: (not f[2].specific, f[0] - f[1], f[0]))
    taken: list[tuple[int, int]] = []
    hits = []
    for start, end, cue in found:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        hits.append(_TaskHit(start, end, cue, text.polarity(start, end)))
    hits.sort(key=lambda h: h.start)
    return hits


def _longest_stage_hits(text: _Text, cues: tuple[object, ...]) -> list[str]:
    found = [(m.start(), m.end(), cue.stage) for cue in cues for m in cue.pattern.finditer(text.norm)]  # type: ignore[attr-defined]
    found.sort(key=lambda f: (f[0] - f[1], f[0]))
    taken: list[tuple[int, int]] = []
    stages = []
    for start, end, stage in found:
        if any(start < e and s < end for s, e in taken) or text.clause(start).doubtful:
            continue
        taken.append((start, end))
        stages.append(stage)
    return stages


def _ordered(stages: set[str]) -> tuple[str, ...]:
    return tuple(s for s in STAGE_IDS if s in stages)


def _decide_stage(
    given: str | None, named: set[str], task: set[str], roles: set[str]
) -> tuple[str | None, tuple[str, ...], str]:
    if given is not None:
        # Roles never move a known stage ("I'm a nurse, by the way"); a task or a named stage may.
        spoken = named or task
        return given, _ordered(spoken) if spoken else (given,), "given"
    for level, found in (("named", named), ("task", task), ("role", roles)):
        if found:
            stages = _ordered(found)
            return (stages[0] if len(stages) == 1 else None), stages, level
    return None, (), "none"


def _reply_value(norm: str) -> bool | None:
    if DONT_KNOW.search(norm):
        return None
    if NO_REPLY.search(norm):
        return False
    if YES_REPLY.search(norm):
        return True
    return None


def read(text: str, *, asked: str | None = None, stage: str | None = None) -> Reading:
    """Stage and answers that the phrases of one user turn support (nothing else)."""
    turn = _Text(text)
    general: list[tuple[int, str, bool]] = []
    cued: set[str] = set()
    for start, end, cue in _longest_first(
        [(m.start(), m.end(), c) for c in GENERAL_CUES for m in c.pattern.finditer(turn.norm)],
        lambda a, b: a.question_id == b.question_id,
    ):
        qid = "output_text_only" if cue.either_modality and asked == "output_text_only" else cue.question_id
        cued.add(qid)
        polarity = turn.polarity(start, end)
        if polarity is None:
            continue
        value = cue.value if (polarity or not cue.polar) else not cue.value
        general.append((start, qid, value))

    tasks = _task_hits(turn)
    task_stages = {next(iter(h.cue.targets)) for h in tasks if h.cue.specific and h.value}
    named = set(_longest_stage_hits(turn, STAGE_CUES))
    roles = set(_longest_stage_hits(turn, ROLE_CUES))
    chosen, stages, source = _decide_stage(stage, named, task_stages, roles)

    if chosen is None and asked == STAGE_QUESTION:
        bare = _BARE_STAGE.match(turn.norm)
        if bare:
            numeral = bare.group(1)
            chosen = _ROMAN.get(numeral, numeral.upper())
            stages, source = (chosen,), "reply"

    found: list[tuple[int, str, bool]] = list(general)
    if chosen is not None:
        for hit in tasks:
            task_id = hit.cue.targets.get(chosen)
            if task_id is None:
                continue
            cued.add(task_id)
            if hit.value is not None:
                found.append((hit.start, task_id, hit.value))
    answers: dict[str, bool] = {}
    for _, qid, value in sorted(found, key=lambda f: f[0]):
        answers[qid] = value  # the later phrase wins

    valid = set(question_ids(chosen)) if chosen is not None else set(all_question_ids())
    if asked is not None and asked in valid and asked not in answers:
        reply = _reply_value(turn.norm)
        if reply is not None:
            answers[asked] = reply
            cued.add(asked)
    if chosen is not None:
        answers = {q: v for q, v in answers.items() if q in valid}
    return Reading(chosen, stages, MappingProxyType(answers), frozenset(cued), source)
