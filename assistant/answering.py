"""Answering the questions a message asks, each from the most trustworthy source that has the answer.

``plan_answer`` turns a ``Question`` (``assistant.questions``) into an ``AnswerPlan``: the rules core and the
catalog answer at once and deterministically (why a model is in or out, which studies used it, its access,
the hardware, power and prices studies reported, its API price, a term of the tool); a question for the
literature gets the passages retrieval found, and ``assistant.grounded`` writes the answer from them when
the reply is streamed. ``plan_what_if`` reads a supposed change like any statement (the intake reader) and
runs the rules again on a copy of the answers; nothing changes for real.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest

from assistant.catalog import Catalog, Model, squash_name
from assistant.composing import blocks
from assistant.described import described_documents
from assistant.evidence import Passage, Retriever, SentenceScorer
from assistant.extraction import extract
from assistant.followups import TERM_ALIASES, after_why_not
from assistant.grounded import answering_sentence
from assistant.i18n import stage_title, t, task_name
from assistant.intake import IntakeState, selected_tasks
from assistant.lexicon import normalize
from assistant.llm import ChatBackend
from assistant.passages import retrieve, search
from assistant.questionnaire import GLOSSARY, parse_stage, question_ids
from assistant.questions import (
    ASPECTS,
    CATALOG,
    RULES,
    SIZING,
    Question,
    asks_per_month,
    points_at_the_list,
    read_question,
)
from assistant.replies import (
    best_count_text,
    can_write_text,
    count_text,
    evidence_block,
    explain_text,
    gpu_cost_lines,
    gpu_facts_text,
    gpu_prices_text,
    left_out_text,
    model_facts_text,
    own_hardware_text,
    stage_text,
    starred_text,
    tool_text,
    usage_text,
    what_if_block,
    why_not_text,
)
from assistant.rules import recommend
from assistant.situation import Situation, read_situation
from assistant.sizing_answers import sizing_answer
from assistant.to_run_text import short_gpu, to_run_cell

TECHNICAL_TERMS = frozenset(GLOSSARY) - {"textual data", "data sharing"}
LITERATURE_K = 10  # candidate passages for an answer from the literature
USER_DOCS_K = 40  # candidates searched when the question names the user's own documents
DESCRIBED_K = 200  # searched for the passages of the one document a question describes (a cheap search)
MAX_SIZES = 4
# Passages of one document for an answer: sections of one card (what it is, data, results) compete sentence by
# sentence, so more than the search's usual three per document may reach the scorer.
PER_DOCUMENT = 6  # sizes of one name whose facts are listed
WHAT_IF_SIZED = 5  # models whose fit a hardware what-if shows
# a what-if that asks an amount itself ("... - how many cards?"): the calculator's question
# A question that names renting or buying asks that price whatever the answers say of where it runs ("if we
# rented its GPU in the cloud instead of buying, what's the hourly rate?" from a user who runs models locally).
_RENT_OR_BUY = re.compile(
    r"\b(?:rent\w*|hire|leas\w*|hourly|per hour|miet\w*|alquil\w*|affitt\w*|alug\w*|huur\w*|lou\w*|buy\w*|"
    r"bought|purchas\w*|kauf\w*|compr\w*|achet\w*|acquist\w*)\b"
)
_ASKS_HOW_MUCH = re.compile(r"\b(?:how (?:many|much)|cuant[oa]s?|wie ?viele?|combien|quant[oaie]s?|hoeveel)\b")
# what the rest of a message asks of a what-if in a sentence of its own ("What if we ran Mistral 7B for 10 users?
# Total GPU memory, please."): an amount of memory
_MEMORY_ASKED = re.compile(r"\b(?:memory|vram|speicher\w*|memoria|memoire|geheugen|pamie\w*|how (?:many|much))\b")
CATALOG_SPARE = 10  # extra candidates, since the catalog's fact sheets may be left out


@dataclass
class AnswerPlan:
    """How one question (or a what-if) is answered: a ready text, or passages for the grounded answer."""

    source: str  # "rules" | "catalog" | "sizing" | "retrieval" (written when streamed)
    kind: str  # why_not | usage | model_fact | explain | what_if | literature | ...
    question: str = ""
    asked: Question | None = None  # how the question was read (the literature's answer searches again with it)
    text: str = ""  # a ready answer; its [n] number ``passages`` from 1
    passages: list[Passage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    facts: str = ""  # structured data the grounded answer's numbers may also come from
    # an answer that needs the language model first (a what-if's reading): made when the reply reaches it, so
    # that what comes before it is sent at once
    later: Callable[[], AnswerPlan] | None = None


def _aliases(term: str) -> list[str]:
    return [term, *TERM_ALIASES.get(term, ())]


def _with_evidence(plan: AnswerPlan, lang: str, retriever: Retriever | None = None) -> AnswerPlan:
    """The plan with its passages quoted under the answer, each by the sentence that best matches the question."""
    if plan.passages:
        scorer = retriever if isinstance(retriever, SentenceScorer) else None
        quotes = [answering_sentence(plan.question, p, scorer) for p in plan.passages]
        plan.text = blocks(plan.text, evidence_block(lang, plan.passages, quotes))
    return plan


def _explain(question: Question, state: IntakeState, lang: str, retriever: Retriever | None) -> AnswerPlan:
    plan = AnswerPlan(CATALOG, "explain", question.text, text=explain_text(lang, state.stage, list(question.terms)))
    technical = [term for term in question.terms if term in TECHNICAL_TERMS]
    if technical:
        subjects = [a for term in technical for a in _aliases(term)]
        plan.passages = retrieve(retriever, " ".join([*technical, question.text]), subjects, lang, plan.notices)
        if not plan.passages:
            plan.text = blocks(plan.text, t(lang, "no_evidence"))
    return _with_evidence(plan, lang, retriever)


def _about_model(
    catalog: Catalog, question: Question, model: Model, state: IntakeState, lang: str, retriever: Retriever | None
) -> AnswerPlan:
    rec = state.recommendation
    if question.kind == "why_not":
        if rec is None or rec.status == "need_more_info":
            return AnswerPlan(RULES, "why_not", question.text, text=t(lang, "why_not_no_rec"))
        return AnswerPlan(RULES, "why_not", question.text, text=why_not_text(lang, catalog, rec, model))
    if question.kind == "best_count":
        columns = catalog.columns_named(question.text)
        text = best_count_text(lang, question.named, columns)
        plan = AnswerPlan(CATALOG, "best_count", question.text, text=text)
        names = [m.name for m in question.named]
        plan.passages = retrieve(retriever, " ".join([*names, "used reported best"]), names, lang, plan.notices)
        return _with_evidence(plan, lang, retriever)
    if question.kind == "can_write":
        return AnswerPlan(RULES, "can_write", question.text, text=can_write_text(lang, catalog, question.named))
    if question.kind == "usage":
        text = usage_text(lang, catalog, model)
        shown = next((m for m in (rec.matches + rec.partial_matches) if m.id == model.id), None) if rec else None
        if shown is not None and rec is not None:
            tasks = ", ".join(task_name(lang, q) for q in selected_tasks(rec))
            lead = t(lang, "usage_for_tasks", tasks=tasks, studies=shown.studies, best=shown.best, model=shown.label)
            text = f"{lead}\n\n{text}"
        plan = AnswerPlan(CATALOG, "usage", question.text, text=text)
        task_words = [task_name("en", q) for q in selected_tasks(rec)] if rec else []
        plan.passages = retrieve(retriever, " ".join([model.name, *task_words]), [model.name], lang, plan.notices)
        return _with_evidence(plan, lang, retriever)
    local = state.values.get("deploy_local")
    if _RENT_OR_BUY.search(normalize(question.text)) or ASPECTS["power"].search(normalize(question.text)):
        # both prices, purchase and rental, and the power: a question may name several aspects ("what hardware,
        # how much power, and what would buying it cost?"), whatever the deployment chosen
        local = None
    words = {"access": "weights licence access", "price": "GPU hardware price cost", "power": "GPU power watts"}
    topic = words.get(question.aspect or "", "GPU hardware memory")
    if question.kind == "model_fact" and len(question.named) > 1:
        # several models asked about together ("Gemini Ultra and Bing Chat: what do they cost?"): each one's facts
        named = question.named[:MAX_SIZES]
        texts = [model_facts_text(lang, catalog, m, local, question.aspect) for m in named]
        plan = AnswerPlan(CATALOG, "model_fact", question.text, text="\n\n".join(texts))
        names = [m.name for m in named]
        plan.passages = retrieve(retriever, f"{' '.join(names)} {topic} {question.text}", names, lang, plan.notices)
        return _with_evidence(plan, lang, retriever)
    sizes = [m for m in question.sizes if m.id != model.id]
    if question.kind == "model_fact" and sizes and not (rec and any(m.id == model.id for m in rec.matches)):
        # a name with several sizes in the review ("GatorTron"): each size's facts, since studies differ by size
        texts = [model_facts_text(lang, catalog, m, local, question.aspect) for m in (model, *sizes)[:MAX_SIZES]]
        return AnswerPlan(CATALOG, "model_fact", question.text, text="\n\n".join(texts))
    if question.aspect == "star" and rec is not None and rec.status != "need_more_info":
        text = blocks(explain_text(lang, rec.stage, ["star"]), why_not_text(lang, catalog, rec, model))
        return AnswerPlan(RULES, "why_not", question.text, text=text)
    plan = AnswerPlan(CATALOG, "model_fact", question.text,
                      text=model_facts_text(lang, catalog, model, local, question.aspect))  # fmt: skip
    # the cards that say the same about the model, cited beside the review's data
    query = f"{model.name} {topic} {question.text}"
    plan.passages = retrieve(retriever, query, [model.name], lang, plan.notices)
    return _with_evidence(plan, lang, retriever)


def literature_passages(
    retriever: Retriever | None, question: Question, lang: str, notices: list[str], english: str | None = None
) -> list[Passage]:
    """Candidate passages for an answer from the literature: the user's own documents only when the question
    names them; the catalog's generated fact sheets only when it names a model (they answer about models, and
    hundreds of them would otherwise crowd out the papers)."""
    # the glossary's own names of the terms it asks about, so that "cuantización" also finds "quantization"
    # a question that goes on from the one before it ("and what hardware?") is searched with that one's words
    asked = " ".join(part for part in (question.about, question.follows, question.text) if part)
    query = " ".join([asked, *([english] if english else []), *(t for t in question.terms if "_" not in t)])
    if question.model is not None and squash_name(question.model.name) not in squash_name(query):
        # the model was named in the message's other sentences ("RaDialog is on my list. In the extended version,
        # by how much ...?"): the question is searched with its name, or its card is never among the candidates
        query = f"{question.model.name} {query}"
    if question.about_user_docs:
        found = search(retriever, query, USER_DOCS_K, lang, notices, max_per_doc=PER_DOCUMENT)
        if question.about and english is None:
            # "the rsna review I added - when was it accepted": the question's own words find the passage that
            # answers; the words about the paper find its opening pages. Both searches' passages, alternating.
            mine = search(retriever, question.text, USER_DOCS_K, lang, notices, max_per_doc=PER_DOCUMENT)
            found = list({p.key: p for pair in zip_longest(mine, found) for p in pair if p is not None}.values())
        own = [p for p in found if p.kind == "user"]
        described = described_documents(asked, own)  # "The letters paper I added ... What does it say?"
        if described:
            # "the letters paper I added": that document's passages only, more of them than one search gives;
            # found by the question's own words first, since the words describing the paper find its opening
            wordings = [question.text, query] if question.about and english is None else [query]
            more = [p for q in wordings for p in search(retriever, q, DESCRIBED_K, lang, notices, max_per_doc=None)]
            own = list({p.key: p for p in more if p.doc_id in described}.values()) or own
        return (own or found)[:LITERATURE_K]
    found = search(retriever, query, LITERATURE_K + CATALOG_SPARE, lang, notices, max_per_doc=PER_DOCUMENT)
    if question.model is None:
        found = [p for p in found if p.kind != "catalog"] or found
    else:
        found = _with_the_models_card(retriever, query, found, question.model, lang, notices)
    return found[:LITERATURE_K]


def _with_the_models_card(
    retriever: Retriever | None, query: str, found: list[Passage], model: Model, lang: str, notices: list[str]
) -> list[Passage]:
    """The passages with every section of the named model's own card among the first ten, right after its best
    one: "pmc-llama instruction tuning: how many tokens?" found the card's compute and licence sections, while the
    data section that answers ranked below passages on other models' context lengths."""
    name = squash_name(model.name)
    card = next((p for p in found if p.kind == "card" and len(name) >= 3 and name in squash_name(p.source)), None)
    if card is None:
        return found
    more = search(retriever, query, DESCRIBED_K, lang, notices, max_per_doc=None)
    # the card's sections found anyway come first, also those found below the first ten (which would be cut off)
    own = [*(p for p in found if p.doc_id == card.doc_id), *(p for p in more if p.doc_id == card.doc_id)]
    sections = list({p.key: p for p in own}.values())[:PER_DOCUMENT]
    others = [p for p in found if p.doc_id != card.doc_id]
    at = sum(1 for p in found[: found.index(card)] if p.doc_id != card.doc_id)
    return [*others[:at], *sections, *others[at:]]


