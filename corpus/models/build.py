"""Build the sizing facts (``data/architectures.json``, ``data/gpus.json``) from the hand-written tables.

    python -m corpus.models.build            # rewrite the two JSON files
    python -m corpus.models.build --check    # exit 1 when they are not what the tables give

Source tables (``source/``, one source per row):
- ``base_architectures.csv``: published architectures (layers, heads, KV heads, head dim, context...).
- ``catalog_models.csv``: every sized model of the review's catalog, mapped to the architecture it is
  built on (a fine-tune keeps its base's shape), or left without a base: only the parameter count is
  known, and the shape is estimated from it (``estimated``).
- ``newer_models.csv``: newer open-weight models, each row checked (column ``checked`` says how) against
  the facts gathered in ``../shared/data/models/open_models.csv``. Models already in the catalog
  (DeepSeek-V3, Llama 3.1 8B, OpenBioLLM) are left out of this table so they are not listed twice.
- ``gpus.csv``: GPU memory, memory bandwidth and power, with the catalog name that prices each type.

The catalog (``corpus/catalog/data/catalog.json``) gives the models' names and the review's sizes. Every
sized, self-hostable catalog model must be mapped: the build fails on one that is not.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from assistant.sizing_facts import MODEL_TYPES

HERE = Path(__file__).parent
SOURCE = HERE / "source"
DATA = HERE / "data"
CATALOG = HERE.parent / "catalog" / "data" / "catalog.json"
VERSION = "2026-01"
INT_FIELDS = ("layers", "heads", "kv_heads", "head_dim", "hidden", "context", "sliding_window", "global_layers")


class BuildError(ValueError):
    """A source table row that cannot be used (named in the message)."""


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (SOURCE / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _yes(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "1")


def _shape(row: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {f: _int(row.get(f, "")) for f in INT_FIELDS}
    out["mla_kv_dim"] = _int(row.get("mla_kv_dim", ""))
    out["attention"] = row.get("attention", "") or "mha"
    return out


def base_architectures() -> dict[str, dict[str, Any]]:
    """The published architectures by key."""
    bases: dict[str, dict[str, Any]] = {}
    for row in _rows("base_architectures.csv"):
        if row["type"] not in MODEL_TYPES:
            raise BuildError(f"base {row['key']}: unknown type {row['type']!r}")
        params = float(row["params_b"])
        bases[row["key"]] = {
            "name": row["name"],
            "type": row["type"],
            "params_b": params,
            "active_params_b": _float(row["active_params_b"]) or params,
            **_shape(row),
            "licence": row["licence"],
            "licence_settled": _yes(row["licence_settled"]),
            "source": row["source"],
        }
    return bases


def catalog_models(catalog: Mapping[str, Any], bases: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One architecture per mapped catalog model (base shape, or estimated from the review's size)."""
    by_id = {m["id"]: m for m in catalog["models"]}
    out = []
    mapped = set()
    for row in _rows("catalog_models.csv"):
        cid = row["catalog_id"]
        if cid not in by_id:
            raise BuildError(f"catalog_models.csv: {cid} is not a catalog model id")
        model = by_id[cid]
        mapped.add(cid)
        label = f"{model['name']} {model['size']}" if model["size"] else model["name"]
        aliases = [model["name"]] + ([f"{model['name']}-{model['size']}"] if model["size"] else [])
        entry: dict[str, Any] = {
            "key": cid,
            "name": label,
            "source_kind": "catalog",
            "aliases": aliases,
            "note": row["note"],
            "released": None,
            "modality": "text",
            "medical_figures": "",
        }
        base_key = row["base"].strip()
        if base_key:
            if base_key not in bases:
                raise BuildError(f"catalog_models.csv: {cid} names unknown base {base_key!r}")
            base = bases[base_key]
            params = _float(row["params_b"]) or base["params_b"]
            scale = params / base["params_b"]
            entry.update({k: base[k] for k in ("attention", "mla_kv_dim", *INT_FIELDS)})
            relation = row["relation"] or "built on"
            entry.update(
                {
                    "type": row["type"] or base["type"],
                    "params_b": params,
                    # a mixture keeps its share of active parameters when the count is overridden
                    "active_params_b": round(base["active_params_b"] * scale, 3),
                    "estimated": False,
                    "based_on": base["name"],
                    "licence": base["licence"]
                    if relation == "is"
                    else f"see the model's card (base: {base['licence']})",
                    "licence_settled": base["licence_settled"] and relation == "is",
                    "source": f"{base['source']}; relation: {relation}",
                    "checked": "architecture of the base model; the catalog's name and size from the review",
                }
            )
        else:
            params = _float(row["params_b"]) or model["params_b"]
            if params is None:
                raise BuildError(f"catalog_models.csv: {cid} has neither a base nor a size")
            entry.update(
                {
                    "type": row["type"] or "decoder",
                    "params_b": params,
                    "active_params_b": params,
                    "estimated": True,
                    "based_on": None,
                    "attention": "unknown (estimated as multi-head attention)",
                    "licence": "see the model's card",
                    "licence_settled": False,
                    "source": "the review's parameter count (JMIR 2025 catalog); the shape is estimated from it",
                    "checked": "parameter count only",
                    **{k: None for k in (*INT_FIELDS, "mla_kv_dim")},
                }
            )
        if entry["type"] not in MODEL_TYPES:
            raise BuildError(f"catalog_models.csv: {cid}: unknown type {entry['type']!r}")
        out.append(entry)
    unmapped = [
        m["id"]
        for m in catalog["models"]
        if m["params_b"] is not None and m["access"] != "API" and m["id"] not in mapped
    ]
    if unmapped:
        raise BuildError(f"sized catalog models without a row in catalog_models.csv: {', '.join(unmapped)}")
    return out


