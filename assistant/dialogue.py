"""The conversation: a chat history in, one reply out (Markdown text plus the structured state).

Stateless: the stage and answers are derived from the whole message history on every call (the
extraction reads each user turn) plus the client's clicked overrides; nothing is kept between calls.

The policy, so that a need described in the first message gets a recommendation on the second turn:

1. No usable text -> ask for a description. Stage unknown -> ask for it (or, when the need spans
   stages, say that each stage gets its own recommendation and ask which first).
2. No task answered yes -> say what was understood and ask which of the stage's tasks the model should do.
3. A task is yes, but deployment, sharing or modality questions that could change the result are still
   open and none have been asked yet -> say what was understood and ask at most three of them.
4. Otherwise -> the recommendation: table, reasons, exclusions, evidence with numbered references, and the
   questions still open listed below it.

A follow-up ("why not GPT-4?", "which studies used RaDialog?", "what is QLoRA?", "what if we rent
GPUs?") is answered from the recommendation, the catalog and retrieved passages. A what-if is
hypothetical: the answers do not change. With a language-model backend the prose part of a reply may be
rewritten from the structured facts alone; ``assistant.guard`` rejects prose that names a model, number
or citation not in those facts, and any backend error falls back to the templated text with a notice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog import Catalog, Model
from assistant.errors import UnknownQuestion
from assistant.evidence import Citation, Passage, Retriever, cite, format_references
from assistant.extraction import asked_in, extract, extract_history
from assistant.followups import EXPLAIN, TERM_ALIASES, USAGE, WHAT_IF, WHY_NOT, FollowUp, after_why_not, classify
from assistant.guard import Facts, problems
from assistant.i18n import detect_language, disclaimer, question_text, t, task_name, yes_no
from assistant.lexicon import normalize
from assistant.llm import BackendError, ChatBackend
from assistant.questionnaire import (
    DEPLOY_LOCAL,
    GLOSSARY,
    all_question_ids,
    parse_answer,
    parse_stage,
    question_ids,
    task_scopes,
)
from assistant.recommendation import Recommendation
from assistant.replies import (
    ask_block,
    ask_tasks_block,
    evidence_block,
    explain_text,
    multi_stage_prompt,
    open_questions_block,
    question_lines,
    recommendation_block,
    recommendation_heading,
    recommendation_status,
    stage_prompt,
    understood_block,
    usage_text,
    what_if_block,
    why_not_text,
)
from assistant.rules import recommend

SCHEMA = "reply/1"
CONTEXT_CHARS = 24_000  # a longer history keeps only its latest turns
MAX_QUESTIONS = 3  # questions asked at a time before the recommendation
RETRIEVAL_K = 8  # passages asked of the retriever
MAX_PASSAGES = 4  # passages cited under one answer
MIN_SCORE = 0.0  # passages scoring below are ignored; a passage must also name the subject
LLM_MAX_TOKENS = 200  # two to four sentences
CONSTRAINTS = ("data_sharing", DEPLOY_LOCAL, "input_text_only", "output_text_only")  # asked first, by weight
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "de": "German"}
GUARD_KINDS = {"name": "model", "model": "model", "number": "number", "citation": "citation", "link": "link"}
TECHNICAL_TERMS = frozenset(GLOSSARY) - {"textual data", "data sharing"}


@dataclass(frozen=True)
class AnswerState:
    """One answer: its value, where it came from and in which user turn (None when clicked)."""

    value: bool | None
    source: str  # "extracted" | "clicked"
    turn: int | None

    def to_dict(self) -> dict[str, Any]:
        """The answer object of the ``reply/1`` extension."""
        return {"value": self.value, "source": self.source, "turn": self.turn}


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
    # what_if | why_not | usage | explain. For metrics and benchmarks.
    kind: str = "answer"

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
        }


# ---------------------------------------------------------------------------------------------------------
# Reading the request


@dataclass
class _Conversation:
    """The usable part of the request: user and assistant turns as plain text, and what was dropped."""

    messages: list[dict[str, str]]
    notices: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)  # each kept message's index in the request

    def turn(self, index: int) -> int:
        """The request's index of the kept message at ``index``."""
        return self.origin[index] if index < len(self.origin) else index

    @property
    def user_texts(self) -> list[str]:
        """The user turns' texts, oldest first."""
        return [m["content"] for m in self.messages if m["role"] == "user"]

    @property
    def last_user(self) -> str:
        """The latest user turn's text ("" when there is none)."""
        texts = self.user_texts
        return texts[-1] if texts else ""