def plan_answer(
    catalog: Catalog, question: Question, state: IntakeState, lang: str, retriever: Retriever | None
) -> AnswerPlan:
    """The answer to one question from the first source that has it."""
    if question.source in (RULES, CATALOG) and question.kind == "explain":
        return _explain(question, state, lang, retriever)
    rec = state.recommendation
    if question.kind == "stage":
        return AnswerPlan(
            CATALOG, "stage", question.text, text=stage_text(lang, parse_stage(question.terms[0]), catalog)
        )
    if question.kind == "tool":
        plan = AnswerPlan(CATALOG, "tool", question.text, text=tool_text(lang, catalog))
        studies = catalog.source.get("studies")
        if studies:  # the review's own words for what it rests on, cited
            query = f"review evidence base {studies} studies language models clinical sub-tasks"
            plan.passages = retrieve(retriever, query, [f"{studies} studies"], lang, plan.notices)[:1]
        return _with_evidence(plan, lang, retriever)
    if question.kind == "starred" and rec is not None:
        if rec.status == "need_more_info":  # no list yet
            return AnswerPlan(RULES, "starred", question.text, text=t(lang, "why_not_no_rec"))
        text = blocks(starred_text(lang, rec), explain_text(lang, rec.stage, ["star"]))
        return AnswerPlan(RULES, "starred", question.text, text=text)
    if question.kind == "count" and rec is not None:
        if rec.status == "need_more_info":  # no list yet to count
            return AnswerPlan(RULES, "count", question.text, text=t(lang, "why_not_no_rec"))
        missing = t(lang, "no_such_row", position=question.terms[0]) if question.terms else ""
        return AnswerPlan(RULES, "count", question.text, text=f"{missing} {count_text(lang, rec)}".strip())
    if question.kind == "my_stage" and rec is not None:
        return AnswerPlan(RULES, "my_stage", question.text, text=t(lang, "my_stage", stage=rec.stage,
                                                                   title=stage_title(lang, rec.stage)))  # fmt: skip
    if question.kind == "left_out" and rec is not None:
        if rec.status == "need_more_info":  # no list yet, so nothing was left off it
            return AnswerPlan(RULES, "left_out", question.text, text=t(lang, "why_not_no_rec"))
        return AnswerPlan(RULES, "left_out", question.text, text=left_out_text(lang, catalog, rec))
    if question.kind == "own_hardware" and rec is not None:
        return AnswerPlan(RULES, "own_hardware", question.text, text=own_hardware_text(lang, rec))
    if question.kind == "gpu_prices":
        text = gpu_prices_text(lang, catalog, cheapest_first=question.terms == ("cheapest",))
        return AnswerPlan(CATALOG, "gpu_prices", question.text, text=text)
    if question.kind == "gpu" and question.gpu is not None:
        per_month = asks_per_month(question.text)
        gpus = question.gpus or (question.gpu,)  # "an RTX A6000 and an A40: what does each cost?" answers both
        text = "\n".join(gpu_facts_text(lang, catalog, gpu, per_month=per_month) for gpu in gpus)
        return AnswerPlan(CATALOG, "gpu", question.text, text=text)
    if question.source in (RULES, CATALOG):
        if question.model is None and question.kind == "why_not":
            named = after_why_not(question.text)
            text = t(lang, "why_not_unknown_model", name=named) if named else t(lang, "why_not_no_model")
            return AnswerPlan(RULES, "why_not", question.text, text=text)
        if question.model is None:
            example = (
                state.recommendation.matches[0].label
                if state.recommendation and state.recommendation.matches
                else "GPT-4"
            )
            return AnswerPlan(
                question.source, question.kind, question.text, text=t(lang, "unknown_model", example=example)
            )
        return _about_model(catalog, question, question.model, state, lang, retriever)
    model = None if question.sizing_model else question.model or _top(catalog, state, question)
    if question.source == SIZING and model is None and not question.sizing_model and points_at_the_list(question.text):
        # "the first model" of a list that holds none (every model covering the task is API-only): say so
        return AnswerPlan(SIZING, "sizing", question.text, text=t(lang, "sizing_no_list", example="Llama 3 8B"))
    if question.source == SIZING and catalog.sizing_facts is not None and (model or question.sizing_model):
        rec = state.recommendation
        example = rec.matches[0].label if rec and rec.matches else "Llama 3 8B"
        # the message's statements (or the question this one goes on from) say users, context, precision
        text = sizing_answer(
            lang, catalog, question.text, model, state.situation, example,
            named=question.sizing_model, context=question.context,
        )  # fmt: skip
        return AnswerPlan(SIZING, "sizing", question.text, text=text)
    # a memory question about no model in particular, before any recommendation: the literature may say
    # a question that points back at the message's statements is read together with them ("Is that true?")
    text = f"{question.about} {question.text}" if question.about else question.text
    plan = AnswerPlan("retrieval", "literature", text, asked=question)
    plan.passages = literature_passages(retriever, question, lang, plan.notices)
    return plan


