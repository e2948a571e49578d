"""The conversation: a chat history in, one reply out (Markdown text plus the structured state).

Stateless: the stage and answers are derived from the whole message history on every call (the
extraction reads each user turn) plus the client's clicked overrides; nothing is kept between calls.
The work is split along its seams: ``conversation`` reads the request, ``intake`` derives the state,
``answering`` answers follow-up questions, ``composing`` builds the reply and lets the language model
rewrite its prose under the guard. This module decides what a turn gets:

1. No usable text -> ask for a description. Stage unknown -> ask for it (or, when the need spans
   stages, say that each stage gets its own recommendation and ask which first).
2. No task answered yes -> say what was understood and ask which of the stage's tasks the model should do.
3. A task is yes, but deployment, sharing or modality questions that could change the result are still
   open and none have been asked yet -> say what was understood and ask at most three of them.
4. Otherwise -> the recommendation: table, reasons, exclusions, evidence with numbered references, and the
   questions still open listed below it.

A follow-up ("why not GPT-4?", "which studies used RaDialog?", "what is QLoRA?", "what if we rent
GPUs?") is answered from the recommendation, the catalog and retrieved passages. A what-if is
hypothetical: the answers do not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from assistant.answering import AnswerPlan, literature_passages, plan_answer, plan_what_if
from assistant.catalog import Catalog
from assistant.clauses import own_words
from assistant.composing import (
    Draft,
    ProseOutcome,
    blocks,
    noted_line,
    prose_stream,
    recommendation_draft,
    references,
    restated_line,
    tail_text,
    understood,
)
from assistant.conversation import CONTEXT_CHARS, Conversation, Overrides, parse_overrides, read_messages
from assistant.evidence import Citation, Numbering, Retriever, SentenceScorer, renumber
from assistant.extraction import caller_scope
from assistant.grounded import GroundedAnswer, answer_stream, refusal
from assistant.i18n import detect_language, disclaimer, t
from assistant.intake import (
    AnswerState,
    IntakeState,
    asked_before,
    derive_state,
    pending_questions,
    recommendation_shown,
)
from assistant.language import question_language
from assistant.llm import ChatBackend
from assistant.message import could_be_a_question, parse_message
from assistant.questions import RULES, asks_for_recommendation, continues, read_question, separate_asks
from assistant.recommendation import Recommendation
from assistant.replies import ask_block, ask_tasks_block, multi_stage_prompt, question_lines, stage_prompt
from assistant.situation import Situation
from assistant.translation import to_english

MAX_ANSWERS = 3  # questions answered in one reply; more are rare and would bury the answers
MAX_CHAIN = 3  # earlier turns a follow-up question may go on from ("And at 8-bit?" after "And for 12 users?")
SCHEMA = "reply/1"


@dataclass(frozen=True)
class Reply:
    """The assistant's reply: Markdown for the user and the structured state behind it."""

    text: str
    backend: str
    stage: str | None
    answers: Mapping[str, AnswerState]
    missing: tuple[str, ...]
    recommendation: Recommendation | None
    citations: tuple[Citation, ...]
    notices: tuple[str, ...]
    disclaimer: str
    # What the reply does (not part of reply/1): empty | ask_stage | ask_tasks | ask | recommendation |
    # what_if | why_not | usage | explain | model_fact | literature | pointer (the same table already shown). For
    # metrics and benchmarks.
    kind: str = "answer"
    # Where the answer to the turn's (first) question came from: {"source", "citations", "dropped_sentences",
    # "dropped_numbers"} (the reply extension's ``answer``); None when the turn asked nothing.
    answer: Mapping[str, Any] | None = None
    # The same for every question the turn answered, in the reply's order ("why not X, and what does Y cost?"
    # gives a rules part and a catalog part); empty when the turn asked nothing.
    answer_parts: tuple[Mapping[str, Any], ...] = ()
    situation: Situation | None = None  # the user's GPUs, users, context and workload, as far as known

    def extension(self) -> dict[str, Any]:
        """The ``clinadvisor`` object of the HTTP reply (``reply/1`` of CONTRACTS.md)."""
        return {
            "schema": SCHEMA,
            "backend": self.backend,
            "stage": self.stage,
            "answers": {qid: state.to_dict() for qid, state in self.answers.items()},
            "missing": list(self.missing),
            "recommendation": self.recommendation.to_dict() if self.recommendation else None,
            # reply/1 citation fields plus the passage "text" (a documented extension: the page shows it).
            "citations": [c.to_dict() for c in self.citations],
            "notices": list(self.notices),
            "disclaimer": self.disclaimer,
            "situation": self.situation.to_dict() if self.situation is not None else None,
            **({"answer": dict(self.answer)} if self.answer is not None else {}),
            **({"answer_parts": [dict(p) for p in self.answer_parts]} if self.answer_parts else {}),
        }


