"""Templated Markdown blocks of a reply, in the user's language: what was understood, questions, the
recommendation table, what-if differences, why-not, study usage, explanations and evidence.

Every figure comes from the Recommendation or the catalog; these functions only add words around them.
Question ids appear in backticks after each question (``(`data_sharing`)``), the convention by which the
extraction attributes a following "yes" or "no" to the question asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.catalog import Catalog, Column, Model, Usage
from assistant.evidence import Passage
from assistant.i18n import (
    explanation,
    question_text,
    stage_roles,
    stage_title,
    t,
    t_count,
    task_name,
    yes_no,
)
from assistant.intake import selected_tasks
from assistant.questionnaire import DEPLOY_LOCAL, STAGE_IDS, columns_for, stage_info, task_scopes
from assistant.recommendation import Exclusion, ModelResult, PhaseResources, Recommendation
from assistant.render import money
from assistant.resources import model_resources
from assistant.rules import access_block, architecture_type, column_allowed, recommend
from assistant.sanitize import safe_url
from assistant.sizing import HOURS_PER_MONTH, Prices, SizingRequest, monthly_cost
from assistant.sizing_facts import GpuType
from assistant.to_run_text import newer_models_block, short_gpu, to_run_cell, to_run_note

TABLE_LIMIT = 10
TERM_TITLES = {
    "qlora": "QLoRA",
    "gpu": "GPU",
    "tdp": "TDP (thermal design power)",
    "api model": "API model",
    "rag": "RAG (retrieval-augmented generation)",
}
EXCERPT_CHARS = 240


def understood_block(lang: str, stage: str | None, answers: Mapping[str, bool | None], clicked: set[str]) -> str:
    """One short list of the stage and the known answers."""
    lines = []
    if stage:
        lines.append("- " + t(lang, "understood_stage", stage=stage, title=stage_title(lang, stage)))
    for qid, value in answers.items():
        if value is None:
            continue
        mark = f" ({t(lang, 'clicked')})" if qid in clicked else ""
        lines.append(f"- {task_name(lang, qid)}: {yes_no(lang, value)}{mark}")
    if not lines:
        lines.append("- " + t(lang, "understood_nothing"))
    return t(lang, "understood") + "\n" + "\n".join(lines)


def _question(lang: str, stage: str, question_id: str, doubts: Mapping[str, str]) -> str:
    """A question's text; when the two readers read the user's words both ways, those words come first."""
    text = question_text(lang, stage, question_id)
    quote = doubts.get(question_id)
    return t(lang, "ask_disagreement", quote=quote, question=text) if quote else text


def question_lines(lang: str, stage: str, question_ids: Sequence[str], doubts: Mapping[str, str] | None = None) -> str:
    """Numbered questions, each followed by its id in backticks (``doubts``: id -> the words read both ways)."""
    doubts = doubts or {}
    return "\n".join(f"{n}. {_question(lang, stage, q, doubts)} (`{q}`)" for n, q in enumerate(question_ids, start=1))


def ask_block(lang: str, stage: str, question_ids: Sequence[str], doubts: Mapping[str, str] | None = None) -> str:
    """The questions still needed before a recommendation, and how to answer them."""
    return f"{t(lang, 'ask_more')}\n\n{question_lines(lang, stage, question_ids, doubts)}\n\n{t(lang, 'ask_hint')}"


def ask_tasks_block(lang: str, stage: str, task_ids: Sequence[str], doubts: Mapping[str, str] | None = None) -> str:
    """The stage's task questions, as one choice."""
    lines = "\n".join(f"- {_question(lang, stage, q, doubts or {})} (`{q}`)" for q in task_ids)
    return f"{t(lang, 'ask_tasks')}\n\n{lines}\n\n{t(lang, 'ask_hint')}"


def stage_prompt(lang: str) -> str:
    """The question for the stage, listing the five stages with example roles."""
    lines = "\n".join(
        "- " + t(lang, "stage_line", stage=s, title=stage_title(lang, s), roles=stage_roles(lang, s)) for s in STAGE_IDS
    )
    return f"{t(lang, 'ask_stage')} (`stage`)\n\n{lines}"


def multi_stage_prompt(lang: str, stages: Sequence[str]) -> str:
    """The need spans stages: one recommendation per stage; which first?"""
    lines = "\n".join(
        "- " + t(lang, "stage_line", stage=s, title=stage_title(lang, s), roles=stage_roles(lang, s)) for s in stages
    )
    return f"{t(lang, 'multi_stage', stages=', '.join(stages))} (`stage`)\n\n{lines}"