# a parameter count as people write it: "124B", "8x7B", "70 B", "1.5b"
_PARAMETER_COUNT = re.compile(r"\b(\d+(?:[.,]\d+)?)\s?b\b")


def _top(catalog: Catalog, state: IntakeState, question: Question | None = None) -> Model | None:
    """The recommendation's first model (the one "the top model" means), if any; None when the question names
    a size that model does not have ("that big Pixtral, the 124B version": a model the catalog lacks)."""
    rec = state.recommendation
    shown = (rec.matches or rec.partial_matches) if rec else ()
    model = catalog.model(shown[0].id) if shown else None
    if model is not None and question is not None:
        asked = _parameter_counts(f"{question.context} {question.text}")
        if asked and not asked & _parameter_counts(f"{model.name} {model.label}"):
            return None
    return model


def _parameter_counts(text: str) -> set[str]:
    """The parameter counts a text names, as numbers written with a dot ("124", "1.5")."""
    return {m.group(1).replace(",", ".") for m in _PARAMETER_COUNT.finditer(normalize(text))}


def hypothetical_answers(clause: str, stage: str, backend: ChatBackend | None) -> dict[str, bool]:
    """The answers a supposed change states, read by the same intake reader as any message."""
    statement = clause.strip(" .?")
    if not statement:
        return {}
    return dict(extract(statement, stage=stage, backend=backend).answers)


