"""Build the project's catalog from the JMIR 2025 review's data.

Usage::

    python -m corpus.catalog.build ../shared/data/review [--out corpus/catalog/data/catalog.json]

Reads appear.csv, best.csv, detail.csv and the price and link tables, applies the corrections listed in
``corrections.py`` and writes one JSON file with stable key order and one model per block, so that a
change in the data reads as a small diff. The review's CSVs themselves are never committed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from corpus.catalog import corrections as fix

CATALOG_VERSION = "2026.12.1"
DEFAULT_OUT = Path(__file__).parent / "data" / "catalog.json"
HEADER_ROWS = 6  # Stage, Task, Sub-task, Mandatory input, Optional input, Output
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
SOURCE = {
    "citation": (
        "Li H, Fu J-F, Python A. Implementing Large Language Models in Health Care: Clinician-Focused "
        "Review With Interactive Guideline. J Med Internet Res 2025;27:e71916. doi:10.2196/71916"
    ),
    "repository": "williamlhy/Clinical-LLM-select",
    "commit": "902963e",
    "note": "Facts and figures derived from the review's data files; the files themselves are not redistributed.",
    # The number of studies is the review's own (its abstract); the data files list models and sub-tasks, not
    # studies. Kept here so that the tool can say what it rests on.
    "studies": "270",
}
# The review's tool prints these prices without a date; they can be no later than the review's
# publication, so that month is recorded as their "as of" date.
PRICES_AS_OF = {"api": "2025-07", "gpu_purchase": "2025-07", "cloud_rental": "2025-07"}


@dataclass(frozen=True)
class ReviewFiles:
    """The review's CSV tables, read as rows of stripped strings."""

    appear: list[list[str]]
    best: list[list[str]]
    detail: list[list[str]]
    rental: list[dict[str, str]]
    api: list[dict[str, str]]
    gpus: list[dict[str, str]]
    links: list[dict[str, str]]


def read_rows(path: Path) -> list[list[str]]:
    """Read a CSV file (with or without a UTF-8 BOM) and strip every cell."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [[cell.strip() for cell in row] for row in csv.reader(fh)]


def read_dicts(path: Path) -> list[dict[str, str]]:
    """Read a headed CSV file into dicts with stripped keys and values."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def read_review(folder: Path) -> ReviewFiles:
    """Read every file of the review's data folder."""
    return ReviewFiles(
        appear=read_rows(folder / "appear.csv"),
        best=read_rows(folder / "best.csv"),
        detail=read_rows(folder / "detail.csv"),
        rental=read_dicts(folder / "cloud_rental_prices.csv"),
        api=read_dicts(folder / "api_prices.csv"),
        gpus=read_dicts(folder / "gpu_local_prices.csv"),
        links=read_dicts(folder / "model_links.csv"),
    )


