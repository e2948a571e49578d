"""What the chat page shows, computed from the API's JSON: the models table, the cost/power chart,
references, the questionnaire's progress, the glossary, and the Markdown and JSON exports.

Pure functions over ``recommendation/1`` and ``reply/1`` dicts (CONTRACTS.md): every figure shown comes
from the server's reply; this module only chooses words and layout. matplotlib is imported only to draw.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TABLE_HEADERS = [
    "#",
    "Model",
    "Star",
    "Evidence (studies / best)",
    "Access",
    "To run it",
    "Reported hardware (phase)",
    "Power",
    "Price",
]
PHASES = (("inference", "inference"), ("fine_tuning", "fine-tuning"), ("pre_training", "pre-training"))
STATUS_TEXT = {
    "recommended": "Models that cover every task you selected, best supported first.",
    "no_full_match": "No model covers every task you selected; the closest ones follow.",
    "need_more_info": "Tell me which tasks the model should do (answer at least one task question with yes).",
}
REASON_TEXT = {
    "restricted": "weights never released",
    "needs_data_sharing": "online API: needs data sharing",
    "needs_cloud": "online API: needs cloud use",
    "modality": "needs non-text input or output",
}
YES, NO, UNKNOWN = "yes", "no", "unknown"
# Shown until the server's own disclaimer arrives with the first reply.
DEFAULT_DISCLAIMER = (
    "Technical guidance only, not medical advice. Recommendations reflect published studies, not a validation "
    "for your setting; check models, hardware and prices with your own experts before any clinical use."
)


def money(value: float) -> str:
    """US dollars with thousands separators, cents only when present, small amounts (token prices) in full."""
    if 0 < abs(value) < 0.01:
        return f"${value:.6f}".rstrip("0")
    return f"${value:,.2f}" if value != int(value) else f"${value:,.0f}"


def model_label(model: Mapping[str, Any]) -> str:
    """The model's name with its size, as the assistant writes it (``RaDialog-7B``)."""
    size = model.get("size")
    return f"{model['name']}-{size}" if size else str(model["name"])


