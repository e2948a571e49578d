"""A ``sizing/1`` document as plain text for the terminal (``clinadvisor size`` without ``--json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.render import money


def _gb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} GB"


def sizing_text(doc: Mapping[str, Any]) -> str:
    """The figures of one sizing, each line saying what it is; assumptions and sources at the end."""
    lines = [f"{doc['name']} ({doc['model']}; {doc['source']})"]
    if doc.get("api_only"):
        lines += [f"  {note}" for note in doc.get("notes", [])]
        cost = doc.get("cost")
        if cost and cost["per_month"]["api"] is not None:
            when = cost["prices_as_of"].get("api", "?")
            lines.append(f"  API cost per month: {money(cost['per_month']['api'])} (prices of {when})")
        return "\n".join(lines)
    active = f", {doc['active_params_b']:g}B active per token" if doc["active_params_b"] != doc["params_b"] else ""
    lines.append(f"  type: {doc['type']}; {doc['params_b']:g}B parameters{active}")
    lines.append(f"  weights ({doc['quant']}, {doc['bits_per_weight']:g} bits per weight): {_gb(doc['weights_gb'])}")
    kv = doc["kv_bytes_per_token"]
    sessions = f"{doc['users']} user(s) x {doc['context']:,} tokens"
    lines.append(f"  KV cache: {kv:,} bytes per token; {sessions} = {_gb(doc['kv_cache_gb'])}")
    lines.append(f"  runtime overhead: {_gb(doc['overhead_gb'])}")
    lines.append(f"  total: {_gb(doc['total_gb'])} ({_gb(doc['per_gpu_gb'])} per GPU)")
    gpu = doc.get("gpu")
    if gpu:
        have = f", you have {gpu['count_available']}" if gpu["count_available"] is not None else ""
        fits = {True: " -> fits", False: " -> does not fit", None: ""}[doc["fits"]]
        lines.append(
            f"  GPUs: {gpu['count_needed']} x {gpu['name']} ({gpu['memory_gb']:g} GB; tensor parallel "
            f"{gpu['tensor_parallel']}){have}{fits}"
        )
        if doc["max_concurrent_sessions"] is not None:
            lines.append(f"  concurrent sessions at {doc['context']:,} tokens: {doc['max_concurrent_sessions']:,}")
        speed = doc.get("decode_tokens_per_s")
        if speed:
            lines.append(
                f"  decode speed per sequence: about {speed['expected']:g} tokens/s (ceiling {speed['ceiling']:g})"
            )
    tune = doc.get("finetune")
    if tune:
        rank = f", LoRA rank {tune['lora_rank']}" if tune["lora_rank"] else ""
        lines.append(
            f"  fine-tuning ({tune['method']}, {tune['seq_len']:,} tokens x batch {tune['batch']}{rank}): "
            f"{_gb(tune['total_gb'])}"
        )
    cost = doc.get("cost")
    if cost:
        per, dates = cost["per_month"], cost["prices_as_of"]
        parts = [
            f"{label} {money(per[key])} (prices of {dates.get(key, '?')})"
            for key, label in (("buy", "buy"), ("rent", "rent"), ("api", "API"))
            if per[key] is not None
        ]
        if parts:
            lines.append("  cost per month: " + "; ".join(parts))
    for note in doc.get("notes", []):
        lines.append(f"  note: {note}")
    licence = doc.get("licence") or {}
    if licence.get("name"):
        lines.append(f"  licence: {licence['name']}{'' if licence.get('settled') else ' (to check)'}")
    lines.append("  assumptions:")
    lines += [f"    - {a['name']}: {a['value']:g} {a['unit']} ({a['source']})" for a in doc["assumptions"]]
    lines.append("  sources: " + "; ".join(doc["sources"]))
    return "\n".join(lines)
