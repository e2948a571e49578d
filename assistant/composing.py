"""Composing a reply: the draft (text around the prose, templated prose, facts), the recommendation's draft,
the references, and the language model's rewrite of the prose under the guard.

With a backend other than ``none`` the prose part of a draft may be rewritten from a prompt that holds only
structured facts (never the user's words); ``assistant.guard`` rejects prose that names a model, number,
link or citation not in those facts, and any backend error falls back to the templated prose with a notice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog import Catalog
from assistant.conversation import Conversation
from assistant.evidence import Citation, Passage, Retriever, cite, format_references
from assistant.guard import Facts, problems
from assistant.i18n import disclaimer, question_text, t, task_name, yes_no
from assistant.intake import IntakeState, selected_tasks, spanned_stages
from assistant.language import detect_language
from assistant.llm import BackendError, ChatBackend
from assistant.passages import retrieve
from assistant.questionnaire import question_ids
from assistant.recommendation import Recommendation
from assistant.replies import (
    evidence_block,
    open_questions_block,
    recommendation_block,
    recommendation_heading,
    recommendation_status,
    understood_block,
)
from assistant.sentences import SentenceBuffer

LLM_MAX_TOKENS = 200  # two to four sentences
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "de": "German"}
GUARD_KINDS = {
    "name": "model", "model": "model", "number": "number", "citation": "citation", "link": "link",
    "language": "language",
}  # fmt: skip


@dataclass
class Draft:
    """A reply before the language model: the text around the prose, the templated prose, and the facts."""

    lang: str
    kind: str = "answer"
    head: str = ""  # before the prose
    prose: str = ""  # templated; the LLM may rewrite it
    tail: str = ""  # after the prose
    passages: list[Passage] = field(default_factory=list)
    facts: dict[str, Any] | None = None  # set when the LLM may rewrite the prose
    notices: list[str] = field(default_factory=list)


def blocks(*parts: str) -> str:
    """The non-empty parts, separated by blank lines."""
    return "\n\n".join(p for p in parts if p)


def references(lang: str, passages: Sequence[Passage]) -> tuple[str, tuple[Citation, ...]]:
    """The numbered reference list of the passages, and their citations."""
    citations = cite(passages, [p.key for p in passages])
    if not citations:
        return "", ()
    return f"### {t(lang, 'references_heading')}\n{format_references(citations)}", citations


def tail_text(draft: Draft, lang: str, notices: Sequence[str]) -> str:
    """What follows the prose: the draft's tail, the references, the notices and the disclaimer."""
    refs, _ = references(lang, draft.passages)
    notes = "\n".join(f"> {n}" for n in dict.fromkeys(notices))
    return blocks(draft.tail, refs, notes, f"_{disclaimer(lang)}_")


def understood(state: IntakeState, lang: str) -> str:
    """The short list of what was understood so far."""
    return understood_block(lang, state.stage, state.values, state.clicked)


def changed_lines(state: IntakeState, lang: str) -> str:
    """One "Updated: ..." line per answer the latest turn changed."""
    lines = []
    for qid, (old, new) in state.changed.items():
        stage = state.stage or "II"
        text = question_text(lang, stage, qid) if qid in question_ids(stage) else task_name(lang, qid)
        lines.append(t(lang, "changed", question=text, old=yes_no(lang, old), new=yes_no(lang, new)))
    return "\n".join(lines)


def restated_line(state: IntakeState, lang: str) -> str:
    """The answers the latest turn gave again unchanged, as one line ("" when it gave none)."""
    if not state.restated or state.answered_now:  # beside a new answer, the new one is what is said
        return ""
    return t(lang, "restated", answers=_answers_said(state, lang, state.restated))


def noted_line(state: IntakeState, lang: str) -> str:
    """The answers the latest turn gave that leave the list as it was, as one line ("" when it gave none):
    "Only text in and out" after a recommendation that held without it still hears that it was taken."""
    new = [
        q
        for q, s in state.answers.items()
        if s.turn == state.last_turn and s.source == "extracted" and q not in state.restated
    ]
    if not state.answered_now or not new:
        return ""
    return t(lang, "noted", answers=_answers_said(state, lang, new))


def _answers_said(state: IntakeState, lang: str, question_ids: Sequence[str]) -> str:
    """Some answers on one line: "input is text only: yes; data may be shared: no"."""
    return "; ".join(f"{task_name(lang, qid)}: {yes_no(lang, state.values.get(qid))}" for qid in question_ids)


def model_facts(rec: Recommendation, limit: int = 5) -> list[dict[str, Any]]:
    """The top models of a recommendation as facts for the language model."""
    return [
        {
            "model": m.label,
            "star": m.star,
            "studies": m.studies,
            "best": m.best,
            "access": m.access,
            "resources": m.resources.to_dict(),
        }
        for m in (rec.matches or rec.partial_matches)[:limit]
    ]