def slug(text: str) -> str:
    """Lowercase, with every run of other characters than a-z and 0-9 turned into one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def modality_slug(text: str) -> str:
    """A modality string as an id part: "image (2D)+text" -> "image2d-text"."""
    return "-".join(slug(part).replace("-", "") for part in text.split("+"))


def parse_params(size: str) -> tuple[float | None, bool]:
    """Parameter count in billions from a size string, and whether it is an upper bound (mixtures)."""
    if not size:
        return None, False
    mixture = re.fullmatch(r"(\d+)x(\d+(?:\.\d+)?)([BM])", size)
    if mixture:
        experts, each, unit = int(mixture[1]), float(mixture[2]), mixture[3]
        total = experts * each * (1.0 if unit == "B" else 0.001)
        return round(total, 4), True
    plain = re.fullmatch(r"(\d+(?:\.\d+)?)([BM])", size)
    if not plain:
        raise ValueError(f"unreadable model size {size!r}")
    value = float(plain[1]) * (1.0 if plain[2] == "B" else 0.001)
    return round(value, 4), False


def build_columns(appear: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """The 67 sub-task columns, with the stage header forward-filled and an id that includes modality."""
    header = [row[2:] for row in appear[:HEADER_ROWS]]
    columns: list[dict[str, Any]] = []
    stage = ""
    for position in range(len(header[0])):
        stage = ROMAN.get(header[0][position], stage)
        task, subtask, mandatory, optional, output = (header[i][position] for i in range(1, 6))
        column_id = f"{stage.lower()}.{slug(subtask)}.{modality_slug(mandatory)}"
        if optional:
            column_id += f".opt-{modality_slug(optional)}"
        columns.append(
            {
                "id": column_id,
                "position": position,
                "stage": stage,
                "task": task,
                "subtask": subtask,
                "mandatory_input": mandatory,
                "optional_input": optional,
                "output": output,
            }
        )
    ids = [c["id"] for c in columns]
    if len(set(ids)) != len(ids):
        raise ValueError("column ids are not unique")
    return columns


def _number(cell: str) -> float | None:
    return float(cell) if cell else None


def _int(cell: str) -> int:
    return int(float(cell)) if cell else 0


def build_phase(raw: fix.RawPhase, log: fix.CorrectionLog, model_label: str, phase: str) -> dict[str, Any]:
    """One phase's resources, with the GPU string normalised and totals derived from per-GPU figures."""
    gpu = fix.normalise_gpu(raw.gpu, log, model_label, phase)
    count = raw.count
    tdp_each = fix.corrected_tdp(gpu, raw.tdp_each, log, model_label, phase)
    memory_each = gpu.memory_gb
    memory_total = raw.memory_total
    if memory_each is not None and count:
        derived = memory_each * count
        if memory_total is not None and memory_total != derived:
            kind = fix.memory_correction_kind(gpu)
            log.add(kind, model_label, f"{phase}: memory total {memory_total:g} -> {derived:g} GB")
        memory_total = derived
    power_total = tdp_each * count if tdp_each is not None and count else raw.power_total
    if raw.power_total is not None and power_total != raw.power_total and gpu.name != fix.H100:
        log.add("per-gpu-totals", model_label, f"{phase}: total power {raw.power_total:g} -> {power_total:g} W")
    price_each = raw.price_each if raw.price_each is not None else gpu.price_usd
    price_total = price_each * count if price_each is not None and count else raw.price_total
    if raw.price_total is not None and price_total != raw.price_total:
        log.add("per-gpu-totals", model_label, f"{phase}: purchase total {raw.price_total:g} -> {price_total:g} USD")
    return {
        "gpu_count": count,
        "gpu_type": gpu.name,
        "gpu_memory_gb": memory_each,
        "memory_gb_total": memory_total,
        "power_w_total": power_total,
        "purchase_usd_total": price_total,
    }


def build_models(files: ReviewFiles, columns: list[dict[str, Any]], log: fix.CorrectionLog) -> list[dict[str, Any]]:
    """One entry per model row, joined across the three CSVs by row position."""
    appear, best, detail = (rows[HEADER_ROWS:] for rows in (files.appear, files.best, files.detail))
    if not len(appear) == len(best) == len(detail):
        raise ValueError("appear, best and detail have different numbers of model rows")
    detail_header = files.detail[0]
    base_ids = [_base_id(*fix.resolve_name(a, b, d)) for a, b, d in zip(appear, best, detail, strict=True)]
    links = fix.links_by_model(files.links, log)
    models = []
    for row_number, (a_row, b_row, d_row) in enumerate(zip(appear, best, detail, strict=True), start=1):
        name, size = fix.resolve_name(a_row, b_row, d_row, log=log, row=row_number)
        base = base_ids[row_number - 1]
        model_id = base if base_ids.count(base) == 1 else f"{base}-row{row_number}"
        label = f"{name} {size}".strip()
        usage = {}
        for col, used_cell, best_cell in zip(columns, a_row[2:], b_row[2:], strict=True):
            used, best_n = _int(used_cell), _int(best_cell)
            if best_n > used:
                log.add("best-counts-as-used", label, f"{col['id']}: used {used} -> {best_n} (best {best_n})")
                used = best_n
            if used or best_n:
                usage[col["id"]] = [used, best_n]
        record = dict(zip(detail_header, d_row, strict=True))
        raw_phases = fix.raw_phases(record, log, label)
        phases = {phase: build_phase(raw, log, label, phase) for phase, raw in raw_phases.items() if raw.count}
        params_b, upper = parse_params(size)
        models.append(
            {
                "id": model_id,
                "row": row_number,
                "name": name,
                "size": size or None,
                "params_b": params_b,
                "params_upper_bound": upper,
                "access": fix.corrected_access(name, size, record["access"], log),
                "links": links.get((name, size), []),
                "usage": usage,
                "phases": phases,
            }
        )
    return models


