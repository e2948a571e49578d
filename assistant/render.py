"""Markdown renderings of a Recommendation and of the questionnaire, for the CLI and templated replies.

Everything shown comes from the Recommendation itself (which comes from the catalog): the renderer adds
words around the figures, never figures of its own.
"""

from __future__ import annotations

from assistant.questionnaire import GLOSSARY, question, stage_info
from assistant.recommendation import ModelResult, PhaseResources, Recommendation
from assistant.to_run_text import newer_models_block, to_run_cell, to_run_note

PHASE_NAMES = {"inference": "inference", "fine_tuning": "fine-tuning", "pre_training": "pre-training"}
REASON_NAMES = {
    "restricted": "weights never released",
    "needs_data_sharing": "needs data sharing",
    "needs_cloud": "needs the cloud",
    "modality": "needs non-text input or output",
}
STATUS_NAMES = {
    "recommended": "models that cover every selected task",
    "no_full_match": "no model covers every selected task; the closest ones follow",
    "need_more_info": "more information is needed",
}


def money(value: float) -> str:
    """US dollars with thousands separators and cents only when present; a price below a cent keeps its
    significant digits ("$0.0015" per 1k tokens, never "$0.00")."""
    if value == int(value):
        return f"${value:,.0f}"
    if abs(value) < 1 and round(value, 2) != value:
        return f"${value:.6f}".rstrip("0")  # $0.015 per 1k tokens stays $0.015, never $0.01 or $0.02
    return f"${value:,.2f}"


def _phase_text(name: str, phase: PhaseResources) -> str:
    gpu = phase.gpu_type or "GPU of unknown type"
    memory = f", {phase.memory_gb_total:g} GB in all" if phase.memory_gb_total else ""
    return f"{PHASE_NAMES[name]}: {phase.gpu_count} x {gpu}{memory}"


def _resource_cells(model: ModelResult) -> tuple[str, str, str]:
    """(GPUs, power, price) cells for the phase that matters most: inference, else fine-tuning, else pre-training."""
    phases = model.resources.phases
    for name in ("inference", "fine_tuning", "pre_training"):
        phase = phases.get(name)
        if phase is None:
            continue
        power = f"{phase.power_w_total:,.0f} W" if phase.power_w_total is not None else "-"
        prices = []
        if phase.purchase_usd_total is not None:
            prices.append(f"{money(phase.purchase_usd_total)} to buy")
        if phase.cloud_usd_per_hour is not None:
            prices.append(f"{money(phase.cloud_usd_per_hour)}/h to rent")
        return _phase_text(name, phase), power, "; ".join(prices) or "-"
    if model.to_run is not None:
        return "none reported", "-", "-"
    estimate = model.resources.estimate
    if estimate is not None:
        bound = "up to " if estimate.upper_bound else "about "
        sizes = f"{estimate.fp16_gb:g} GB at 16-bit, {estimate.int4_gb:g} GB at 4-bit"
        gpus = f"no reported hardware; {bound}{sizes} (estimate)"
        return gpus, "-", "-"
    return "no reported hardware, size unknown", "-", "-"


def _api_cell(model: ModelResult) -> str:
    api = model.resources.api
    if api is None:
        return "-"
    if api.usd_per_1k_input_tokens is None:
        return api.note or "subscription"
    return (
        f"{money(api.usd_per_1k_input_tokens)} in / {money(api.usd_per_1k_output_tokens or 0)} out "
        f"per 1k tokens (as of {api.as_of})"
    )


def models_table(models: tuple[ModelResult, ...], *, partial: bool = False) -> str:
    """A Markdown table of models with star, evidence, access, GPUs, power and prices."""
    head = "| # | Model | Star | Studies (best) | Access | To run it | Reported hardware | Power | Price | API price |"
    if partial:
        head = (
            "| # | Model | Covers | Lacks | Studies (best) | Access | To run it | Reported hardware | Power | Price |"
        )
    rule = "|" + "---|" * (head.count("|") - 1)
    rows = [head, rule]
    for n, m in enumerate(models, start=1):
        gpus, power, price = _resource_cells(m)
        evidence = f"{m.studies} ({m.best})"
        if partial:
            rows.append(
                f"| {n} | {m.label} | {', '.join(m.covers)} | {', '.join(m.lacks)} | {evidence} | {m.access} | "
                f"{to_run_cell('en', m)} | {gpus} | {power} | {price} |"
            )
        else:
            star = "*" if m.star else ""
            rows.append(
                f"| {n} | {m.label} | {star} | {evidence} | {m.access} | {to_run_cell('en', m)} | {gpus} | {power} | "
                f"{price} | {_api_cell(m)} |"
            )
    return "\n".join(rows)


def recommendation_markdown(rec: Recommendation, *, limit: int | None = 10) -> str:
    """The whole recommendation as readable Markdown: table, reasons, exclusions, open questions, disclaimer."""
    stage = stage_info(rec.stage)
    parts = [f"## Stage {rec.stage}: {stage.title}", f"Status: {STATUS_NAMES[rec.status]}."]
    shown = rec.matches[:limit] if limit else rec.matches
    if rec.matches:
        parts.append(models_table(shown))
        if len(rec.matches) > len(shown):
            parts.append(f"({len(rec.matches) - len(shown)} more full matches not shown; use --json for all.)")
        parts.append("Star (*): " + GLOSSARY["star"])
        parts.append("Studies: " + GLOSSARY["evidence"])
    if rec.partial_matches:
        parts.append(models_table(rec.partial_matches, partial=True))
    note = to_run_note("en", shown or rec.partial_matches)
    if note:
        parts.append(note)
    if rec.excluded:
        lines = [
            f"- {e.name}{'-' + e.size if e.size else ''} ({REASON_NAMES[e.reason]}): {e.detail}" for e in rec.excluded
        ]
        parts.append("### Left out\n" + "\n".join(lines))
    if rec.missing:
        lines = [f"- {question(rec.stage, q).text} (`{q}`)" for q in rec.missing]
        parts.append("### Still open (answering these may change the result)\n" + "\n".join(lines))
    newer = newer_models_block("en", rec)
    if newer:
        parts.append(newer)
    parts.append("### How this was decided\n" + "\n".join(f"- {t.rule}: {t.detail}" for t in rec.trace))
    parts.append(f"_{rec.disclaimer}_")
    return "\n\n".join(parts) + "\n"