def phase_texts(lang: str, phase: PhaseResources) -> tuple[str, str, str]:
    """One phase's (hardware, power, price) as studies reported them: "2 x A100, 160 GB in all", "800 W"..."""
    gpu = phase.gpu_type or t(lang, "gpu_unknown")
    memory = f", {t(lang, 'in_all', gb=f'{phase.memory_gb_total:g}')}" if phase.memory_gb_total else ""
    power = f"{phase.power_w_total:,.0f} W" if phase.power_w_total is not None else "-"
    prices = []
    if phase.purchase_usd_total is not None:
        prices.append(t(lang, "to_buy", money=money(phase.purchase_usd_total)))
    if phase.cloud_usd_per_hour is not None:
        prices.append(t(lang, "to_rent", money=money(phase.cloud_usd_per_hour)))
    return f"{phase.gpu_count} x {gpu}{memory}", power, "; ".join(prices) or "-"


def _phase_cells(lang: str, model: ModelResult) -> tuple[str, str, str]:
    """(GPUs, power, price) for inference, else fine-tuning, else pre-training; else the memory estimate."""
    for name in ("inference", "fine_tuning", "pre_training"):
        phase = model.resources.phases.get(name)
        if phase is not None:
            hardware, power, price = phase_texts(lang, phase)
            return f"{t(lang, 'phase_' + name)}: {hardware}", power, price
    if model.to_run is not None:
        return t(lang, "none_reported"), "-", "-"  # what it takes to run is in its own column
    estimate = model.resources.estimate
    if estimate is not None:
        bound = t(lang, "up_to" if estimate.upper_bound else "about")
        cell = t(lang, "estimate_cell", bound=bound, fp16=f"{estimate.fp16_gb:g}", int4=f"{estimate.int4_gb:g}")
        return cell, "-", "-"
    return t(lang, "no_hardware"), "-", "-"


def _api_cell(lang: str, model: ModelResult) -> str:
    api = model.resources.api
    if api is None:
        return "-"
    if api.usd_per_1k_input_tokens is None:
        return api.note or "-"
    out = money(api.usd_per_1k_output_tokens or 0)
    return t(lang, "api_cell", inp=money(api.usd_per_1k_input_tokens), out=out, date=api.as_of)