def _content_text(content: Any) -> tuple[str, bool]:
    """The text of a message's content (a string or OpenAI content parts) and whether media was dropped."""
    if content is None:
        return "", False
    if isinstance(content, str):
        return content, False
    if isinstance(content, Sequence):
        texts, media = [], False
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text":
                texts.append(str(part.get("text") or ""))
            elif isinstance(part, str):
                texts.append(part)
            else:
                media = True
        return "\n".join(texts), media
    return str(content), False


def read_messages(messages: Sequence[Mapping[str, Any]], lang_hint: str | None = None) -> _Conversation:
    """User and assistant turns as text (system turns ignored), cut to the context budget, with notices."""
    plain: list[dict[str, str]] = []
    origin: list[int] = []
    media = False
    for index, message in enumerate(messages):
        role = str(message.get("role", ""))
        if role not in ("user", "assistant"):
            continue  # system prompts from portals and tool turns carry no answers
        text, dropped = _content_text(message.get("content"))
        media = media or (dropped and role == "user")
        plain.append({"role": role, "content": text})
        origin.append(index)
    conv = _Conversation(plain, origin=origin)
    lang = lang_hint or detect_language(conv.user_texts)
    total = sum(len(m["content"]) for m in plain)
    if total > CONTEXT_CHARS:
        kept: list[dict[str, str]] = []
        used = 0
        for m in reversed(plain):
            if used + len(m["content"]) > CONTEXT_CHARS:
                if not kept:  # the latest turn alone is too long: keep its end
                    kept.append({"role": m["role"], "content": m["content"][-CONTEXT_CHARS:]})
                break
            kept.append(m)
            used += len(m["content"])
        conv.messages = kept[::-1]
        conv.origin = origin[len(origin) - len(kept) :]
        conv.notices.append(t(lang, "notice_truncated", limit=CONTEXT_CHARS, kept=len(kept)))
    if media:
        conv.notices.append(t(lang, "notice_media"))
    return conv


# ---------------------------------------------------------------------------------------------------------
# The state


@dataclass
class _State:
    """Stage, answers and recommendation derived from the history and the overrides."""

    stage: str | None
    stages: tuple[str, ...]
    answers: dict[str, AnswerState]
    recommendation: Recommendation | None
    notices: list[str]
    last_turn: int
    answered_now: bool  # the latest user turn gave or changed answers
    changed: dict[str, tuple[bool | None, bool | None]]

    @property
    def values(self) -> dict[str, bool | None]:
        """The answers as question id -> value, for the rules."""
        return {q: s.value for q, s in self.answers.items()}

    @property
    def clicked(self) -> set[str]:
        """Ids whose answer was set by a click."""
        return {q for q, s in self.answers.items() if s.source == "clicked"}


def _parse_overrides(overrides: Mapping[str, Any] | None) -> tuple[str | None, dict[str, bool | None]]:
    if not overrides:
        return None, {}
    stage = overrides.get("stage")
    stage_id = parse_stage(stage) if stage not in (None, "") else None
    answers = overrides.get("answers") or {}
    known = set(all_question_ids())
    parsed: dict[str, bool | None] = {}
    for qid, value in answers.items():
        if qid not in known:
            raise UnknownQuestion(f"question {qid!r} is not a question id", param=f"answers.{qid}", value=qid)
        parsed[qid] = parse_answer(value, param=f"answers.{qid}")
    return stage_id, parsed


def _history_for_extraction(conv: _Conversation, hypothetical_last: bool) -> list[dict[str, str]]:
    """The history the extraction reads; a hypothetical last turn ("what if ...") is blanked, not read."""
    messages = [dict(m) for m in conv.messages]
    if hypothetical_last:
        for m in reversed(messages):
            if m["role"] == "user":
                m["content"] = ""
                break
    return messages