def newer_models() -> list[dict[str, Any]]:
    """The newer open-weight models, as checked."""
    out = []
    for row in _rows("newer_models.csv"):
        if row["type"] not in MODEL_TYPES:
            raise BuildError(f"newer_models.csv: {row['name']}: unknown type {row['type']!r}")
        params = float(row["params_b"])
        out.append(
            {
                "key": row["name"],
                "name": row["name"],
                "source_kind": "newer_models",
                "type": row["type"],
                "params_b": params,
                "active_params_b": _float(row["active_params_b"]) or params,
                **_shape(row),
                "estimated": False,
                "licence": row["licence"],
                "licence_settled": _yes(row["licence_settled"]),
                "released": row["released"],
                "modality": row["modality"],
                "medical_figures": row["medical_figures"],
                "based_on": None,
                "source": row["source"],
                "checked": row["checked"],
                "note": f"weights published as {row['weights_native']}" if row["weights_native"] != "bf16" else "",
                "aliases": [a for a in row["aliases"].split("|") if a],
            }
        )
    return out


def gpus() -> list[dict[str, Any]]:
    """GPU types with memory, bandwidth, power and their catalog names."""
    return [
        {
            "key": row["key"],
            "name": row["name"],
            "memory_gb": float(row["memory_gb"]),
            "bandwidth_gb_s": float(row["bandwidth_gb_s"]),
            "power_w": float(row["power_w"]),
            "catalog_name": row["catalog_name"] or None,
            "rental_key": row["rental_key"] or None,
            "aliases": [a for a in row["aliases"].split("|") if a],
            "source": row["source"],
            "checked": row["checked"],
        }
        for row in _rows("gpus.csv")
    ]


def build(catalog_path: Path = CATALOG) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two JSON documents, from the source tables and the catalog."""
    with catalog_path.open(encoding="utf-8") as fh:
        catalog = json.load(fh)
    bases = base_architectures()
    architectures = {
        "schema": "architectures/1",
        "version": VERSION,
        "sources": {
            "tables": "corpus/models/source/*.csv (hand-written, one source per row)",
            "catalog": f"corpus/catalog/data/catalog.json {catalog['version']}",
            "newer_models": "checked against ../shared/data/models/open_models.csv and the sources in each row",
        },
        "models": catalog_models(catalog, bases) + newer_models(),
    }
    gpu_doc = {
        "schema": "gpus/1",
        "version": VERSION,
        "sources": {"gpus": "manufacturers' datasheets, as named per row"},
        "gpus": gpus(),
    }
    return architectures, gpu_doc


def _dump(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the two JSON files; 1 when --check finds a difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    architectures, gpu_doc = build()
    files = {DATA / "architectures.json": _dump(architectures), DATA / "gpus.json": _dump(gpu_doc)}
    if args.check:
        stale = [p.name for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    DATA.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    print(f"{len(architectures['models'])} architectures, {len(gpu_doc['gpus'])} GPU types -> {DATA}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