def models_table(lang: str, models: Sequence[ModelResult], *, partial: bool = False) -> str:
    """A Markdown table: model, star, studies (best), access, to run it, reported hardware, power, price, API."""
    cols = ["#", t(lang, "col_model")]
    cols += [t(lang, "col_covers"), t(lang, "col_lacks")] if partial else [t(lang, "col_star")]
    keys = ("col_studies", "col_access", "col_to_run", "col_reported", "col_power", "col_price", "col_api")
    cols += [t(lang, k) for k in keys]
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for n, m in enumerate(models, start=1):
        gpus, power, price = _phase_cells(lang, m)
        cells = [str(n), m.label]
        if partial:
            cells += [", ".join(task_name(lang, c) for c in m.covers), ", ".join(task_name(lang, c) for c in m.lacks)]
        else:
            cells.append("*" if m.star else "")
        cells += [f"{m.studies} ({m.best})", m.access, to_run_cell(lang, m), gpus, power, price, _api_cell(lang, m)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def exclusion_reason(lang: str, exclusion_reason: str, answers: Mapping[str, bool | None]) -> str:
    """Why a constraint removes a model, in ``lang``."""
    return t(
        lang,
        "reason_" + exclusion_reason,
        sharing=yes_no(lang, answers.get("data_sharing")),
        local=yes_no(lang, answers.get(DEPLOY_LOCAL)),
    )


def _exclusion_line(lang: str, e: Exclusion, answers: Mapping[str, bool | None]) -> str:
    label = f"{e.name}-{e.size}" if e.size else e.name
    strength = t(lang, "strong_star" if e.detail.startswith("is reported best") else "strong_cover")
    return f"- {label}: {strength} {exclusion_reason(lang, e.reason, answers)}"


def reasons_block(lang: str, rec: Recommendation) -> str:
    """Why these models: the tasks, the modality filter, access and the price basis."""
    answers = rec.answers
    selected = [q for q in (s.question_id for s in task_scopes(rec.stage)) if answers.get(q) is True]
    lines = [t(lang, "why_tasks", tasks=", ".join(task_name(lang, q) for q in selected))]
    if answers.get("input_text_only") is True:
        lines.append(t(lang, "why_modality_text"))
    if answers.get("output_text_only") is True:
        lines.append(t(lang, "why_modality_out"))
    if answers.get("data_sharing") is True and answers.get(DEPLOY_LOCAL) is False:
        lines.append(t(lang, "why_api_allowed"))
    else:
        sharing, local = yes_no(lang, answers.get("data_sharing")), yes_no(lang, answers.get(DEPLOY_LOCAL))
        lines.append(t(lang, "why_api_left_out", sharing=sharing, local=local))
    lines.append(t(lang, "why_restricted"))
    price_key = {True: "why_prices_local", False: "why_prices_cloud", None: "why_prices_both"}[
        answers.get(DEPLOY_LOCAL)
    ]
    lines.append(t(lang, price_key))
    return f"### {t(lang, 'why_heading')}\n" + "\n".join(f"- {line}" for line in lines)


def recommendation_heading(lang: str, rec: Recommendation) -> str:
    """The recommendation's heading: stage and title."""
    return f"## {t(lang, 'rec_heading', stage=rec.stage, title=stage_title(lang, rec.stage))}"


def recommendation_status(lang: str, rec: Recommendation) -> str:
    """One or two sentences: how many models match, and the top-ranked one."""
    if rec.matches:
        count = t_count(lang, "status_recommended", len(rec.matches))
        return count + " " + t(lang, "top_pick", model=rec.matches[0].label)
    # with no partial match either, there are no closest ones to promise
    return t(lang, "status_partial" if rec.partial_matches else "status_none")


def recommendation_block(lang: str, rec: Recommendation, *, limit: int = TABLE_LIMIT) -> str:
    """The recommendation's body: table, notes, reasons and exclusions (heading and status apart)."""
    parts = []
    shown = rec.matches[:limit] or rec.partial_matches[:limit]
    if rec.matches:
        parts.append(models_table(lang, rec.matches[:limit]))
        if len(rec.matches) > limit:
            parts.append(t(lang, "more_matches", n=len(rec.matches) - limit))
        parts.append(t(lang, "star_note") + "\n" + t(lang, "studies_note"))
    elif rec.partial_matches:
        parts.append(models_table(lang, rec.partial_matches[:limit], partial=True))
        parts.append(t(lang, "studies_note"))
    note = to_run_note(lang, shown)
    if note:
        parts.append(note)
    parts.append(reasons_block(lang, rec))
    if rec.excluded:
        lines = "\n".join(_exclusion_line(lang, e, rec.answers) for e in rec.excluded)
        parts.append(f"### {t(lang, 'excluded_heading')}\n{lines}")
    newer = newer_models_block(lang, rec)
    if newer:
        parts.append(newer)
    return "\n\n".join(parts)


def open_questions_block(
    lang: str, stage: str, missing: Sequence[str], *, shown: int = 3, doubts: Mapping[str, str] | None = None
) -> str:
    """The questions still open under a recommendation: the first few in full (doubted ones first), the rest by id."""
    if not missing:
        return ""
    doubts = doubts or {}
    missing = sorted(missing, key=lambda q: q not in doubts)  # stable: otherwise the asking order
    text = f"### {t(lang, 'open_heading')}\n{question_lines(lang, stage, missing[:shown], doubts)}"
    rest = missing[shown:]
    if rest:
        # Plain ids here: the extraction attributes a bare "yes" to the last id in backticks.
        text += "\n\n" + t(lang, "open_more", n=len(rest), ids=", ".join(rest))
    return text


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a passage on one line, cut at a word boundary."""
    flat = re.sub(r"\s+", " ", re.sub(r"^[#>*\-\s]+", "", text, flags=re.MULTILINE)).strip()
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def evidence_block(lang: str, passages: Sequence[Passage], quotes: Sequence[str] = ()) -> str:
    """Numbered evidence lines: the passage's title and an excerpt (its ``quotes`` entry, else its start), each
    with its [n]."""
    if not passages:
        return ""
    lines = []
    for n, p in enumerate(passages, start=1):
        year = f" ({p.year})" if p.year else ""
        quoted = quotes[n - 1] if n <= len(quotes) else p.text
        lines.append(f'- {p.title}{year}: "{excerpt(quoted)}" [{n}]')
    return f"### {t(lang, 'evidence_heading')}\n" + "\n".join(lines)


def what_if_block(
    lang: str,
    changes: Mapping[str, bool],
    before: Recommendation,
    after: Recommendation,
) -> str:
    """What changes in the recommendation if some answers were different (hypothetically)."""
    said = ", ".join(f"{task_name(lang, q)} = {yes_no(lang, v)}" for q, v in changes.items())
    lines = [t(lang, "what_if_heading", changes=said)]
    old = [m.label for m in (before.matches or before.partial_matches)]
    new = [m.label for m in (after.matches or after.partial_matches)]
    added = [m for m in new if m not in old]
    removed = [m for m in old if m not in new]
    if before.status != after.status:
        lines.append(
            t(
                lang,
                "what_if_status",
                old=t(lang, "status_name_" + before.status),
                new=t(lang, "status_name_" + after.status),
            )
        )
    if added:
        lines.append(t(lang, "what_if_added", models=_names(added)))
    if removed:
        lines.append(t(lang, "what_if_removed", models=_names(removed)))
    if not added and not removed:
        lines.append(t(lang, "what_if_same"))
    old_local, new_local = before.answers.get(DEPLOY_LOCAL), after.answers.get(DEPLOY_LOCAL)
    if old_local is not False and new_local is False:
        lines.append(t(lang, "what_if_to_rental"))
    elif old_local is not True and new_local is True:
        lines.append(t(lang, "what_if_to_purchase"))
    text = "\n".join(f"- {line}" if i else line for i, line in enumerate(lines))
    shown = after.matches[:5] or after.partial_matches[:5]
    if shown:
        text += "\n\n" + models_table(lang, shown, partial=not after.matches)
    return text


def _names(labels: Sequence[str], limit: int = 10) -> str:
    more = len(labels) - limit
    return ", ".join(labels[:limit]) + (f" (+{more})" if more > 0 else "")


def why_not_text(lang: str, catalog: Catalog, rec: Recommendation, model: Model) -> str:
    """Why a model is (not) in the recommendation, from the ranking, the exclusions, access and coverage."""
    label = model.label
    for rank, m in enumerate(rec.matches, start=1):
        if m.id == model.id:
            star = t(lang, "why_not_star") if m.star else ""
            text = t(lang, "why_not_recommended", model=label, rank=rank, total=len(rec.matches), star=star)
            text += t(lang, "rank_evidence", studies=m.studies, best=m.best)
            tied = [
                o.label
                for o in rec.matches
                if o.id != m.id and (o.star, o.studies, o.best) == (m.star, m.studies, m.best)
            ]
            if tied:
                text += " " + t(lang, "rank_tie", others=_names(tied, limit=5))
            best_at = _best_at(catalog, rec, model)
            if best_at:  # what earned its best reports (and its star): "why does Flan-T5 have a star?"
                text += " " + t(lang, "why_best_at", subtasks=", ".join(best_at))
            else:  # "for which discharge task did the studies use it?": the sub-tasks its evidence comes from
                used_for = _used_for(catalog, rec, model)
                if used_for:
                    text += " " + t(lang, "why_used_for", subtasks=", ".join(used_for))
            if m.can_generate_text is False:
                text += " " + t(lang, "can_write_encoder", model=label)
            return f"{text} {t(lang, 'rank_rule')}"
    for m in rec.partial_matches:
        if m.id == model.id:
            covers = ", ".join(task_name(lang, c) for c in m.covers)
            lacks = ", ".join(task_name(lang, c) for c in m.lacks)
            return t(lang, "why_not_partial", model=label, covers=covers, lacks=lacks)
    answers = rec.answers
    block = access_block(model, answers)
    uncovered = _uncovered_tasks(catalog, rec, model)
    lines = []
    if block and not uncovered:
        lines.append(t(lang, "why_not_excluded", model=label, reason=exclusion_reason(lang, block, answers)))
    elif block:
        lines.append(t(lang, "why_not_access", model=label, reason=exclusion_reason(lang, block, answers)))
    if uncovered:
        tasks = ", ".join(task_name(lang, q) for q in uncovered)
        lines.append(t(lang, "why_not_coverage", model=label, tasks=tasks, stage=rec.stage))
        if set(uncovered) >= set(selected_tasks(rec)) and (elsewhere := _used_elsewhere(catalog, model)):
            # "RadFM is a radiology model, why isn't it on my list?": what the studies did use it for
            lines.append(t(lang, "why_not_used_elsewhere", subtasks="; ".join(elsewhere)))
    if block in ("needs_data_sharing", "needs_cloud"):
        lines.append(t(lang, "why_not_api_fix"))
    if not lines:
        lines.append(t(lang, "why_not_ranked_low", model=label))
    return " ".join(lines)


def _best_at(catalog: Catalog, rec: Recommendation, model: Model) -> list[str]:
    """The sub-tasks of the selected tasks (within the modality answers) where studies reported the model best."""
    found = [
        f"{c.subtask} (stage {c.stage}, {u.best} of {u.studies})" for c, u in _evidence(catalog, rec, model) if u.best
    ]
    return list(dict.fromkeys(found))  # a sub-task in two modality columns with the same counts, once


def _used_for(catalog: Catalog, rec: Recommendation, model: Model) -> list[str]:
    """The sub-tasks of the selected tasks (within the modality answers) where studies used the model."""
    found = [f"{c.subtask} (stage {c.stage}, {u.studies})" for c, u in _evidence(catalog, rec, model) if u.studies]
    return list(dict.fromkeys(found))


def _used_elsewhere(catalog: Catalog, model: Model, limit: int = 4) -> list[str]:
    """Where the studies used a model that covers none of the selected tasks, most used first, with each sub-task's
    stage, input and output ("Report generation (II, image (3D) + optional text -> text, 4)")."""
    used = [(c, u) for c in catalog.columns if (u := model.usage.get(c.id)) is not None and u.studies]
    used.sort(key=lambda cu: -cu[1].studies)
    found = []
    for column, usage in used:
        found.append(f"{column.subtask} ({column.stage}, {_inputs(column)} -> {column.output}, {usage.studies})")
    return list(dict.fromkeys(found))[:limit]


def _inputs(column: Column) -> str:
    """What a sub-task column takes in, as the review writes it ("image (3D) + text")."""
    return column.mandatory_input + (f" + {column.optional_input}" if column.optional_input else "")


def _evidence(catalog: Catalog, rec: Recommendation, model: Model) -> list[tuple[Column, Usage]]:
    """The model's usage in each sub-task column of the selected tasks that the modality answers allow."""
    return [
        (column, usage)
        for question_id in selected_tasks(rec)
        for column in columns_for(catalog, rec.stage, question_id)
        if (usage := model.usage.get(column.id)) is not None and column_allowed(column, rec.answers)
    ]


def usage_totals(model: Model) -> tuple[int, int]:
    """How often the review's studies used a model and reported it best, over all its sub-task columns."""
    return sum(u.studies for u in model.usage.values()), sum(u.best for u in model.usage.values())


def best_count_text(lang: str, models: Sequence[Model], columns: Sequence[Column] = ()) -> str:
    """How often the review's studies used each model and reported it best, the most often best first; first
    per sub-task column when the question names sub-tasks ("for the de-identification studies")."""
    per_column = [f"- {m.label}: {_column_usage(lang, m, c)}" for c in columns for m in models]
    lead = "\n".join(per_column) + "\n\n" if per_column else ""
    counts = [(m, *usage_totals(m)) for m in models]
    counts.sort(key=lambda c: c[2], reverse=True)
    lines = [
        t(lang, "best_count_line", model=m.label, best=best, used=used, share=f"{best / used:.0%}")
        if used
        else t(lang, "best_count_none", model=m.label)
        for m, used, best in counts
    ]
    return lead + "\n".join(f"- {line}" for line in lines) + "\n\n" + t(lang, "best_count_source")


def _column_usage(lang: str, model: Model, column: Column) -> str:
    usage = model.usage.get(column.id)
    used, best = (usage.studies, usage.best) if usage else (0, 0)
    return t(lang, "usage_line", stage=column.stage, task=column.task, subtask=column.subtask,
             inputs=_inputs(column), used=used, best=best)  # fmt: skip


def can_write_text(lang: str, catalog: Catalog, models: Sequence[Model]) -> str:
    """Whether each model can write text, from its architecture type in the sizing facts."""
    types = [architecture_type(catalog, model) for model in models]
    lines = []
    for model, kind in zip(models, types, strict=True):
        if kind is None:
            lines.append(t(lang, "can_write_unknown", model=model.label))
        elif kind == "encoder":
            lines.append(t(lang, "can_write_encoder", model=model.label))
        else:
            lines.append(t(lang, "can_write_yes", model=model.label, type=kind))
    if "encoder" in types:
        lines.append(t(lang, "can_write_listed"))
    return "\n".join(f"- {line}" for line in lines)


def _uncovered_tasks(catalog: Catalog, rec: Recommendation, model: Model) -> list[str]:
    """Selected tasks for which no study used the model in an allowed column."""
    out = []
    for scope in task_scopes(rec.stage):
        if rec.answers.get(scope.question_id) is not True:
            continue
        cols = [c for c in columns_for(catalog, rec.stage, scope.question_id) if column_allowed(c, rec.answers)]
        used = any((u := model.usage.get(c.id)) is not None and (u.used or u.best) for c in cols)
        if not used:
            out.append(scope.question_id)
    return out


def usage_text(lang: str, catalog: Catalog, model: Model, *, limit: int = 12) -> str:
    """Where the review's studies used a model: per column, uses and best reports."""
    size = f", {model.size}" if model.size else ""
    lines = [t(lang, "usage_heading", model=model.label, access=model.access, size=size)]
    rows = []
    for column in catalog.columns:
        usage = model.usage.get(column.id)
        if usage is None or not (usage.used or usage.best):
            continue
        inputs = _inputs(column)
        rows.append(
            t(
                lang,
                "usage_line",
                stage=column.stage,
                task=column.task,
                subtask=column.subtask,
                inputs=inputs,
                used=usage.studies,
                best=usage.best,
            )
        )
    if not rows:
        lines.append(t(lang, "usage_none"))
    else:
        lines += [f"- {r}" for r in rows[:limit]]
        if len(rows) > limit:
            lines.append("- " + t(lang, "usage_more", n=len(rows) - limit))
        lines.append(t(lang, "usage_note"))
    return "\n".join(lines)


def explain_text(lang: str, stage: str | None, terms: Sequence[str]) -> str:
    """The plain-language explanation of each term or question id named."""
    out = []
    for term in terms:
        title = task_name(lang, term) if "_" in term else TERM_TITLES.get(term, term.capitalize())
        out.append(f"**{title}**: {explanation(lang, stage, term)}")
    return "\n\n".join(out)


def model_facts_text(lang: str, catalog: Catalog, model: Model, deploy_local: bool | None, aspect: str | None) -> str:
    """What the review's data says about one model: access, the hardware, power and prices studies reported, and
    its API prices (``aspect`` "access" keeps only the first line)."""
    access_key = {"Open": "fact_access_open", "API": "fact_access_api"}.get(model.access, "fact_access_restricted")
    lines = [t(lang, access_key, model=model.label, size="")]  # the label already holds the size
    links = [f"{link.label}: {link.url}" for link in model.links if safe_url(link.url)]
    if links:  # where the review's data says the code or weights are ("is there a download link?")
        lines.append(t(lang, "fact_links", links="; ".join(links)))
    if aspect != "access":
        used, best = usage_totals(model)
        if used:  # "how many study uses does it have, and what's its API price?"
            lines.append(t(lang, "fact_usage", used=used, best=best))
        resources = model_resources(catalog, model, deploy_local)
        for name in ("inference", "fine_tuning", "pre_training"):
            phase = resources.phases.get(name)
            if phase is None:
                continue
            hardware, power, price = phase_texts(lang, phase)
            label = t(lang, "phase_" + name).capitalize()
            lines.append(t(lang, "fact_phase", phase=label, hardware=hardware, power=power, price=price))
        if all(p is None for p in resources.phases.values()):
            lines.append(t(lang, "fact_no_phase", model=model.label))
            if resources.estimate is not None:
                e = resources.estimate
                bound = t(lang, "up_to" if e.upper_bound else "about")
                estimate = t(lang, "estimate_cell", bound=bound, fp16=f"{e.fp16_gb:g}", int4=f"{e.int4_gb:g}")
                lines.append(t(lang, "fact_estimate", estimate=estimate))
        if resources.api is not None and resources.api.usd_per_1k_input_tokens is not None:
            api = resources.api
            inp, out = api.usd_per_1k_input_tokens or 0, api.usd_per_1k_output_tokens or 0
            price = t(lang, "api_cell", inp=money(inp), out=money(out), date=api.as_of)
            million = t(lang, "per_million", inp=money(round(inp * 1000, 4)), out=money(round(out * 1000, 4)))
            lines.append(t(lang, "fact_api", price=f"{price}; {million}"))
        elif resources.api is not None and resources.api.note:
            # no price per token, but the review's price table says how the service is sold ("subscription only")
            lines.append(t(lang, "fact_api_note", note=resources.api.note, date=resources.api.as_of))
        elif model.access == "API":
            lines.append(t(lang, "fact_no_api", model=model.label))
        lines.append(t(lang, "fact_prices_basis"))
    return "\n".join(f"- {line}" for line in lines) + "\n\n" + t(lang, "facts_source")


def stage_text(lang: str, stage: str, catalog: Catalog) -> str:
    """What a workflow stage covers: its title, description, example roles, the tasks asked about and the
    review's sub-tasks in it."""
    # the stages' descriptions are written in English only; the title, roles and tasks are translated
    description = stage_info(stage).description if lang == "en" else ""
    tasks = ", ".join(task_name(lang, s.question_id) for s in task_scopes(stage))
    text = t(lang, "stage_explained", stage=stage, title=stage_title(lang, stage), description=description,
             roles=stage_roles(lang, stage), tasks=tasks)  # fmt: skip
    subtasks = _subtasks_by_stage(catalog).get(stage, [])
    # (the sub-tasks keep the review's English names)
    return f"{text} {t(lang, 'stage_subtasks', n=len(subtasks), subtasks=', '.join(subtasks))}" if subtasks else text


def _subtasks_by_stage(catalog: Catalog) -> dict[str, list[str]]:
    """The review's sub-tasks of each stage, in the order of its columns, counted as the review counts them: a
    (task, sub-task) pair once, whatever input modalities its columns split it into."""
    found: dict[str, dict[tuple[str, str], str]] = {}
    for column in catalog.columns:
        found.setdefault(column.stage, {}).setdefault((column.task, column.subtask), column.subtask)
    return {stage: list(pairs.values()) for stage, pairs in found.items()}


def count_text(lang: str, rec: Recommendation) -> str:
    """How many models the recommendation holds, and which."""
    if rec.matches:
        return t_count(lang, "rec_count", len(rec.matches), models=_names([m.label for m in rec.matches]))
    return t(
        lang, "rec_count_partial", n=len(rec.partial_matches), models=_names([m.label for m in rec.partial_matches])
    )


def starred_text(lang: str, rec: Recommendation) -> str:
    """Which of the recommended models carry the best-performer star, or that none does."""
    shown = rec.matches or rec.partial_matches
    starred = [m.label for m in shown if m.star]
    if not starred:
        return t(lang, "starred_none", n=len(shown))
    return t_count(lang, "starred_some", len(starred), total=len(shown), models=_names(starred))


def own_hardware_text(lang: str, rec: Recommendation) -> str:
    """Which of the recommended models can run on the user's own hardware (public weights), and which only as
    online services ("which entries are hosted services only?" asks the other half of the same split)."""
    shown = rec.matches or rec.partial_matches
    open_models = [m.label for m in shown if m.access == "Open"]
    if not open_models:
        return t(lang, "own_hw_none", total=len(shown))
    text = t(lang, "own_hw", total=len(shown), n=len(open_models), models=_names(open_models))
    online = [m.label for m in shown if m.access == "API"]
    return f"{text} {t(lang, 'own_hw_online', models=_names(online))}" if online else text


def left_out_text(lang: str, catalog: Catalog, rec: Recommendation) -> str:
    """Every model that covers the user's tasks but that their answers keep off the list, with the reason: the
    online-only ones (run again with data shared in the cloud), then the restricted and modality ones the
    recommendation names."""
    listed = {m.id for m in (*rec.matches, *rec.partial_matches)}
    lifted = {**rec.answers, "data_sharing": True, DEPLOY_LOCAL: False}
    lines: dict[str, str] = {}
    for m in recommend(catalog, rec.stage, lifted).matches:
        model = catalog.model(m.id)
        reason = access_block(model, rec.answers) if model is not None and m.id not in listed else None
        if reason is not None:
            lines[m.id] = f"- {m.label}: {exclusion_reason(lang, reason, rec.answers)}"
    for e in rec.excluded:
        lines.setdefault(e.id, _exclusion_line(lang, e, rec.answers))
    if not lines:
        return t(lang, "left_out_none")
    return t(lang, "left_out", n=len(lines)) + "\n" + "\n".join(lines.values())


def tool_text(lang: str, catalog: Catalog) -> str:
    """What the tool rests on: the review, its size, how many rows carry hardware, the price date, the version."""
    by_stage = _subtasks_by_stage(catalog)
    subtasks = sum(len(names) for names in by_stage.values())  # the same count as the per-stage line's
    prices = ", ".join(sorted(set(catalog.prices_as_of.values())))
    source = catalog.source
    text = t(lang, "tool_facts", citation=source.get("citation", ""), studies=source.get("studies", "?"),
             models=len(catalog.models), subtasks=subtasks, prices=prices, version=catalog.version)  # fmt: skip
    with_hardware = sum(1 for m in catalog.models if m.phases)
    per_stage = ", ".join(f"{stage} {len(by_stage[stage])}" for stage in STAGE_IDS if stage in by_stage)
    return " ".join([
        text,
        t(lang, "tool_hardware", with_hardware=with_hardware, models=len(catalog.models)),
        t(lang, "tool_subtasks_per_stage", per_stage=per_stage),
    ])  # fmt: skip


def gpu_prices_text(lang: str, catalog: Catalog, *, cheapest_first: bool, limit: int = 5) -> str:
    """The catalog's GPUs by purchase price, the cheapest (or the dearest) first, with their memory."""
    priced = sorted(
        (s for s in catalog.gpus.values() if s.purchase_usd is not None),
        key=lambda s: s.purchase_usd or 0.0,
        reverse=not cheapest_first,
    )
    lines = [t(lang, "gpu_price_line", gpu=s.name, price=money(s.purchase_usd or 0.0), memory=f"{s.memory_gb:g}")
             for s in priced[:limit]]  # fmt: skip
    head = t(lang, "gpu_prices_cheapest" if cheapest_first else "gpu_prices_dearest", count=len(priced),
             date=catalog.prices_as_of.get("gpu_purchase", ""))  # fmt: skip
    return "\n".join([head, *(f"- {line}" for line in lines)])


def gpu_facts_text(lang: str, catalog: Catalog, gpu: GpuType, *, per_month: bool = False) -> str:
    """A GPU type's memory, bandwidth and power (its datasheet), and the review's purchase and rental prices;
    with ``per_month``, what one costs a month bought (amortised, with power) and rented, as the calculator
    counts it."""
    lines = [
        t(lang, "gpu_facts", gpu=gpu.name, memory=f"{gpu.memory_gb:g}", bandwidth=f"{gpu.bandwidth_gb_s:,.0f}",
          power=f"{gpu.power_w:g}", source=gpu.source)
    ]  # fmt: skip
    spec = catalog.gpus.get(gpu.catalog_name or "")
    if spec is not None and spec.purchase_usd is not None:
        power = f"{spec.tdp_w:g}" if spec.tdp_w is not None else "-"
        date = catalog.prices_as_of.get("gpu_purchase", "")
        lines.append(t(lang, "gpu_catalog", power=power, price=money(spec.purchase_usd), date=date))
    hourly = gpu_hourly_rent(catalog, gpu)
    if hourly is not None:
        lines.append(
            t(lang, "gpu_rent", price=money(hourly), date=catalog.prices_as_of.get("cloud_rental", ""),
              month=money(hourly * HOURS_PER_MONTH.value), hours=f"{HOURS_PER_MONTH.value:g}")
        )  # fmt: skip
    cost = monthly_cost("", gpu, 1, Prices.from_catalog(catalog), SizingRequest()) if per_month else None
    if cost is not None and (cost.buy is not None or cost.rent is not None):
        amounts = (("buy", cost.buy), ("rent", cost.rent))
        costs = "; ".join(t(lang, f"sizing_cost_{kind}", usd=money(usd)) for kind, usd in amounts if usd is not None)
        lines.append(t(lang, "sizing_cost", costs=costs, date=", ".join(sorted(set(cost.prices_as_of.values())))))
    return "\n".join(f"- {line}" for line in lines)


def gpu_hourly_rent(catalog: Catalog, gpu: GpuType) -> float | None:
    """The review's hourly rental price of one GPU of this type, if its rental table has one."""
    rent = next((r for r in catalog.rental_rates if r.basis == "gpu_type" and r.key == gpu.rental_key), None)
    return rent.usd_per_hour if rent is not None else None


def gpu_cost_lines(lang: str, catalog: Catalog, gpu: GpuType, count: int) -> list[str]:
    """What renting (around the clock) and buying ``count`` GPUs of a type costs, by the review's prices."""
    lines = []
    name = short_gpu(gpu.name)
    hourly = gpu_hourly_rent(catalog, gpu)
    if hourly is not None:
        lines.append(
            t(lang, "what_if_gpu_rent", count=count, gpu=name, price=money(hourly), hours=f"{HOURS_PER_MONTH.value:g}",
              month=money(count * hourly * HOURS_PER_MONTH.value), date=catalog.prices_as_of.get("cloud_rental", ""))
        )  # fmt: skip
    spec = catalog.gpus.get(gpu.catalog_name or "")
    if spec is not None and spec.purchase_usd is not None:
        lines.append(
            t(lang, "what_if_gpu_buy", count=count, gpu=name, price=money(spec.purchase_usd),
              total=money(count * spec.purchase_usd), date=catalog.prices_as_of.get("gpu_purchase", ""))
        )  # fmt: skip
    return lines