def _extract_state(
    conv: _Conversation, backend: ChatBackend | None, hypothetical_last: bool, stage: str | None
) -> tuple[str | None, dict[str, tuple[bool, int]], list[str]]:
    """Stage, answers with the request index of the turn that gave them, and notices."""
    history = _history_for_extraction(conv, hypothetical_last)
    try:
        found, answers, notices = extract_history(history, backend=backend, stage=stage)
    except BackendError as error:  # the extraction falls back by itself; this is a second safety net
        found, answers, notices = extract_history(history, backend=None, stage=stage)
        notices = (*notices, f"answered without the language model: {error}")
    return found, {q: (v, conv.turn(i)) for q, (v, i) in answers.items()}, list(notices)


def _derive_state(
    catalog: Catalog,
    conv: _Conversation,
    backend: ChatBackend | None,
    overrides: Mapping[str, Any] | None,
    hypothetical_last: bool,
) -> _State:
    click_stage, clicks = _parse_overrides(overrides)
    stage, extracted, notices = _extract_state(conv, backend, hypothetical_last, click_stage)
    stages: tuple[str, ...] = ()
    if stage is None and conv.last_user.strip():
        stages = tuple(extract(conv.last_user, backend=None).stages)
    last_turn = conv.turn(_last_user_index(conv))
    ids = question_ids(stage) if stage else all_question_ids()
    states: dict[str, AnswerState] = {}
    for qid in ids:
        if qid in clicks:
            states[qid] = AnswerState(clicks[qid], "clicked", None)
        elif qid in extracted:
            value, turn = extracted[qid]
            states[qid] = AnswerState(value, "extracted", turn)
    answered_now = any(s.turn == last_turn and s.source == "extracted" for s in states.values())
    changed: dict[str, tuple[bool | None, bool | None]] = {}
    if answered_now and len(conv.user_texts) > 1:
        cut = _last_user_index(conv)
        earlier = _Conversation(conv.messages[:cut], origin=conv.origin[:cut])
        _, before, _ = _extract_state(earlier, backend, False, click_stage)
        for qid, state in states.items():
            old = before.get(qid, (None, 0))[0]
            if state.turn == last_turn and old is not None and old != state.value:
                changed[qid] = (old, state.value)
    rec = recommend(catalog, stage, {q: s.value for q, s in states.items()}) if stage else None
    return _State(stage, stages, states, rec, notices, last_turn, answered_now, changed)


def _last_user_index(conv: _Conversation) -> int:
    for i in range(len(conv.messages) - 1, -1, -1):
        if conv.messages[i]["role"] == "user":
            return i
    return 0


def _asked_before(conv: _Conversation) -> bool:
    """True when an earlier assistant turn asked a questionnaire question (its id in backticks)."""
    return any(m["role"] == "assistant" and asked_in(m["content"]) not in (None, "stage") for m in conv.messages)


# ---------------------------------------------------------------------------------------------------------
# Retrieval