def _intake_draft(
    state: IntakeState, conv: Conversation, lang: str, retriever: Retriever | None, *, asks: bool
) -> Draft:
    """A turn's part about the need: ask for what is missing, or give the recommendation. A turn that asks
    something gets the recommendation as it stands rather than more questions first."""
    draft = Draft(lang)
    if state.stage is None:
        draft.head, draft.kind = understood(state, lang), "ask_stage"
        draft.prose = multi_stage_prompt(lang, state.stages) if len(state.stages) > 1 else stage_prompt(lang)
        return draft
    rec = state.recommendation
    assert rec is not None
    if rec.status == "need_more_info":
        draft.head, draft.kind = understood(state, lang), "ask_tasks"
        draft.prose = ask_tasks_block(lang, rec.stage, pending_questions(state), state.doubts)
        return draft
    pending = pending_questions(state)
    if pending and not asked_before(conv) and not asks:
        draft.head, draft.kind = understood(state, lang), "ask"
        draft.prose = ask_block(lang, rec.stage, pending, state.doubts)
        return draft
    draft = recommendation_draft(state, lang, retriever, conv)
    if asks and not recommendation_shown(conv):
        draft.head = blocks(t(lang, "as_it_stands"), draft.head)
    return draft


def _question_before(earlier_turns: Sequence[str]) -> str:
    """The last question of the turn before, with the ones it goes on from ("How much memory for the top model
    at 4-bit? / And for 12 users? / And at 8-bit?"): a question in the next turn may go on from it in turn."""
    chain: list[str] = []
    for turn in reversed(earlier_turns[-MAX_CHAIN:]):
        asked = parse_message(turn).questions
        if not asked:
            break
        chain.insert(0, asked[-1])
        if not continues(asked[-1]):
            break
    return " ".join(chain)


@dataclass
class _Plan:
    """A turn before it is written: the part about the need, the answers to its questions, the state."""

    lang: str
    draft: Draft
    answers: list[AnswerPlan]
    state: IntakeState
    notices: list[str]


def _plan(
    catalog: Catalog,
    messages: Sequence[Mapping[str, Any]],
    backend: ChatBackend | None,
    retriever: Retriever | None,
    overrides: Overrides | Mapping[str, Any] | None,
) -> _Plan:
    """Everything but the language-model steps: what the turn says, asks and supposes, and how to answer."""
    facts = catalog.sizing_facts
    clicks = parse_overrides(overrides, gpus=facts.gpus if facts is not None else ())
    conv = read_messages(messages)
    lang = detect_language(conv.user_texts)
    notices = list(conv.notices)
    last = conv.last_user
    state = derive_state(catalog, conv, backend, clicks)
    notices += state.notices
    if not last.strip():
        return _Plan(lang, Draft(lang, kind="empty", prose=t(lang, "empty")), [], state, notices)
    parts = parse_message(last)
    first_turn = len(conv.user_texts) < 2
    questions = [q for q in parts.questions if not (first_turn and asks_for_recommendation(q))]
    if (
        not questions
        and parts.what_if is None
        and not state.answered_now
        and not first_turn
        and recommendation_shown(conv)
        and not state.restated
        and could_be_a_question(last)
    ):
        # After the recommendation, a turn that changes no answer and asks in no form we recognise ("quick one
        # from their paper, in what % of cases ...", "unser DSB fragt: ist X zertifiziert") still wants an
        # answer: the whole turn is the question, rather than the same table again.
        questions = [own_words(last).strip()]
    questions = [part for q in questions for part in separate_asks(catalog, q, state.recommendation, parts.context)]
    prior = "" if first_turn else _question_before(conv.user_texts[:-1])
    answers = [
        plan_answer(
            catalog,
            read_question(catalog, q, state.recommendation, parts.context, previous=questions[i - 1] if i else prior),
            state,
            lang,
            retriever,
        )
        for i, q in enumerate(questions[:MAX_ANSWERS])
    ]
    answers = _distinct(answers)
    if parts.what_if is not None and not first_turn:  # a what-if needs a recommendation to compare with
        clause = parts.what_if
        before = questions[-1] if questions else prior
        # an amount asked in a sentence that is no question ("Total GPU memory, please.") is the what-if's; a
        # question that asks it is answered on its own, in the what-if's words
        rest = "" if questions else own_words(last)
        later = partial(plan_what_if, catalog, clause, state, lang, backend, before, rest)
        answers.append(AnswerPlan(RULES, "what_if", clause, later=later))
    rec = state.recommendation
    pending = pending_questions(state)
    if answers and rec is not None and recommendation_shown(conv) and not state.answered_now:
        draft = Draft(lang, kind=answers[0].kind, head=f"_{t(lang, 'pointer')}_")
    elif (
        answers and rec is not None and pending and not state.answered_now and all(a.kind == "explain" for a in answers)
    ):
        # a question about a question: explain it, then ask again what is still open
        lines = question_lines(lang, rec.stage, pending, state.doubts)
        draft = Draft(lang, kind="explain", tail=t(lang, "pending") + "\n" + lines)
    else:
        draft = _intake_draft(state, conv, lang, retriever, asks=bool(answers))
        if answers:
            draft.facts = None  # the answers are what the user waits for: no rewrite of the status first
        elif draft.kind == "recommendation" and _shown_last(conv, draft):
            # "ok, thanks": the same table again says nothing new; a pointer to it does. "As I said, the data
            # stays here" is an answer said again: the user hears that it was already taken into account.
            restated = restated_line(state, lang) or noted_line(state, lang)
            draft = Draft(lang, kind="pointer", head=blocks(restated, f"_{t(lang, 'pointer')}_"))
    return _Plan(lang, draft, answers, state, notices)


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and line.endswith("|")]


