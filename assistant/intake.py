"""The intake state: the stage, the answers and the recommendation that a conversation has reached.

Derived afresh on every request from the message history (each user turn is read by the extraction,
cached by content) plus the answers the user clicked; nothing is kept between requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from assistant.catalog import Catalog
from assistant.conversation import Conversation, Overrides
from assistant.extraction import Disagreement, HistoryReading, asked_in, extract, read_history
from assistant.extraction_rules import read
from assistant.i18n import STRINGS
from assistant.llm import BackendError, ChatBackend
from assistant.message import could_be_a_question, only_thanks, statements_only
from assistant.questionnaire import DEPLOY_LOCAL, all_question_ids, question_ids, task_scopes
from assistant.recommendation import Recommendation
from assistant.rules import recommend
from assistant.situation import Situation, read_situation_history

# The recommendation's heading in every language ("## Recommendation for stage II: ...").
_REC_HEADING = re.compile(
    "|".join("^## " + re.escape(text.split("{stage}")[0]) for text in STRINGS["rec_heading"].values()), re.MULTILINE
)
MAX_QUESTIONS = 3  # questions asked at a time before the recommendation
CONSTRAINTS = ("data_sharing", DEPLOY_LOCAL, "input_text_only", "output_text_only")  # asked first, by weight


@dataclass(frozen=True)
class AnswerState:
    """One answer: its value, where it came from and in which user turn (None when clicked)."""

    value: bool | None
    source: str  # "extracted" | "clicked"
    turn: int | None
    quote: str | None = None  # the user's words it was read from (extracted answers)
    reader: str | None = None  # "model" | "rules" | "both" | "reply"

    def to_dict(self) -> dict[str, Any]:
        """The answer object of the ``reply/1`` extension; ``evidence`` extends it for extracted answers."""
        out: dict[str, Any] = {"value": self.value, "source": self.source, "turn": self.turn}
        if self.quote is not None:
            out["evidence"] = {"quote": self.quote, "reader": self.reader}
        return out


@dataclass
class IntakeState:
    """Stage, answers and recommendation derived from the history and the overrides."""

    stage: str | None
    stages: tuple[str, ...]
    answers: dict[str, AnswerState]
    recommendation: Recommendation | None
    notices: list[str]
    last_turn: int
    answered_now: bool  # the latest user turn gave new answers or changed some (the first turn: gave any)
    changed: dict[str, tuple[bool | None, bool | None]]
    situation: Situation | None = None  # the user's GPUs, users, context, workload (read, then clicked on top)
    disagreements: tuple[Disagreement, ...] = ()  # questions the two readers read both ways: asked, not guessed
    restated: tuple[str, ...] = ()  # ids the latest turn answered again with the answer they already had

    @property
    def doubts(self) -> dict[str, str]:
        """Question id -> the user's words the readers disagree on (for the question asked back)."""
        return {d.question_id: d.model_quote or d.rules_quote for d in self.disagreements}

    @property
    def values(self) -> dict[str, bool | None]:
        """The answers as question id -> value, for the rules."""
        return {q: s.value for q, s in self.answers.items()}

    @property
    def clicked(self) -> set[str]:
        """Ids whose answer was set by a click."""
        return {q for q, s in self.answers.items() if s.source == "clicked"}


def history_for_extraction(conv: Conversation) -> list[dict[str, str]]:
    """The history the extraction reads: the first user turn whole (it describes the need, questions and
    all), later user turns without their questions and what-if clauses (a question never changes an answer)."""
    messages = [dict(m) for m in conv.messages]
    first = True
    for m in messages:
        if m["role"] == "user":
            if not first:
                m["content"] = statements_only(m["content"])
            first = False
    return messages


def _history_to_read(conv: Conversation) -> list[dict[str, str]]:
    """The history the readers of the need read: ``history_for_extraction`` less the later turns that only ask.

    Once a recommendation stands, a turn in which the phrase rules find no answer and that could be a question
    ("quick one from their paper, in what % of cases ...") is a question in a form the message parser does not
    know; the model, given it, reads its topic as a need ("medical question answering: yes") and takes seconds
    to do so, before anything of the answer can be sent."""
    messages = history_for_extraction(conv)
    shown = asked = False
    for m in messages:
        if m["role"] == "assistant":
            recommends = bool(_REC_HEADING.search(m["content"]))
            shown = shown or recommends
            asked = asked_in(m["content"]) is not None and not recommends
            if recommends:
                # A recommendation lists what is still open, but asks none of it: the next turn is no reply to
                # its last item ("Going with a hosted API worries me" was read as "yes" to medical questions).
                m["content"] = ""
        elif shown and not asked and (_only_asks(m["content"]) or only_thanks(m["content"])):
            m["content"] = ""  # (a thanks answers nothing either, and reading it costs the model seconds)
    return messages


def _only_asks(statements: str) -> bool:
    """True for a turn's statements that could be a question and in which the phrase rules read no answer and
    name no stage ("Correction: this is for stage V." moves the stage, which answers nothing by itself). Beside
    a question they frame it ("Going with a hosted API worries me. Does the review say ...?"): the model would
    take seconds to read them before the first word of the answer could be sent."""
    if not could_be_a_question(statements):
        return False
    if extract(statements, backend=None).answers:
        return False
    return not _names_a_stage(statements)


def _names_a_stage(statements: str) -> bool:
    """True when the phrase rules read a stage named outright ("this is for stage V")."""
    return read(statements).stage_source == "named"