def _base_id(name: str, size: str) -> str:
    return slug(f"{name} {size}") if size else slug(name)


def build_api_prices(files: ReviewFiles, models: list[dict[str, Any]]) -> dict[str, Any]:
    """API token prices keyed by model id (every row of a priced service name)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for m in models:
        by_name.setdefault(fix.squash(m["name"]), []).append(m)
    prices: dict[str, Any] = {}
    for row in files.api:
        names = [row["model"], *fix.API_PRICE_ALIASES.get(row["model"], ())]
        matched = [m for n in names for m in by_name.get(fix.squash(n), [])]
        if not matched:
            raise ValueError(f"API price row {row['model']!r} matches no model")
        for model in matched:
            prices[model["id"]] = {
                "usd_per_1k_input_tokens": _number(row["usd_per_1k_input_tokens"]),
                "usd_per_1k_output_tokens": _number(row["usd_per_1k_output_tokens"]),
                "as_of": PRICES_AS_OF["api"],
                "note": row["note"],
            }
    return dict(sorted(prices.items()))


def build_gpus(files: ReviewFiles) -> dict[str, Any]:
    """The purchase price table, with the corrected figures."""
    gpus = {}
    for row in files.gpus:
        name = row["gpu"]
        gpus[name] = {
            "name": name,
            "memory_gb": float(row["memory_gb"]),
            "tdp_w": fix.CORRECTED_TDP.get(name, float(row["tdp_watts"])),
            "purchase_usd": float(row["purchase_usd"]),
        }
    return gpus


def build_catalog(folder: Path, built_on: date | None = None) -> dict[str, Any]:
    """The whole catalog as a JSON-ready dict."""
    files = read_review(folder)
    log = fix.CorrectionLog()
    columns = build_columns(files.appear)
    models = build_models(files, columns, log)
    return {
        "schema": "catalog/1",
        "version": CATALOG_VERSION,
        "date": (built_on or date.today()).isoformat(),
        "source": SOURCE,
        "prices_as_of": PRICES_AS_OF,
        "columns": columns,
        "rental_rates": [
            {"basis": r["basis"], "key": r["key"], "usd_per_hour": float(r["usd_per_hour"])} for r in files.rental
        ],
        "api_prices": build_api_prices(files, models),
        "gpus": build_gpus(files),
        "corrections": log.as_list(),
        "models": models,
    }


def dumps(catalog: dict[str, Any]) -> str:
    """Serialise with one model per block and short lists on one line, so diffs stay readable."""
    text = json.dumps(catalog, indent=1, ensure_ascii=False)
    # Fold the innermost [used, best] pairs onto one line.
    return re.sub(r"\[\n\s+(\d+),\n\s+(\d+)\n\s+\]", r"[\1, \2]", text) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: build the catalog file from the review's data folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("review_folder", type=Path, help="folder with appear.csv, best.csv, detail.csv, ...")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the catalog JSON")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="build date (default today)")
    args = parser.parse_args(argv)
    catalog = build_catalog(args.review_folder, built_on=args.date)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(catalog), encoding="utf-8")
    print(
        f"wrote {args.out}: {len(catalog['models'])} models, {len(catalog['columns'])} columns, "
        f"{len(catalog['corrections'])} corrections",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