def _shown_last(conv: Conversation, draft: Draft) -> bool:
    """True when the last table the assistant showed is this very recommendation table."""
    rows = _table_rows(f"{draft.head}\n{draft.prose}\n{draft.tail}")
    shown = (_table_rows(m["content"]) for m in reversed(conv.messages) if m["role"] == "assistant")
    return bool(rows) and rows == next((r for r in shown if r), [])


def _distinct(plans: list[AnswerPlan]) -> list[AnswerPlan]:
    """The plans without a ready answer said twice ("what would it need? and does it fit?": one sizing)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for plan in plans:
        key = (plan.source, plan.text)
        if plan.text and key in seen:
            continue
        seen.add(key)
        kept.append(plan)
    return kept


QUOTED_CHARS = 90  # a question quoted in a heading: enough to tell it from the others


def _quoted(question: str) -> str:
    """A user's question on one line, markup taken out, shortened at a word to about QUOTED_CHARS."""
    flat = " ".join(re.sub(r"[#*_`<>\[\]|]", " ", question).split())
    if len(flat) <= QUOTED_CHARS:
        return f"\u201c{flat}\u201d"
    return f"\u201c{flat[:QUOTED_CHARS].rsplit(' ', 1)[0]} \u2026\u201d"


def _pieces(text: str) -> list[str]:
    """A text cut into paragraph pieces whose concatenation is the text."""
    parts = re.split(r"(?<=\n\n)", text)
    return [p for p in parts if p]


# questions declined in so many words (with the closest passages): the kind of question, and what is said
_DECLINED = {"opinion": "answer_no_opinion", "patient_case": "answer_no_patient_advice"}


def _answer_pieces(
    catalog: Catalog,
    plan: AnswerPlan,
    lang: str,
    numbering: Numbering,
    backend: ChatBackend | None,
    retriever: Retriever | None,
) -> Iterator[str | dict[str, Any]]:
    """One answer's text pieces, then its provenance (the ``answer`` object of the reply extension)."""
    if plan.source != "retrieval":
        numbers = numbering.register(plan.passages)
        yield renumber(plan.text, numbers)
        cited = list(dict.fromkeys(numbers))
        yield {"source": plan.source, "citations": cited, "dropped_sentences": 0, "dropped_numbers": 0}
        return
    if plan.asked is not None and plan.asked.kind in _DECLINED:
        answer = refusal(lang, plan.passages)
        numbers = numbering.register(list(answer.passages))
        yield t(lang, _DECLINED[plan.asked.kind]) + " " + renumber(answer.text, numbers)
        yield {"source": "refusal", "citations": numbers, "dropped_sentences": 0, "dropped_numbers": 0}
        return
    if retriever is None:
        yield t(lang, "answer_no_index")
        yield {"source": "refusal", "citations": [], "dropped_sentences": 0, "dropped_numbers": 0}
        return
    scorer = retriever if isinstance(retriever, SentenceScorer) else None
    passages, query = plan.passages, None
    if plan.asked is not None and (query := to_english(plan.question, question_language(plan.question, lang), backend)):
        # searched again in English (after the deterministic part was sent: the translation takes a moment)
        passages = literature_passages(retriever, plan.asked, lang, [], english=query) or passages
    # a question read with the statements it refers to is still answered by what it asks itself
    own = plan.asked.own_words if plan.asked is not None else None
    stream = answer_stream(plan.question, passages, catalog=catalog, lang=lang, backend=backend, query=query,
                           scorer=scorer, register=numbering.register, facts=plan.facts, own=own)  # fmt: skip
    for piece in stream:
        if isinstance(piece, GroundedAnswer):
            yield {"source": piece.source, "citations": list(piece.cited),
                   "dropped_sentences": piece.dropped_sentences, "dropped_numbers": piece.dropped_numbers}  # fmt: skip
        else:
            yield piece


