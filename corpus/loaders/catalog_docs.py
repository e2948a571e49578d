"""The catalog's facts as generated documents, cited to the JMIR review they come from.

One document per model (access, studies per stage and sub-task, reported GPUs) and one per sub-task
column (which models studies used for it), so that questions such as "which models were used for
discharge summaries?" retrieve a passage whose citation is the review.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from types import MappingProxyType

from assistant.catalog import Catalog, Column, Model, Phase
from corpus.loaders.types import KIND_CATALOG, Document, Section

REVIEW_TITLE = "Implementing Large Language Models in Health Care: Clinician-Focused Review With Interactive Guideline"
REVIEW_AUTHORS = ("HongYi Li", "Jun-Fen Fu", "Andre Python")
REVIEW_YEAR = 2025
REVIEW_URL = "https://www.jmir.org/2025/1/e71916"
REVIEW_DOI = "10.2196/71916"
SOURCE = "catalog.json"

STAGE_NAMES = {
    "I": "registration and department guidance",
    "II": "pre-diagnosis and examination",
    "III": "diagnosis and treatment planning",
    "IV": "treatment and hospitalization",
    "V": "discharge and follow-up",
}
ACCESS_WORDS = {
    "Open": "open model (weights released; can run locally)",
    "API": "API model (used through a vendor's cloud service)",
    "Restricted": "restricted model (weights never released; not available to use)",
}
PHASE_NAMES = {"pre_training": "Pre-training", "fine_tuning": "Fine-tuning", "inference": "Inference"}


def modality(column: Column) -> str:
    """The column's input modality in words: "text", "image (2D) + optional text"."""
    text = column.mandatory_input
    if column.optional_input:
        text += f" + optional {column.optional_input}"
    return text


def column_label(column: Column) -> str:
    """A sub-task column in words: "Report generation (stage II, image (2D) + optional text)"."""
    return f"{column.subtask} (stage {column.stage}, {modality(column)})"


def _studies(used: int, best: int) -> int:
    # A study that reports a model best also used it; the data sometimes lists only the best count.
    return max(used, best)


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _phase_text(name: str, phase: Phase) -> str:
    parts = [f"{PHASE_NAMES.get(name, name)}: {phase.gpu_count} x {phase.gpu_type or 'unspecified GPU'}"]
    if phase.gpu_memory_gb:
        parts.append(f"{phase.gpu_memory_gb:g} GB per GPU")
    if phase.memory_gb_total:
        parts.append(f"{phase.memory_gb_total:g} GB GPU memory in total")
    if phase.power_w_total:
        parts.append(f"{phase.power_w_total:,.0f} W in total")
    if phase.purchase_usd_total:
        parts.append(f"purchase about {phase.purchase_usd_total:,.0f} USD in total")
    return ", ".join(parts)


def model_text(catalog: Catalog, model: Model) -> str:
    """The facts the catalog holds about one model, in sentences."""
    name = f"{model.name} {model.size}" if model.size else model.name
    total = sum(_studies(u.used, u.best) for u in model.usage.values())
    best = sum(u.best for u in model.usage.values())
    lines = [
        f"{name}: {ACCESS_WORDS.get(model.access, model.access)}.",
        f"In the review's data {name} was used by {_plural(total, 'study')} (counted once per sub-task column) "
        f"and reported best by {best}.",
    ]
    by_stage: dict[str, list[str]] = {}
    for column_id, usage in model.usage.items():
        column = catalog.column(column_id)
        studies = _studies(usage.used, usage.best)
        by_stage.setdefault(column.stage, []).append(
            f"{column.subtask} ({column.task.lower()}; input {modality(column)}): "
            f"used by {_plural(studies, 'study')}, reported best by {usage.best}"
        )
    for stage in STAGE_NAMES:
        if stage in by_stage:
            lines.append(f"Stage {stage} ({STAGE_NAMES[stage]}): " + "; ".join(by_stage[stage]) + ".")
    for phase_name in ("pre_training", "fine_tuning", "inference"):
        phase = model.phases.get(phase_name)
        if phase is not None:
            lines.append(f"{_phase_text(phase_name, phase)} (as reported for {name}).")
    if model.params_b and "inference" not in model.phases:
        lines.append(f"Size: about {model.params_b:g} billion parameters.")
    for link in model.links:
        lines.append(f"Link: {link.label} {link.url}")
    return "\n".join(lines)


def column_text(catalog: Catalog, column: Column) -> str:
    """Which models studies used for one sub-task column, most used first."""
    rows = [
        (_studies(u.used, u.best), u.best, m)
        for m in catalog.models
        if (u := m.usage.get(column.id)) is not None and _studies(u.used, u.best) > 0
    ]
    rows.sort(key=lambda r: (-r[0], -r[1], r[2].label.casefold()))
    head = (
        f"{column.subtask}: a {column.task.lower()} sub-task of stage {column.stage} "
        f"({STAGE_NAMES.get(column.stage, '')}); input {modality(column)}; output {column.output}."
    )
    if not rows:
        return head + "\nNo model in the review's data was used for it."
    listed = "; ".join(
        f"{m.label} ({m.access.lower()}): used by {_plural(n, 'study')}, reported best by {b}" for n, b, m in rows
    )
    return f"{head}\nModels studies used for {column.subtask.lower()} ({_plural(len(rows), 'model')}): {listed}."


def _document(doc_id: str, section: str, text: str) -> Document:
    return Document(
        doc_id=doc_id,
        kind=KIND_CATALOG,
        title=REVIEW_TITLE,
        authors=REVIEW_AUTHORS,
        year=REVIEW_YEAR,
        url=REVIEW_URL,
        source=SOURCE,
        sections=(Section(text=text, heading=section),),
        doi=REVIEW_DOI,
        extra=MappingProxyType({"venue": "Journal of Medical Internet Research 27:e71916"}),
    )


def catalog_documents(catalog: Catalog) -> Iterator[Document]:
    """One document per model, then one per sub-task column."""
    for model in catalog.models:
        name = f"{model.name} {model.size}" if model.size else model.name
        yield _document(f"catalog:model:{model.id}", f"Catalog: {name}", model_text(catalog, model))
    for column in catalog.columns:
        yield _document(f"catalog:column:{column.id}", f"Catalog: {column_label(column)}", column_text(catalog, column))


def catalog_fingerprint(catalog: Catalog) -> str:
    """A hash of the catalog's version: the generated documents change only when the catalog does."""
    return hashlib.sha256(f"{catalog.version}|{catalog.date}|{len(catalog.models)}".encode()).hexdigest()