def main_phase(model: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The phase whose hardware matters most: inference, else fine-tuning, else pre-training."""
    resources = model.get("resources") or {}
    for key, name in PHASES:
        phase = resources.get(key)
        if phase:
            return name, phase
    return None


def short_gpu(name: str) -> str:
    """A GPU's name without the maker."""
    return name.removeprefix("NVIDIA ").removeprefix("GeForce ").removeprefix("AMD ")


def fit_text(run: Mapping[str, Any]) -> str:
    """Whether the model fits the user's GPUs (at 16 bits, or only at 4), or "" when their count is unknown."""
    gpu = run.get("gpu") or {}
    have = gpu.get("count_available")
    if have is None:
        return ""
    where = f"your {have} x {short_gpu(str(gpu.get('name')))}"
    if run.get("fits"):
        return f"✓ fits {where}"
    if (run.get("int4") or {}).get("fits"):
        return f"✓ fits {where} at 4 bits only"
    return f"✗ does not fit {where}"


def to_run_cell(model: Mapping[str, Any]) -> str:
    """Memory at 16 and 4 bits, the GPUs of one type it needs, and the fit against the user's GPUs."""
    run = model.get("to_run")
    if not run:
        if model.get("access") == "API":
            return "online API only"
        # a row without a size still has its family's architecture ("BERT": an encoder)
        return (
            "size unknown · encoder: cannot write text" if model.get("can_generate_text") is False else "size unknown"
        )
    int4 = run.get("int4") or {}
    parts = [f"16-bit {run['total_gb']:g} GB · 4-bit {int4.get('total_gb', 0):g} GB"]
    gpu = run.get("gpu")
    if gpu:
        four = (int4.get("gpu") or {}).get("count_needed", "?")
        parts.append(f"{gpu['count_needed']} x {short_gpu(str(gpu['name']))} (4-bit: {four})")
    fit = fit_text(run)
    if fit:
        parts.append(fit)
    if run.get("context") and run.get("requested_context") and run["context"] < run["requested_context"]:
        parts.append(f"at most {run['context']:,} tokens of context")
    if model.get("can_generate_text") is False:
        parts.append("encoder: cannot write text")
    return " · ".join(parts)


def gpu_cell(model: Mapping[str, Any]) -> str:
    """GPU count and type the studies reported for the main phase (labelled), or the estimate, or a dash."""
    found = main_phase(model)
    if found is not None:
        name, phase = found
        gpu = phase.get("gpu_type") or "GPU of unknown type"
        memory = f", {phase['memory_gb_total']:g} GB" if phase.get("memory_gb_total") else ""
        return f"{name}: {phase.get('gpu_count', '?')} x {gpu}{memory}"
    if model.get("to_run"):
        return "none reported"
    estimate = (model.get("resources") or {}).get("estimate")
    if estimate:
        bound = "up to" if estimate.get("upper_bound") else "about"
        return f"{bound} {estimate['fp16_gb']:g} GB at 16-bit, {estimate['int4_gb']:g} GB at 4-bit (estimate)"
    if model.get("access") == "API":
        return "vendor's servers"
    return "-"


def power_cell(model: Mapping[str, Any]) -> str:
    """Total power of the main phase in watts, or a dash."""
    found = main_phase(model)
    if found is None or found[1].get("power_w_total") is None:
        return "-"
    return f"{found[1]['power_w_total']:,.0f} W"


def price_cell(model: Mapping[str, Any]) -> str:
    """Purchase and/or rental price of the main phase, or the API's token prices, or a dash."""
    prices: list[str] = []
    found = main_phase(model)
    if found is not None:
        phase = found[1]
        if phase.get("purchase_usd_total") is not None:
            prices.append(f"{money(phase['purchase_usd_total'])} to buy")
        if phase.get("cloud_usd_per_hour") is not None:
            prices.append(f"{money(phase['cloud_usd_per_hour'])}/h to rent")
    api = (model.get("resources") or {}).get("api")
    if api and api.get("usd_per_1k_input_tokens") is not None:
        output = api.get("usd_per_1k_output_tokens") or 0
        prices.append(f"API {money(api['usd_per_1k_input_tokens'])} in / {money(output)} out per 1k tokens")
    elif api:
        prices.append(str(api.get("note") or "API (subscription)"))
    return "; ".join(prices) or "-"


def table_models(rec: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The models the table lists: full matches, or the partial ones when nothing covers every task."""
    if not rec:
        return []
    return list(rec.get("matches") or []) or list(rec.get("partial_matches") or [])


def recommendation_rows(rec: Mapping[str, Any] | None, limit: int | None = 25) -> list[list[str]]:
    """Rows of the models table (``TABLE_HEADERS``), ranked as the server ranked them."""
    rows: list[list[str]] = []
    models = table_models(rec)
    for n, model in enumerate(models[:limit] if limit else models, start=1):
        label = model_label(model)
        if model.get("lacks"):
            label += f" (lacks: {', '.join(model['lacks'])})"
        evidence = model.get("evidence") or {}
        rows.append(
            [
                str(n),
                label,
                "★" if model.get("star") else "",
                f"{evidence.get('studies', 0)} / {evidence.get('best', 0)}",
                str(model.get("access") or "-"),
                to_run_cell(model),
                gpu_cell(model),
                power_cell(model),
                price_cell(model),
            ]
        )
    return rows


def table_value(rec: Mapping[str, Any] | None) -> dict[str, Any]:
    """The models table as a Dataframe value (``headers`` and ``data``)."""
    rows = recommendation_rows(rec)
    empty = ["", "no recommendation yet"] + [""] * (len(TABLE_HEADERS) - 2)
    return {"headers": TABLE_HEADERS, "data": rows or [empty]}


@dataclass(frozen=True)
class ChartPoint:
    """One model's bar heights: its price (in the chart's unit) and total power, either possibly unknown."""

    label: str
    price: float | None
    power_w: float | None


def chart_points(rec: Mapping[str, Any] | None, limit: int = 8) -> tuple[str, list[ChartPoint]]:
    """The price unit (purchase USD, else USD per hour) and the top models that have any hardware figure."""
    phases = [(model_label(m), p[1]) for m in table_models(rec) if (p := main_phase(m)) is not None]
    buy = any(phase.get("purchase_usd_total") is not None for _, phase in phases)
    key, unit = ("purchase_usd_total", "purchase, USD") if buy else ("cloud_usd_per_hour", "cloud rental, USD/hour")
    points = [
        ChartPoint(label, phase.get(key), phase.get("power_w_total"))
        for label, phase in phases
        if phase.get(key) is not None or phase.get("power_w_total") is not None
    ]
    return unit, points[:limit]


def cost_power_figure(rec: Mapping[str, Any] | None, limit: int = 8) -> Figure | None:
    """A two-panel bar chart (price, power) of the top recommended models; None when nothing has figures."""
    unit, points = chart_points(rec, limit)
    if not points:
        return None
    from matplotlib.figure import Figure

    panels = [
        (f"Price ({unit})", [p.price for p in points], "#2f6f9f"),
        ("Power (W, all GPUs)", [p.power_w for p in points], "#c77c2b"),
    ]
    panels = [panel for panel in panels if any(v is not None for v in panel[1])]
    # Figure() directly (not pyplot): no global state, safe in the server's worker threads
    fig = Figure(figsize=(4 + 3 * len(panels), 1.2 + 0.45 * len(points)), layout="constrained")
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    labels = [p.label for p in points][::-1]
    rows = list(range(len(labels)))  # positions, not names: two catalog rows may share a label
    for ax, (title, values, color) in zip(axes, panels, strict=True):
        ax.barh(rows, [v or 0.0 for v in values][::-1], color=color)
        ax.set_yticks(rows, labels)
        known = [v for v in values if v]
        if known and max(known) / min(known) > 20:  # a log scale keeps $2,000 and $2,000,000 both readable
            ax.set_xscale("log")
            title += ", log scale"
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    return fig


@dataclass(frozen=True)
class MemoryPoint:
    """One model's memory to run at 16 and at 4 bits (GB) for the situation the server sized."""

    label: str
    gb16: float
    gb4: float


def memory_points(rec: Mapping[str, Any] | None, limit: int = 10) -> tuple[list[MemoryPoint], float | None, str]:
    """The top models' memory to run, the memory the user's GPUs offer (None when unknown), and its label."""
    points = []
    capacity: float | None = None
    label = ""
    for model in table_models(rec):
        run = model.get("to_run")
        if not run:
            continue
        points.append(
            MemoryPoint(model_label(model), float(run["total_gb"]), float((run.get("int4") or {})["total_gb"]))
        )
        gpu = run.get("gpu") or {}
        if capacity is None and gpu.get("count_available") is not None:
            # 90 % of each GPU is usable (the server's assumption, listed in the sizing's assumptions)
            capacity = gpu["count_available"] * gpu["memory_gb"] * 0.9
            label = f"your {gpu['count_available']} x {short_gpu(str(gpu['name']))}"
    return points[:limit], capacity, label


def run_memory_figure(rec: Mapping[str, Any] | None, limit: int = 10) -> Figure | None:
    """Memory to run the top models at 16 and 4 bits, on a log scale, with the user's GPU memory as a line."""
    points, capacity, label = memory_points(rec, limit)
    if not points:
        return cost_power_figure(rec)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 1.4 + 0.5 * len(points)), layout="constrained")
    ax = fig.subplots()
    rows = list(range(len(points)))[::-1]
    height = 0.38
    ax.barh([r + height / 2 for r in rows], [p.gb16 for p in points], height, label="16-bit", color="#2f6f9f")
    ax.barh([r - height / 2 for r in rows], [p.gb4 for p in points], height, label="4-bit (AWQ-class)", color="#7fb37f")
    ax.set_yticks(rows, [p.label for p in points])
    # a log scale keeps a 1 GB encoder and a 1,000 GB model readable in one chart
    ax.set_xscale("log")
    ax.set_xlabel("GB to run (weights + KV cache + runtime), log scale")
    if capacity is not None:
        ax.axvline(
            capacity, color="#c0392b", linestyle="--", linewidth=1.5, label=f"{label}: {capacity:,.0f} GB usable"
        )
    ax.legend(fontsize=8, loc="lower right")
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.set_title("Memory to run the top models", fontsize=10)
    return fig