def plan_what_if(
    catalog: Catalog,
    clause: str,
    state: IntakeState,
    lang: str,
    backend: ChatBackend | None,
    previous: str = "",
    message: str = "",
) -> AnswerPlan:
    """The recommendation as it would be with the supposed answers and situation (nothing changes for real);
    ``previous``: the question before, which a what-if that asks an amount of "it" goes on from; ``message``:
    the whole message, whose other sentences may say what the what-if asks ("Total GPU memory, please.")."""
    plan = AnswerPlan(RULES, "what_if", clause)
    rec = state.recommendation
    if rec is None or rec.status == "need_more_info" or state.stage is None:
        plan.text = t(lang, "what_if_no_rec")
        return plan
    rest = normalize(message).replace(normalize(clause), " ") if message else ""
    asked = bool(_ASKS_HOW_MUCH.search(normalize(clause)) or _MEMORY_ASKED.search(rest))
    if asked and (sized_model := _sized_in_the_clause(catalog, clause, state, lang, previous)) is not None:
        return sized_model
    supposed = hypothetical_answers(clause, state.stage, backend)
    changes = {q: v for q, v in supposed.items() if rec.answers.get(q) != v and q in question_ids(state.stage)}
    facts = catalog.sizing_facts
    hardware = read_situation(clause, facts.gpus if facts is not None else ()) if clause.strip() else Situation()
    # a workload alone ("1,000 reports a day") changes no memory figure: the table would say nothing new
    sized = hardware.gpus is not None or hardware.users is not None or hardware.context_tokens is not None
    if not changes and not sized:
        plan.text = t(lang, "what_if_unknown")
        return plan
    situation = (state.situation or Situation()).updated(hardware)
    after = recommend(catalog, state.stage, {**state.values, **changes}, situation=situation)
    parts = [what_if_block(lang, changes, rec, after)] if changes else []
    if (costs := _gpu_costs(lang, catalog, clause, hardware)) is not None:
        parts.insert(0, costs)  # "what if we rent a single H100, what's that per month?": the price first
    if sized:
        plan.source = SIZING
        shown = (after.matches or after.partial_matches)[:WHAT_IF_SIZED]
        lines = "\n".join(f"- {m.label}: {to_run_cell(lang, m)}" for m in shown)
        parts.append(t(lang, "what_if_hardware", hardware=_situation_words(lang, hardware)) + "\n" + lines)
    plan.text = blocks(*parts)
    plan.notices.append(t(lang, "notice_hypothetical"))
    return plan