def respond_stream(
    catalog: Catalog,
    messages: Sequence[Mapping[str, Any]],
    *,
    backend: ChatBackend | None = None,
    retriever: Retriever | None = None,
    overrides: Overrides | Mapping[str, Any] | None = None,
    caller: str | None = None,
) -> Iterator[str | Reply]:
    """The reply in text pieces, deterministic parts first and the language model's sentences as they pass
    its checks, then the final Reply. ``caller`` (who asks) keeps cached readings of their words apart."""
    with caller_scope(caller):
        plan = _plan(catalog, messages, backend, retriever, overrides)
    draft, lang, notices = plan.draft, plan.lang, plan.notices
    numbering = Numbering()
    numbers = numbering.register(draft.passages)
    head = draft.head + "\n\n" if draft.head else ""
    yield from _pieces(head)
    used = "none"
    text = [head]
    full_text = blocks(head, draft.prose, tail_text(draft, lang, notices))  # what the guard lets the prose draw on
    for written in prose_stream(catalog, draft, backend, full_text):
        if isinstance(written, ProseOutcome):
            used = written.backend
            notices += written.notices
        elif written:
            sentence = renumber(written, numbers)
            text.append(sentence)
            yield sentence
    prose_sent = len(text) > 1
    notices += draft.notices
    rest = renumber(draft.tail, numbers)
    between = "\n\n" if prose_sent and rest else ""
    rest = between + rest + "\n\n" if rest else ("\n\n" if prose_sent else "")
    yield from _pieces(rest)
    text.append(rest)
    body = "".join(text[1:]).strip()
    provenance: list[dict[str, Any]] = []
    for answer in plan.answers:
        if answer.later is not None:
            with caller_scope(caller):
                answer = answer.later()
        notices += answer.notices
        heading = f"### {t(lang, 'answer_heading')}\n\n" if body or len(plan.answers) > 1 else ""
        if len(plan.answers) > 1 and answer.question:  # several answers: each says which question it answers
            heading = f"### {t(lang, 'answer_heading')}: {_quoted(answer.question)}\n\n"
        yield heading
        text.append(heading)
        for piece in _answer_pieces(catalog, answer, lang, numbering, backend, retriever):
            if isinstance(piece, dict):
                provenance.append(piece)
                if piece["source"] == "retrieval" and backend is not None:
                    used = backend.name
            else:
                yield piece
                text.append(piece)
        yield "\n\n"
        text.append("\n\n")
    refs, citations = references(lang, numbering.passages)
    notes = "\n".join(f"> {n}" for n in dict.fromkeys(notices))
    tail = blocks(refs, notes, f"_{disclaimer(lang)}_")
    yield from _pieces(tail)
    rec = plan.state.recommendation
    yield Reply(
        text=("".join(text) + tail).replace("\n\n\n", "\n\n"),
        backend=used,
        stage=plan.state.stage,
        answers=dict(plan.state.answers),
        missing=rec.missing if rec else (),
        recommendation=rec,
        citations=citations,
        notices=tuple(dict.fromkeys(notices)),
        disclaimer=disclaimer(lang),
        kind=draft.kind if not plan.answers or draft.kind == "recommendation" else plan.answers[0].kind,
        answer=provenance[0] if provenance else None,
        answer_parts=tuple(provenance),
        situation=plan.state.situation,
    )


def respond(
    catalog: Catalog,
    messages: Sequence[Mapping[str, Any]],
    *,
    backend: ChatBackend | None = None,
    retriever: Retriever | None = None,
    overrides: Overrides | Mapping[str, Any] | None = None,
    caller: str | None = None,
) -> Reply:
    """The assistant's reply to a conversation (the whole history), with its structured state."""
    reply: Reply | None = None
    stream = respond_stream(catalog, messages, backend=backend, retriever=retriever, overrides=overrides, caller=caller)
    for piece in stream:
        if isinstance(piece, Reply):
            reply = piece
    assert reply is not None
    return reply


__all__ = ["CONTEXT_CHARS", "AnswerState", "Reply", "read_messages", "respond", "respond_stream"]