def newer_models_markdown(rec: Mapping[str, Any] | None) -> str:
    """Newer open-weight models, labelled as outside the review's evidence ("" when there are none)."""
    newer = (rec or {}).get("newer_models") or []
    if not newer:
        return ""
    lines = [
        "### Newer open-weight models to consider",
        "_Outside the review's evidence: no study in the review used these models, so they carry no star and are "
        "not ranked with the models above. Medical figures are the models' own reports, from different benchmark "
        "suites that cannot be compared with each other._",
        "",
    ]
    for m in newer:
        run = m.get("to_run") or {}
        licence = m.get("licence") or {}
        name = str(licence.get("name") or "?") + ("" if licence.get("settled") else " (to check)")
        parts = [to_run_cell({"to_run": run, "can_generate_text": True})]
        if m.get("medical_figures"):
            parts.append(f"reported: {m['medical_figures']}")
        lines.append(f"- **{m['name']}** ({m.get('released') or '?'}; licence: {name}): " + " · ".join(parts))
    return "\n".join(lines)


def status_markdown(rec: Mapping[str, Any] | None, question_text: Mapping[str, str] | None = None) -> str:
    """The recommendation's status, what was left out and why, and the questions still open."""
    if not rec:
        return "No recommendation yet: describe your need in the chat, or choose a stage and answer on the right."
    texts = question_text or {}
    parts = [f"**Stage {rec.get('stage')}** — {STATUS_TEXT.get(str(rec.get('status')), rec.get('status'))}"]
    models = table_models(rec)
    if models:
        parts.append(f"{len(models)} model(s); the table shows at most 25.")
    excluded = rec.get("excluded") or []
    if excluded:
        left = [f"{model_label(e)} ({REASON_TEXT.get(e.get('reason', ''), e.get('reason'))})" for e in excluded]
        parts.append("**Left out:** " + "; ".join(left))
    missing = rec.get("missing") or []
    if missing:
        parts.append("**Still open:** " + "; ".join(texts.get(q, q) for q in missing))
    return "\n\n".join(parts)


