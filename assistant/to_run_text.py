"""The "to run it" words of a reply, in the user's language: the table cell, its note, newer models.

Every figure comes from the recommendation's ``to_run`` (``assistant.sizing``); these functions only add
words around them.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.i18n import t, t_count
from assistant.recommendation import ModelResult, Recommendation
from assistant.sizing import ToRun


def short_gpu(name: str) -> str:
    """A GPU's name without the maker ("A100 80GB (SXM)")."""
    return name.removeprefix("NVIDIA ").removeprefix("GeForce ").removeprefix("AMD ")


def fit_text(lang: str, run: ToRun) -> str:
    """Whether the model fits the user's GPUs, at 16 or only at 4 bits ("" when their count is unknown)."""
    plan = run.fp16.gpu
    if plan is None or plan.count_available is None:
        return ""
    values = {"have": plan.count_available, "gpu": short_gpu(plan.name)}
    if run.fp16.fits:
        return t(lang, "to_run_fits", **values)
    if run.int4.fits:
        return t(lang, "to_run_fits_4bit", **values)
    return t(lang, "to_run_no_fit", **values)


def to_run_cell(lang: str, model: ModelResult) -> str:
    """Memory at 16 and 4 bits, GPUs of one type needed, and the fit against the user's GPUs."""
    run = model.to_run
    if run is None:
        if model.access == "API":
            return t(lang, "to_run_api")
        cell = t(lang, "to_run_unknown") if model.resources.estimate is None else "-"
        # a row without a size still has its family's architecture ("BERT": an encoder)
        return f"{cell}; {t(lang, 'cannot_write')}" if model.can_generate_text is False else cell
    parts = [t(lang, "to_run_sizes", gb16=f"{run.fp16.total_gb:g}", gb4=f"{run.int4.total_gb:g}")]
    if run.fp16.gpu is not None and run.int4.gpu is not None:
        gpu = short_gpu(run.fp16.gpu.name)
        parts.append(t(lang, "to_run_gpus", n16=run.fp16.gpu.count_needed, gpu=gpu, n4=run.int4.gpu.count_needed))
    fit = fit_text(lang, run)
    if fit:
        parts.append(f"**{fit}**")
    if run.fp16.context < run.requested_context:
        parts.append(t(lang, "to_run_capped", context=f"{run.fp16.context:,}"))
    if model.can_generate_text is False:
        parts.append(t(lang, "cannot_write"))
    return "; ".join(parts)


def to_run_note(lang: str, models: Sequence[ModelResult]) -> str:
    """What the "to run it" column counts, for which situation, on which GPUs ("" when nothing is sized)."""
    run = next((m.to_run for m in models if m.to_run is not None), None)
    if run is None or run.fp16.gpu is None:
        return ""
    plan = run.fp16.gpu
    gpu = short_gpu(plan.name)
    if run.reference_gpu:
        where = t(lang, "to_run_reference")
    elif plan.count_available is not None:
        where = t(lang, "to_run_yours", have=plan.count_available, gpu=gpu)
    else:
        where = t(lang, "to_run_your_type")
    return t_count(lang, "to_run_note", run.fp16.users, context=f"{run.requested_context:,}", gpu=gpu, where=where)


def newer_models_block(lang: str, rec: Recommendation) -> str:
    """Newer open-weight models, apart from the ranking and labelled as outside the review's evidence."""
    if not rec.newer_models:
        return ""
    lines = []
    for entry in rec.newer_models:
        arch, run = entry.arch, entry.to_run
        licence = arch.licence if arch.licence_settled else t(lang, "licence_to_check", licence=arch.licence)
        sizes = t(lang, "to_run_sizes", gb16=f"{run.fp16.total_gb:g}", gb4=f"{run.int4.total_gb:g}")
        gpus = ""
        if run.fp16.gpu is not None and run.int4.gpu is not None:
            gpus = t(
                lang,
                "to_run_gpus",
                n16=run.fp16.gpu.count_needed,
                gpu=short_gpu(run.fp16.gpu.name),
                n4=run.int4.gpu.count_needed,
            )
        fit = fit_text(lang, run)
        line = t(
            lang,
            "newer_line",
            name=arch.name,
            released=arch.released or "?",
            licence=licence,
            sizes=sizes,
            gpus=gpus,
            fit=f"; {fit}" if fit else "",
        )
        if arch.medical_figures:
            line += "; " + t(lang, "newer_figures", figures=arch.medical_figures)
        lines.append(f"- {line}")
    return f"### {t(lang, 'newer_heading')}\n{t(lang, 'newer_label')}\n\n" + "\n".join(lines)