def passage_facts(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    """Numbered passages as facts for the language model."""
    return [{"n": n, "title": p.title, "year": p.year, "text": p.text} for n, p in enumerate(passages, start=1)]


def recommendation_draft(state: IntakeState, lang: str, retriever: Retriever | None, conv: Conversation) -> Draft:
    """The recommendation: what changed, what was understood, the table, reasons, evidence and open questions."""
    rec = state.recommendation
    assert rec is not None
    draft = Draft(lang, kind="recommendation")
    models = rec.matches or rec.partial_matches
    tasks = selected_tasks(rec)
    names = list(dict.fromkeys(m.name for m in models[:5]))
    query = " ".join([*names, *(task_name("en", q) for q in tasks)])
    draft.passages = retrieve(retriever, query, names, lang, draft.notices)
    draft.head = blocks(changed_lines(state, lang), understood(state, lang), recommendation_heading(lang, rec))
    draft.prose = recommendation_status(lang, rec)
    others = [s for s in spanned_stages(conv) if s != rec.stage]
    draft.tail = blocks(
        recommendation_block(lang, rec),
        evidence_block(lang, draft.passages),
        open_questions_block(lang, rec.stage, rec.missing, doubts=state.doubts),
        t(lang, "other_stages", stages=", ".join(others), first=others[0]) if others else "",
    )
    draft.facts = {
        "kind": "recommendation",
        "stage": rec.stage,
        "status": rec.status,
        "tasks": tasks,
        "answers": {q: v for q, v in rec.answers.items() if v is not None},
        "full_matches": len(rec.matches),
        "top_models": model_facts(rec),
        "excluded": [{"model": e.name, "size": e.size, "reason": e.reason} for e in rec.excluded],
        "passages": passage_facts(draft.passages),
    }
    return draft


def _compact(value: Any) -> Any:
    """The facts without empty fields and without the estimate's formula text (the model needs only figures)."""
    if isinstance(value, Mapping):
        return {k: _compact(v) for k, v in value.items() if v not in (None, [], {}, "") and k != "formula"}
    if isinstance(value, list | tuple):
        return [_compact(v) for v in value]
    return value


@dataclass(frozen=True)
class ProseOutcome:
    """Who wrote the prose that was sent ("none" for the template), and what the user should be told."""

    backend: str
    notices: tuple[str, ...] = ()


def _prose_messages(draft: Draft) -> tuple[list[dict[str, str]], str]:
    # Compact facts: on two CPU cores the model reads about 100 tokens a second, so every null and repeated
    # formula in the prompt costs reply time.
    facts_json = json.dumps(_compact(draft.facts), ensure_ascii=False, default=str, separators=(",", ":"))
    system = (
        f"You write one short paragraph (2 to 4 sentences) in {LANGUAGE_NAMES.get(draft.lang, 'English')} for a "
        "clinician or hospital IT reader. Use only the facts given by the user message. Never add a model name, "
        "number, price, date, link or citation that is not in the facts. Cite a passage only as [n] with its "
        "number from the facts. No tables, no headings, no medical advice."
    )
    user = f"FACTS (JSON):\n{facts_json}\n\nDRAFT ANSWER:\n{draft.prose}\n\nRewrite the draft answer as clear prose."
    return [{"role": "system", "content": system}, {"role": "user", "content": user}], facts_json


def prose_stream(
    catalog: Catalog, draft: Draft, backend: ChatBackend | None, full_text: str
) -> Iterator[str | ProseOutcome]:
    """The draft's prose, rewritten by the language model sentence by sentence as each passes the guard (a
    sentence that names a model, number, link or citation the facts lack is dropped); the template when the
    model is absent, fails before a sentence passed, or every sentence failed. Ends with the ProseOutcome."""
    if backend is None or draft.facts is None or backend.name == "none":
        yield draft.prose
        yield ProseOutcome("none")
        return
    messages, facts_json = _prose_messages(draft)
    facts = Facts(
        text="\n".join([facts_json, full_text, *(p.text for p in draft.passages)]),
        citations=len(draft.passages),
        keys=frozenset(p.key for p in draft.passages),
    )
    sentences = SentenceBuffer()
    sent = 0
    rejected: set[str] = set()
    error: str | None = None
    try:
        for piece in backend.stream(messages, max_tokens=LLM_MAX_TOKENS, temperature=0.0):
            for sentence in sentences.feed(piece):
                if not _about_the_prompt(sentence) and _passes(sentence, facts, catalog, rejected, draft.lang):
                    yield ("" if not sent else " ") + sentence
                    sent += 1
        rest = sentences.rest()
        if rest and not _about_the_prompt(rest) and _passes(rest, facts, catalog, rejected, draft.lang):
            yield ("" if not sent else " ") + rest
            sent += 1
    except BackendError as exc:
        error = str(exc) or type(exc).__name__
    notices = []
    if rejected:
        # The notice names only the kinds of problem: the rejected names themselves must not reach users.
        key = "notice_dropped" if sent else "notice_guard"
        notices.append(t(draft.lang, key, what=", ".join(sorted(rejected))))
    if error is not None:
        notices.append(t(draft.lang, "notice_backend", error=error))
    if not sent:
        if error is None and not rejected:
            notices.append(t(draft.lang, "notice_backend", error="empty answer"))
        yield draft.prose
        yield ProseOutcome("none", tuple(notices))
        return
    yield ProseOutcome(backend.name, tuple(notices))


# A sentence about the prompt rather than for the reader ("The draft answer is clear and concise."): a small model
# sometimes judges the draft it was asked to rewrite. Left out; the reader never saw the draft.
_PROMPT_TALK = re.compile(
    r"\b(?:the|this|your) (?:draft(?: answer| text)?(?! of\b| (?:letters?|reports?|notes?|summar\w+)\b)|"
    r"facts? (?:given|provided|json)|json|user message|prompt)\b|"
    r"\b(?:der|dieser|ihr) entwurf\b|\b(?:el|este|su) borrador\b",
    re.IGNORECASE,
)


def _about_the_prompt(sentence: str) -> bool:
    return bool(_PROMPT_TALK.search(sentence))


def _passes(sentence: str, facts: Facts, catalog: Catalog, rejected: set[str], lang: str = "en") -> bool:
    found = list(problems(sentence, facts, catalog))
    if lang != "en" and detect_language([sentence], default=lang) == "en":
        found.append("language")  # a small model writes English under a German prompt now and then
    rejected.update(GUARD_KINDS.get(p.split(" ", 1)[0], p.split(" ", 1)[0]) for p in found)
    return not found