def _citation_where(citation: Mapping[str, Any]) -> str:
    bits = [str(citation["source"])] if citation.get("source") else []
    if citation.get("page") is not None:
        bits.append(f"p. {citation['page']}")
    if citation.get("section"):
        bits.append(str(citation["section"]))
    return ", ".join(bits)


def citation_heading(citation: Mapping[str, Any]) -> str:
    """``[n] Title. Authors (year)`` as plain text."""
    authors = list(citation.get("authors") or [])
    who = ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
    year = f" ({citation['year']})" if citation.get("year") else ""
    return f"[{citation.get('n')}] {citation.get('title')}. {who}{year}".rstrip(". ")


def citations_html(citations: Sequence[Mapping[str, Any]]) -> str:
    """Numbered references, each a ``<details>`` that opens on the passage it rests on."""
    if not citations:
        return "<p class='ca-muted'>No references yet: they appear with answers that rest on the literature.</p>"
    items = []
    for c in citations:
        url = str(c.get("url") or "")
        link = (
            f"<p><a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener'>{html.escape(url)}</a></p>"
            if url.startswith(("http://", "https://"))
            else ""
        )
        text = str(c.get("text") or "").strip() or "(the passage text is not available)"
        where = _citation_where(c)
        items.append(
            f"<details class='ca-citation' data-key='{html.escape(str(c.get('key', '')), quote=True)}'>"
            f"<summary>{html.escape(citation_heading(c))}</summary>"
            f"<blockquote>{html.escape(text)}</blockquote>"
            f"{f'<p class=ca-muted>{html.escape(where)}</p>' if where else ''}{link}</details>"
        )
    return "\n".join(items)


def answer_label(value: bool | None) -> str:
    """``yes`` / ``no`` / ``unknown`` for an answer value."""
    return YES if value is True else NO if value is False else UNKNOWN