def _read_state(conv: Conversation, backend: ChatBackend | None, stage: str | None) -> tuple[HistoryReading, list[str]]:
    """What the history says (answers with evidence, disagreements), with turns counted as the chat counts them."""
    history = _history_to_read(conv)
    notices: list[str] = []
    try:
        found = read_history(history, backend=backend, stage=stage)
    except BackendError as error:  # the extraction falls back by itself; this is a second safety net
        found = read_history(history, backend=None, stage=stage)
        notices.append(f"answered without the language model: {error}")
    answers = {q: replace(a, turn=conv.turn(a.turn)) for q, a in found.answers.items()}
    disagreements = tuple(replace(d, turn=conv.turn(d.turn or 0)) for d in found.disagreements)
    found = replace(found, answers=answers, disagreements=disagreements)
    return found, [*found.notices, *notices]


def derive_state(
    catalog: Catalog,
    conv: Conversation,
    backend: ChatBackend | None,
    overrides: Overrides,
) -> IntakeState:
    """The conversation's state: extracted answers, clicked answers on top, and the rules' recommendation."""
    found, notices = _read_state(conv, backend, overrides.stage)
    stage = found.stage
    stages: tuple[str, ...] = ()
    if stage is None and conv.last_user.strip():
        stages = tuple(extract(conv.last_user, backend=None).stages)
    last_turn = conv.turn(conv.last_user_index)
    ids = question_ids(stage) if stage else all_question_ids()
    states: dict[str, AnswerState] = {}
    for qid in ids:
        if qid in overrides.answers:
            states[qid] = AnswerState(overrides.answers[qid], "clicked", None)
        elif qid in found.answers:
            answer = found.answers[qid]
            states[qid] = AnswerState(answer.value, "extracted", answer.turn, answer.quote, answer.reader)
    answered_now = any(s.turn == last_turn and s.source == "extracted" for s in states.values())
    changed: dict[str, tuple[bool | None, bool | None]] = {}
    restated: tuple[str, ...] = ()
    # a turn that only moves the stage ("Correction: this is for stage V.") answers nothing, yet changes the need
    if len(conv.user_texts) > 1 and (answered_now or _names_a_stage(statements_only(conv.last_user))):
        before, _ = _read_state(conv.before_last_user(), backend, overrides.stage)
        news = False
        same: list[str] = []
        for qid, state in states.items():
            old = before.answers[qid].value if qid in before.answers else None
            if state.turn == last_turn and old is not None and old != state.value:
                changed[qid] = (old, state.value)
            news = news or (state.turn == last_turn and old != state.value)
            if state.turn == last_turn and old == state.value:
                same.append(qid)
        # a turn that only says again what was already answered ("radialog looks like the pick for our
        # reports, ...") answers nothing new: the recommendation stands as shown
        answered_now = news or before.stage != found.stage
        restated = tuple(same)
    situation = read_situation_of(catalog, conv, overrides)
    values = {q: s.value for q, s in states.items()}
    rec = recommend(catalog, stage, values, situation=situation) if stage else None
    doubts = tuple(d for d in found.disagreements if d.question_id in ids and d.question_id not in overrides.answers)
    return IntakeState(
        stage, stages, states, rec, notices, last_turn, answered_now, changed, situation, doubts, restated
    )


def read_situation_of(catalog: Catalog, conv: Conversation, overrides: Overrides) -> Situation | None:
    """The user's situation as the statements of their turns give it, with what they set in a UI on top."""
    facts = catalog.sizing_facts
    gpus = facts.gpus if facts is not None else ()
    turns = [(conv.turn(i), m["content"]) for i, m in enumerate(history_for_extraction(conv)) if m["role"] == "user"]
    read = read_situation_history(turns, gpus)
    if overrides.situation is not None:
        read = read.updated(overrides.situation)
    return None if read.is_empty else read


def recommendation_shown(conv: Conversation) -> bool:
    """True when an earlier assistant turn showed a recommendation (its heading, in any language)."""
    return any(m["role"] == "assistant" and _REC_HEADING.search(m["content"]) for m in conv.messages)


def asked_before(conv: Conversation) -> bool:
    """True when an earlier assistant turn asked a questionnaire question (its id in backticks)."""
    return any(m["role"] == "assistant" and asked_in(m["content"]) not in (None, "stage") for m in conv.messages)


def spanned_stages(conv: Conversation) -> list[str]:
    """Stages the user's turns point at, in order (rule-based reading, cheap)."""
    seen: dict[str, None] = {}
    for text in conv.user_texts:
        if text.strip():
            for s in extract(text, backend=None).stages:
                seen[s] = None
    return list(seen)


def selected_tasks(rec: Recommendation) -> list[str]:
    """The stage's task question ids the user answered yes, in asking order."""
    return [s.question_id for s in task_scopes(rec.stage) if rec.answers.get(s.question_id) is True]


def pending_questions(state: IntakeState) -> list[str]:
    """What to ask before a recommendation: the task questions, or up to three constraints."""
    rec = state.recommendation
    if rec is None:
        return []
    if rec.status == "need_more_info":
        tasks = [s.question_id for s in task_scopes(rec.stage)]
        return [q for q in tasks if q in rec.missing] or [q for q in tasks if rec.answers.get(q) is None]
    doubted = [q for q in state.doubts if q in rec.missing]  # what the readers read both ways is asked first
    chosen = [q for q in CONSTRAINTS if q in rec.missing and q not in doubted]
    order = question_ids(rec.stage)
    return doubted + sorted(chosen[: max(0, MAX_QUESTIONS - len(doubted))], key=order.index)