def _sized_in_the_clause(
    catalog: Catalog, clause: str, state: IntakeState, lang: str, previous: str = ""
) -> AnswerPlan | None:
    """The calculator's answer when the what-if, which asks an amount, names a model ("if we ran Llama 2 70B in
    8-bit for 20 nurses on A100 80GB cards, how many cards?") or the question before it named one ("And if we
    fine-tuned all of its weights, how much memory?"), rather than the top models' fit."""
    if catalog.sizing_facts is None:
        return None
    question = read_question(catalog, clause, state.recommendation, previous=previous)
    if question.source != SIZING or (question.model is None and question.sizing_model is None):
        return None
    model = None if question.sizing_model else question.model
    rec = state.recommendation
    example = rec.matches[0].label if rec and rec.matches else "Llama 3 8B"
    text = sizing_answer(lang, catalog, clause, model, state.situation, example, named=question.sizing_model,
                         context=question.context)  # fmt: skip
    plan = AnswerPlan(SIZING, "what_if", clause, text=text)
    plan.notices.append(t(lang, "notice_hypothetical"))
    return plan


def _gpu_costs(lang: str, catalog: Catalog, clause: str, hardware: Situation) -> str | None:
    """The rent and purchase price of the GPUs a what-if supposes, when it asks what they cost."""
    facts = catalog.sizing_facts
    if facts is None or hardware.gpus is None or not ASPECTS["price"].search(normalize(clause)):
        return None
    gpu = next((g for g in facts.gpus if g.key == hardware.gpus.key), None)
    lines = gpu_cost_lines(lang, catalog, gpu, hardware.gpus.count or 1) if gpu is not None else []
    return "\n".join(f"- {line}" for line in lines) or None


def _situation_words(lang: str, situation: Situation) -> str:
    """What a supposed situation says, briefly ("4 x L40S, 30 users")."""
    words = []
    if situation.gpus is not None:
        count = f"{situation.gpus.count} x " if situation.gpus.count else ""
        words.append(count + short_gpu(situation.gpus.name))
    if situation.users is not None:
        words.append(t(lang, "what_if_users", users=situation.users))
    if situation.context_tokens is not None:
        words.append(t(lang, "what_if_context", context=f"{situation.context_tokens:,}"))
    return ", ".join(words) or "-"