def answer_value(label: str | None) -> bool | None:
    """The answer value of a radio label (anything but yes/no is unknown)."""
    return True if label == YES else False if label == NO else None


def progress(question_ids: Sequence[str], answers: Mapping[str, bool | None]) -> tuple[int, int]:
    """(answered, total) over one stage's questions."""
    answered = sum(1 for q in question_ids if answers.get(q) is not None)
    return answered, len(question_ids)


def progress_markdown(stage: str | None, question_ids: Sequence[str], answers: Mapping[str, bool | None]) -> str:
    """A progress line with a text bar, e.g. ``Stage II: 6 of 10 answered``."""
    if not stage:
        return "No stage yet: describe your work in the chat or pick a stage."
    done, total = progress(question_ids, answers)
    width = 20
    filled = round(width * done / total) if total else 0
    return f"**Stage {stage}: {done} of {total} answered** `{'█' * filled}{'░' * (width - filled)}`"


def glossary_entries(questionnaire: Mapping[str, Any]) -> dict[str, str]:
    """Term -> plain-language explanation: the glossary, then every question's explanation."""
    entries = {term: str(text) for term, text in (questionnaire.get("glossary") or {}).items()}
    for stage in questionnaire.get("stages") or []:
        for q in stage.get("questions") or []:
            if q.get("explanation"):
                entries.setdefault(f"Question: {q['text']}", str(q["explanation"]))
    return entries


def _answers_for_export(ext: Mapping[str, Any]) -> dict[str, Any]:
    return dict(ext.get("answers") or {})


def export_markdown(
    messages: Sequence[Mapping[str, Any]],
    ext: Mapping[str, Any],
    question_text: Mapping[str, str] | None = None,
    disclaimer: str = DEFAULT_DISCLAIMER,
) -> str:
    """The conversation, the answers, the recommendation table and the references, as Markdown."""
    texts = question_text or {}
    notice = ext.get("disclaimer") or disclaimer
    lines = ["# Clinical LLM Advisor: conversation", "", f"> {notice}", "", "## Conversation", ""]
    for m in messages:
        who = "You" if m.get("role") == "user" else "Assistant"
        lines += [f"**{who}:**", "", str(m.get("content") or ""), ""]
    answers = _answers_for_export(ext)
    if answers:
        lines += [
            f"## Answers (stage {ext.get('stage') or '-'})",
            "",
            "| Question | Answer | Source |",
            "|---|---|---|",
        ]
        for qid, a in answers.items():
            lines.append(f"| {texts.get(qid, qid)} | {answer_label(a.get('value'))} | {a.get('source', '')} |")
        lines.append("")
    rec = ext.get("recommendation")
    if rec:
        lines += ["## Recommendation", "", status_markdown(rec, texts), ""]
        lines += ["| " + " | ".join(TABLE_HEADERS) + " |", "|" + "---|" * len(TABLE_HEADERS)]
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in recommendation_rows(rec)]
        lines.append("")
        newer = newer_models_markdown(rec)
        if newer:
            lines += [newer.replace("### ", "## ", 1), ""]
    citations = ext.get("citations") or []
    if citations:
        lines += ["## References", ""]
        for c in citations:
            url = f" {c['url']}" if c.get("url") else ""
            where = _citation_where(c)
            lines.append(f"- {citation_heading(c)}.{url}{f' ({where})' if where else ''}")
        lines.append("")
    lines += ["---", "", f"_{notice}_", ""]
    return "\n".join(lines)


def export_json(
    messages: Sequence[Mapping[str, Any]], ext: Mapping[str, Any], disclaimer: str = DEFAULT_DISCLAIMER
) -> str:
    """The conversation and the last structured state (answers, recommendation, citations) as JSON."""
    document = {
        "schema": "clinadvisor-export/1",
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": [{"role": m.get("role"), "content": m.get("content")} for m in messages],
        "stage": ext.get("stage"),
        "answers": _answers_for_export(ext),
        "recommendation": ext.get("recommendation"),
        "citations": list(ext.get("citations") or []),
        "disclaimer": ext.get("disclaimer") or disclaimer,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