def _squash(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def _mentions(passage: Passage, subjects: Sequence[str]) -> bool:
    """True when the passage names a subject: as a word, or (for names of 5+ characters) ignoring spaces and
    punctuation, so that "Llama 2" names LLaMA2."""
    haystack = normalize(f"{passage.title} {passage.text}")
    squashed = _squash(haystack)
    for subject in subjects:
        if not subject.strip():
            continue
        if re.search(rf"(?<!\w){re.escape(normalize(subject))}(?!\w)", haystack):
            return True
        key = _squash(subject)
        if len(key) >= 5 and key in squashed:
            return True
    return False


def _retrieve(
    retriever: Retriever | None, query: str, subjects: Sequence[str], lang: str, notices: list[str]
) -> list[Passage]:
    """Passages above the score threshold that name one of the subjects, best first, each document once."""
    if retriever is None:
        return []
    try:
        found = list(retriever.search(query, k=RETRIEVAL_K))
    except Exception as error:  # any retriever failure degrades to an answer without literature
        notices.append(t(lang, "notice_retrieval", error=str(error) or type(error).__name__))
        return []
    kept: list[Passage] = []
    seen: set[str] = set()
    for p in found:
        if p.score < MIN_SCORE or p.key in seen or p.doc_id in seen or not _mentions(p, subjects):
            continue
        seen.update((p.key, p.doc_id))  # one passage per document: more sources, fewer repeats
        kept.append(p)
    return kept[:MAX_PASSAGES]


# ---------------------------------------------------------------------------------------------------------
# Composing


@dataclass
class _Draft:
    """A reply before the language model: the text around the prose, the templated prose, and the facts."""

    lang: str
    kind: str = "answer"
    head: str = ""  # before the prose
    prose: str = ""  # templated; the LLM may rewrite it
    tail: str = ""  # after the prose
    passages: list[Passage] = field(default_factory=list)
    facts: dict[str, Any] | None = None  # set when the LLM may rewrite the prose
    notices: list[str] = field(default_factory=list)


def _blocks(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _references(lang: str, passages: Sequence[Passage]) -> tuple[str, tuple[Citation, ...]]:
    citations = cite(passages, [p.key for p in passages])
    if not citations:
        return "", ()
    return f"### {t(lang, 'references_heading')}\n{format_references(citations)}", citations


def _selected_tasks(rec: Recommendation) -> list[str]:
    return [s.question_id for s in task_scopes(rec.stage) if rec.answers.get(s.question_id) is True]


def _model_facts(rec: Recommendation, limit: int = 5) -> list[dict[str, Any]]:
    out = []
    for m in (rec.matches or rec.partial_matches)[:limit]:
        out.append(
            {
                "model": m.label,
                "star": m.star,
                "studies": m.studies,
                "best": m.best,
                "access": m.access,
                "resources": m.resources.to_dict(),
            }
        )
    return out


def _passage_facts(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    return [{"n": n, "title": p.title, "year": p.year, "text": p.text} for n, p in enumerate(passages, start=1)]


def _pending_questions(state: _State) -> list[str]:
    """What to ask before a recommendation: the task questions, or up to three constraints."""
    rec = state.recommendation
    if rec is None:
        return []
    if rec.status == "need_more_info":
        tasks = [s.question_id for s in task_scopes(rec.stage)]
        return [q for q in tasks if q in rec.missing] or [q for q in tasks if rec.answers.get(q) is None]
    chosen = [q for q in CONSTRAINTS if q in rec.missing][:MAX_QUESTIONS]
    order = question_ids(rec.stage)
    return sorted(chosen, key=order.index)


def _understood(state: _State, lang: str) -> str:
    return understood_block(lang, state.stage, state.values, state.clicked)


def _changed_lines(state: _State, lang: str) -> str:
    lines = []
    for qid, (old, new) in state.changed.items():
        stage = state.stage or "II"
        text = question_text(lang, stage, qid) if qid in question_ids(stage) else task_name(lang, qid)
        lines.append(t(lang, "changed", question=text, old=yes_no(lang, old), new=yes_no(lang, new)))
    return "\n".join(lines)


def _recommendation_draft(
    catalog: Catalog, state: _State, lang: str, retriever: Retriever | None, conv: _Conversation
) -> _Draft:
    rec = state.recommendation
    assert rec is not None
    draft = _Draft(lang, kind="recommendation")
    models = rec.matches or rec.partial_matches
    tasks = _selected_tasks(rec)
    names = list(dict.fromkeys(m.name for m in models[:5]))
    query = " ".join([*names, *(task_name("en", q) for q in tasks)])
    draft.passages = _retrieve(retriever, query, names, lang, draft.notices)
    draft.head = _blocks(_changed_lines(state, lang), _understood(state, lang), recommendation_heading(lang, rec))
    draft.prose = recommendation_status(lang, rec)
    others = [s for s in _spanned_stages(conv) if s != rec.stage]
    draft.tail = _blocks(
        recommendation_block(lang, rec),
        evidence_block(lang, draft.passages),
        open_questions_block(lang, rec.stage, rec.missing),
        t(lang, "other_stages", stages=", ".join(others), first=others[0]) if others else "",
    )
    draft.facts = {
        "kind": "recommendation",
        "stage": rec.stage,
        "status": rec.status,
        "tasks": tasks,
        "answers": {q: v for q, v in rec.answers.items() if v is not None},
        "full_matches": len(rec.matches),
        "top_models": _model_facts(rec),
        "excluded": [{"model": e.name, "size": e.size, "reason": e.reason} for e in rec.excluded],
        "passages": _passage_facts(draft.passages),
    }
    return draft


def _spanned_stages(conv: _Conversation) -> list[str]:
    """Stages the user's turns point at, in order (rule-based reading, cheap)."""
    seen: dict[str, None] = {}
    for text in conv.user_texts:
        if text.strip():
            for s in extract(text, backend=None).stages:
                seen[s] = None
    return list(seen)


def _resolve_model(catalog: Catalog, follow: FollowUp, rec: Recommendation | None) -> tuple[Model | None, str]:
    """The catalog model a follow-up names (the recommended entry first when a name has several)."""
    if not follow.models:
        return None, after_why_not(follow.text) if follow.kind == WHY_NOT else ""
    mention = follow.models[0]
    shown = {m.id for m in (rec.matches + rec.partial_matches)} if rec else set()
    for model in mention.models:
        if model.id in shown:
            return model, mention.text
    return mention.models[0], mention.text


def _follow_up_draft(
    catalog: Catalog,
    state: _State,
    follow: FollowUp,
    lang: str,
    retriever: Retriever | None,
    backend: ChatBackend | None,
) -> _Draft:
    draft = _Draft(lang, kind=follow.kind)
    rec = state.recommendation
    if follow.kind == WHAT_IF:
        return _what_if_draft(catalog, state, follow, lang, backend)
    if follow.kind == EXPLAIN:
        terms = list(follow.terms)
        draft.prose = explain_text(lang, state.stage, terms)
        technical = [term for term in terms if term in TECHNICAL_TERMS]
        if technical:
            subjects = [a for term in technical for a in _aliases(term)]
            query = " ".join([*technical, follow.text])
            draft.passages = _retrieve(retriever, query, subjects, lang, draft.notices)
            if not draft.passages:
                draft.tail = t(lang, "no_evidence")
        draft.facts = {
            "kind": "explanation",
            "terms": {term: draft.prose for term in terms},
            "passages": _passage_facts(draft.passages),
        }
    else:
        model, named = _resolve_model(catalog, follow, rec)
        if model is None:
            draft.prose = t(lang, "why_not_unknown_model", name=named) if named else t(lang, "why_not_no_model")
            return draft
        task_words = [task_name("en", q) for q in _selected_tasks(rec)] if rec else []
        draft.passages = _retrieve(retriever, " ".join([model.name, *task_words]), [model.name], lang, draft.notices)
        if follow.kind == WHY_NOT:
            if rec is None or rec.status == "need_more_info":
                draft.prose = t(lang, "why_not_no_rec")
                return draft
            draft.prose = why_not_text(lang, catalog, rec, model)
            facts_kind = "why_not"
        else:  # USAGE
            draft.prose = usage_text(lang, catalog, model)
            facts_kind = "usage"
            if not draft.passages:
                draft.tail = t(lang, "no_evidence")
        draft.facts = {
            "kind": facts_kind,
            "model": model.label,
            "access": model.access,
            "size": model.size,
            "answer_draft": draft.prose,
            "passages": _passage_facts(draft.passages),
        }
    if draft.passages:
        draft.tail = _blocks(draft.tail, evidence_block(lang, draft.passages))
    if follow.kind == EXPLAIN and rec is not None:
        pending = _pending_questions(state)
        if pending:
            draft.tail = _blocks(draft.tail, t(lang, "pending") + "\n" + question_lines(lang, rec.stage, pending))
    return draft


def _aliases(term: str) -> list[str]:
    return [term, *TERM_ALIASES.get(term, ())]


_WHAT_IF_PREFIX = re.compile(
    r"^\W*(?:and|but|ok|okay|so|y|pero|vale|und|aber|also|gut)?\W*"
    r"(?:what if|and if|what would (?:happen|change) if|suppose|hypothetically|y si|qu[eé] pasa(?:r[ií]a)? si|"
    r"qu[eé] cambia(?:r[ií]a)? si|supongamos(?: que)?|was w(?:ä|ae|a)re,? wenn|was passiert,? wenn|"
    r"was (?:ä|a)ndert sich,? wenn|und wenn|angenommen)\b",
    re.IGNORECASE,
)


def hypothetical_answers(text: str, stage: str) -> dict[str, bool]:
    """The answers a what-if question supposes, read as if they were statements."""
    statement = _WHAT_IF_PREFIX.sub("", text).replace("?", ".").replace("¿", "")
    if not statement.strip(" ."):
        return {}
    return dict(extract(statement, stage=stage, backend=None).answers)


def _what_if_draft(catalog: Catalog, state: _State, follow: FollowUp, lang: str, backend: ChatBackend | None) -> _Draft:
    draft = _Draft(lang, kind=WHAT_IF)
    rec = state.recommendation
    if rec is None or rec.status == "need_more_info" or state.stage is None:
        draft.prose = t(lang, "what_if_no_rec")
        return draft
    changes = {q: v for q, v in hypothetical_answers(follow.text, state.stage).items() if rec.answers.get(q) != v}
    changes = {q: v for q, v in changes.items() if q in question_ids(state.stage)}
    if not changes:
        draft.prose = t(lang, "what_if_unknown")
        return draft
    after = recommend(catalog, state.stage, {**state.values, **changes})
    draft.prose = what_if_block(lang, changes, rec, after)
    draft.notices.append(t(lang, "notice_hypothetical"))
    return draft


# ---------------------------------------------------------------------------------------------------------
# The language model and its guard


def _compact(value: Any) -> Any:
    """The facts without empty fields and without the estimate's formula text (the model needs only figures)."""
    if isinstance(value, Mapping):
        return {k: _compact(v) for k, v in value.items() if v not in (None, [], {}, "") and k != "formula"}
    if isinstance(value, list | tuple):
        return [_compact(v) for v in value]
    return value


def _llm_prose(
    catalog: Catalog, draft: _Draft, backend: ChatBackend | None, full_text: str
) -> tuple[str, str, list[str]]:
    """The prose to show, the backend that wrote it ("none" for templates), and notices."""
    if backend is None or draft.facts is None or backend.name == "none":
        return draft.prose, "none", []
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
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    try:
        text = backend.complete(messages, max_tokens=LLM_MAX_TOKENS, temperature=0.0).strip()
    except BackendError as error:
        return draft.prose, "none", [t(draft.lang, "notice_backend", error=str(error) or type(error).__name__)]
    if not text:
        return draft.prose, "none", [t(draft.lang, "notice_backend", error="empty answer")]
    facts = Facts(
        text="\n".join([facts_json, full_text, *(p.text for p in draft.passages)]),
        citations=len(draft.passages),
        keys=frozenset(p.key for p in draft.passages),
    )
    found = problems(text, facts, catalog)
    if found:
        # The notice names only the kinds of problem: the rejected names themselves must not reach users.
        kinds = sorted({GUARD_KINDS.get(p.split(" ", 1)[0], p.split(" ", 1)[0]) for p in found})
        return draft.prose, "none", [t(draft.lang, "notice_guard", what=", ".join(kinds))]
    return text, backend.name, []


# ---------------------------------------------------------------------------------------------------------
# The public entry points


def _plan(
    catalog: Catalog,
    messages: Sequence[Mapping[str, Any]],
    backend: ChatBackend | None,
    retriever: Retriever | None,
    overrides: Mapping[str, Any] | None,
) -> tuple[_Draft, _State | None, list[str]]:
    """Everything but the language-model step: the draft, the state and the notices so far."""
    conv = read_messages(messages)
    lang = detect_language(conv.user_texts)
    notices = list(conv.notices)
    last = conv.last_user
    follow = classify(catalog, last) if last.strip() else None
    if follow is not None and follow.kind == WHAT_IF and len(conv.user_texts) < 2:
        follow = None  # a what-if needs something to compare with: a first message is read as a description
    hypothetical = follow is not None and follow.kind == WHAT_IF
    state = _derive_state(catalog, conv, backend, overrides, hypothetical)
    notices += state.notices
    draft = _Draft(lang)
    if not last.strip():
        draft.kind, draft.prose = "empty", t(lang, "empty")
        return draft, state, notices
    if follow is not None and follow.kind != WHAT_IF and state.answered_now:
        follow = None  # the turn answers questions: read it as answers, not as a follow-up
    if follow is not None and (follow.kind in (EXPLAIN, USAGE) or state.recommendation is not None):
        return _follow_up_draft(catalog, state, follow, lang, retriever, backend), state, notices
    if state.stage is None:
        if len(state.stages) > 1:
            draft.head, draft.kind = _understood(state, lang), "ask_stage"
            draft.prose = multi_stage_prompt(lang, state.stages)
        else:
            draft.head, draft.kind = _understood(state, lang), "ask_stage"
            draft.prose = stage_prompt(lang)
        return draft, state, notices
    rec = state.recommendation
    assert rec is not None
    if rec.status == "need_more_info":
        draft.head, draft.kind = _understood(state, lang), "ask_tasks"
        draft.prose = ask_tasks_block(lang, rec.stage, _pending_questions(state))
        return draft, state, notices
    pending = _pending_questions(state)
    if pending and not _asked_before(conv):
        draft.head, draft.kind = _understood(state, lang), "ask"
        draft.prose = ask_block(lang, rec.stage, pending)
        return draft, state, notices
    return _recommendation_draft(catalog, state, lang, retriever, conv), state, notices


def _pieces(text: str) -> list[str]:
    """A text cut into paragraph pieces whose concatenation is the text."""
    parts = re.split(r"(?<=\n\n)", text)
    return [p for p in parts if p]


def respond_stream(
    catalog: Catalog,
    messages: Sequence[Mapping[str, Any]],
    *,
    backend: ChatBackend | None = None,
    retriever: Retriever | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Iterator[str | Reply]:
    """The reply in text pieces (the part before the language-model step first), then the final Reply."""
    draft, state, notices = _plan(catalog, messages, backend, retriever, overrides)
    lang = draft.lang
    head = draft.head + "\n\n" if draft.head else ""
    yield from _pieces(head)
    templated_tail = _tail_text(draft, lang, notices)
    prose, used, llm_notices = _llm_prose(catalog, draft, backend, _blocks(head, draft.prose, templated_tail))
    notices += draft.notices + llm_notices
    tail = _tail_text(draft, lang, notices)
    body = prose + ("\n\n" + tail if tail else "")
    yield from _pieces(body)
    _, citations = _references(lang, draft.passages)
    rec = state.recommendation if state else None
    yield Reply(
        text=head + body,
        backend=used,
        stage=state.stage if state else None,
        answers=dict(state.answers) if state else {},
        missing=rec.missing if rec else (),
        recommendation=rec,
        citations=citations,
        notices=tuple(dict.fromkeys(notices)),
        disclaimer=disclaimer(lang),
        kind=draft.kind,
    )


def _tail_text(draft: _Draft, lang: str, notices: Sequence[str]) -> str:
    references, _ = _references(lang, draft.passages)
    notes = "\n".join(f"> {n}" for n in dict.fromkeys(notices))
    return _blocks(draft.tail, references, notes, f"_{disclaimer(lang)}_")


def respond(
    catalog: Catalog,
    messages: Sequence[Mapping[str, Any]],
    *,
    backend: ChatBackend | None = None,
    retriever: Retriever | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Reply:
    """The assistant's reply to a conversation (the whole history), with its structured state."""
    reply: Reply | None = None
    for piece in respond_stream(catalog, messages, backend=backend, retriever=retriever, overrides=overrides):
        if isinstance(piece, Reply):
            reply = piece
    assert reply is not None
    return reply


__all__ = ["AnswerState", "Reply", "read_messages", "respond", "respond_stream"]
