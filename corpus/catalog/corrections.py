"""Every correction the catalog build makes to the review's data, with its reason.

Each fix is applied where the data is read and recorded in a ``CorrectionLog``; the log is written into
the catalog (``corrections``), so a reader can see what changed, where and why. The kinds and their
reasons are in ``REASONS``; tests prove each one against ../shared/data/review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

H100 = "NVIDIA H100"
RTX_4090 = "NVIDIA RTX 4090"

REASONS: Mapping[str, str] = {
    "name-join": (
        "The three CSVs are joined by row position: names or sizes differ between files in a few rows. "
        "appear.csv's name and size are kept; a size missing there is taken from detail.csv."
    ),
    "best-counts-as-used": "A study that reports a model as best also used it: best > 0 counts as used.",
    "access-api": "A paid API service without released weights was labelled Open: it is API.",
    "access-restricted": "The weights of this model were never released; it was labelled Open: it is Restricted.",
    "shifted-phase": "The values sit one column group early: the pre-training fields belong to fine-tuning.",
    "per-gpu-totals": (
        "Totals are derived as GPU count x per-GPU figure; the review's total equalled the per-GPU value "
        "although several GPUs are listed."
    ),
    "gpu-memory-only": "The GPU string gives memory only; the type is unspecified and the memory is kept.",
    "gpu-memory-less": "The GPU string names the card without its memory; the card's memory is filled in.",
    "gpu-renamed": "GPU strings are normalised to one name per card (vendor, model, memory).",
    "tpu-price": "A price was written inside the GPU type string; it is moved to the price field.",
    "h100-power": "The review uses 300 W for the H100; the SXM card is rated 700 W.",
    "rtx4090-memory": "The review's data treats the RTX 4090 as a 32 GB card; the card has 24 GB.",
    "link-misattributed": "A link listed under this model points to another model's repository.",
}

# Access corrections of PROVENANCE.md, by the model name of appear.csv.
API_SERVICES = frozenset(
    {
        "PaLM2",
        "PaLM2(bison@001)",
        "GPT3",
        "Anthropic Claude2",
        "Gemini-Pro",
        "Perplexity.ai",
        "iFLYTEK Spark (V2.0)",
        "Chatsonic",
        "Command-xlarge-nightly",
    }
)
NEVER_RELEASED = frozenset({"Gopher", "Chinchilla", "LaMDA", "PaLM-E"})
SHIFTED_TO_FINE_TUNING = frozenset({"EndoChat"})
MISATTRIBUTED_LINKS = frozenset({("ChIP-GPT", "33B", "https://github.com/jinlHe/PeFoMed")})
CORRECTED_TDP: Mapping[str, float] = {H100: 700.0}
API_PRICE_ALIASES: Mapping[str, tuple[str, ...]] = {"GPT-4o": ("GPT 4o",)}


@dataclass(frozen=True)
class Gpu:
    """A GPU as named in the catalog after normalisation."""

    name: str | None
    memory_gb: float | None
    price_usd: float | None = None


# Raw GPU strings of detail.csv -> (canonical name, memory per GPU in GB, purchase price per GPU).
# Prices come from the tool's purchase table; they fill a missing per-GPU price only.
_GPU_TABLE: Mapping[str, tuple[str, float | None, float | None]] = {
    "NVIDIA TESLA A100-80GB": ("NVIDIA A100-80GB", 80, 18000),
    "NVIDIA TESLA A100-40GB": ("NVIDIA A100-40GB", 40, 6999),
    "NVIDIA TESLA V100-32GB": ("NVIDIA V100-32GB", 32, 2098),
    "NVIDIA TESLA A800-40GB": ("NVIDIA A800-40GB", 40, 10600),
    "NVIDIA TESLA A800-80GB": ("NVIDIA A800-80GB", 80, None),
    "NVIDIA TESLA T4": ("NVIDIA T4", 16, None),
    "NVIDIA RTX A6000-48GB": ("NVIDIA RTX A6000", 48, 4680),
    "NVIDIA RTX A4000-16GB": ("NVIDIA RTX A4000", 16, 1499),
    "NVIDIA RTX 3090-24GB": ("NVIDIA RTX 3090", 24, 1600),
    "NVIDIA A5000-24GB": ("NVIDIA RTX A5000", 24, None),
    # Memory-less strings: the card's own memory.
    "H100 GPU": (H100, 80, 45000),
    "NVIDIA A40": ("NVIDIA A40", 48, 7799),
    "NVIDIA Quadro RTX 8000": ("NVIDIA Quadro RTX 8000", 48, 4300),
    "NVIDIA RTX 3090": ("NVIDIA RTX 3090", 24, 1600),
    "NVIDIA RTX 4090": (RTX_4090, 24, 1599),
    "NVIDIA RTX 3070": ("NVIDIA RTX 3070", 8, None),
}
_MEMORY_LESS = frozenset(
    {
        "H100 GPU",
        "NVIDIA A40",
        "NVIDIA Quadro RTX 8000",
        "NVIDIA RTX 3090",
        "NVIDIA RTX 4090",
        "NVIDIA RTX 3070",
        "NVIDIA TESLA T4",
    }
)
_MEMORY_ONLY = re.compile(r"(\d+(?:\.\d+)?)\s*GB GPU")
_PRICE_IN_TYPE = re.compile(r"^(?P<type>.*?)\s*\((?P<price>\d+(?:\.\d+)?)\$\)$")
_TPU_NAMES: Mapping[str, str] = {"TPU v3.8 cluster": "Google TPU v3-8"}


@dataclass
class CorrectionLog:
    """Collects what the build changed; written into the catalog as ``corrections``."""

    entries: list[dict[str, str]] = field(default_factory=list)

    def add(self, kind: str, model: str, detail: str) -> None:
        """Record one change of one model (or of a table, with model = "")."""
        if kind not in REASONS:
            raise KeyError(f"correction kind {kind!r} has no reason")
        entry = {"kind": kind, "model": model, "detail": detail}
        if entry not in self.entries:
            self.entries.append(entry)

    def as_list(self) -> list[dict[str, str]]:
        """Entries in a stable order, each with its reason."""
        ordered = sorted(self.entries, key=lambda e: (list(REASONS).index(e["kind"]), e["model"], e["detail"]))
        return [{**e, "reason": REASONS[e["kind"]]} for e in ordered]


@dataclass(frozen=True)
class RawPhase:
    """One phase's figures as detail.csv gives them."""

    count: int
    gpu: str
    tdp_each: float | None
    power_total: float | None
    memory_total: float | None
    price_each: float | None
    price_total: float | None


def squash(text: str) -> str:
    """Case- and punctuation-insensitive key for matching names across tables."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def resolve_name(
    appear: Sequence[str],
    best: Sequence[str],
    detail: Sequence[str],
    *,
    log: CorrectionLog | None = None,
    row: int = 0,
) -> tuple[str, str]:
    """The row's name and size: appear.csv's, with a missing size taken from detail.csv."""
    name = appear[0]
    size = appear[1] or detail[1]
    others = {(best[0], best[1]), (detail[0], detail[1])}
    if log is not None and any(other != (name, size) for other in others):
        seen = "; ".join(f"{n!r} {s!r}" for n, s in sorted(others))
        log.add("name-join", f"{name} {size}".strip(), f"row {row}: other files say {seen}")
    return name, size


def _num(cell: str) -> float | None:
    return float(cell) if cell else None


def raw_phases(record: Mapping[str, str], log: CorrectionLog, label: str) -> dict[str, RawPhase]:
    """The three phases of a detail.csv record, with a shifted column group put back in place."""
    groups = {
        "pre_training": ("pre_num", "pre_gpu", "TDP1", "pre_TDP", "pre_m", "price1", "pre_price"),
        "fine_tuning": ("fin_num", "fin_gpu", "TDP2", "fin_TDP", "fin_m", "price2", "fin_price"),
        "inference": ("infe_num", "infe_gpu", "TDP3", "infe_TDP", "infe_m", "price3", "infe_price"),
    }
    values = {phase: [record[k] for k in keys] for phase, keys in groups.items()}
    if record["Stage"] in SHIFTED_TO_FINE_TUNING:
        pre, fine = values["pre_training"], values["fine_tuning"]
        moved = [p or f for p, f in zip(pre, fine, strict=True)]
        values["fine_tuning"], values["pre_training"] = moved, [""] * len(pre)
        log.add("shifted-phase", label, f"pre-training fields moved to fine-tuning: {pre[0]} x {pre[1]}")
    phases = {}
    for phase, (count, gpu, tdp, power, memory, price, price_total) in values.items():
        phases[phase] = RawPhase(
            count=int(float(count)) if count else 0,
            gpu=gpu,
            tdp_each=_num(tdp),
            power_total=_num(power),
            memory_total=_num(memory),
            price_each=_num(price),
            price_total=_num(price_total),
        )
    return phases


def normalise_gpu(raw: str, log: CorrectionLog, label: str, phase: str) -> Gpu:
    """One canonical GPU (name, memory per card) for a raw GPU string of detail.csv."""
    if not raw:
        return Gpu(None, None)
    priced = _PRICE_IN_TYPE.match(raw)
    if priced:
        tpu = _TPU_NAMES.get(priced["type"], priced["type"])
        log.add("tpu-price", label, f"{phase}: {raw!r} -> type {tpu!r}, price {priced['price']} USD")
        return Gpu(tpu, None, float(priced["price"]))
    memory_only = _MEMORY_ONLY.fullmatch(raw)
    if memory_only:
        size = float(memory_only[1])
        log.add("gpu-memory-only", label, f"{phase}: {raw!r} -> unspecified GPU with {size:g} GB")
        return Gpu(f"unspecified {size:g} GB GPU", size)
    if raw not in _GPU_TABLE:
        raise ValueError(f"unknown GPU string {raw!r}: add it to the normalisation table")
    name, memory, price = _GPU_TABLE[raw]
    if raw in _MEMORY_LESS:
        log.add("gpu-memory-less", label, f"{phase}: {raw!r} -> {name} ({memory or 0:g} GB)")
    elif name != raw:
        log.add("gpu-renamed", "", f"{raw!r} -> {name!r}")
    return Gpu(name, memory, price)


def corrected_tdp(gpu: Gpu, tdp_each: float | None, log: CorrectionLog, label: str, phase: str) -> float | None:
    """The per-GPU power, corrected where the review used a wrong rating."""
    fixed = CORRECTED_TDP.get(gpu.name or "")
    if fixed is not None and tdp_each != fixed:
        review = f"{tdp_each:g}" if tdp_each is not None else "none"
        log.add("h100-power", label, f"{phase}: {review} W -> {fixed:g} W per GPU (review's value {review} W)")
        return fixed
    return tdp_each


def memory_correction_kind(gpu: Gpu) -> str:
    """Which correction explains a changed memory total for this GPU."""
    return "rtx4090-memory" if gpu.name == RTX_4090 else "per-gpu-totals"


def corrected_access(name: str, size: str, access: str, log: CorrectionLog) -> str:
    """The access label, with the corrections of PROVENANCE.md applied."""
    label = f"{name} {size}".strip()
    if name in API_SERVICES and access != "API":
        log.add("access-api", label, f"{access} -> API")
        return "API"
    if name in NEVER_RELEASED and access != "Restricted":
        log.add("access-restricted", label, f"{access} -> Restricted")
        return "Restricted"
    return access


def links_by_model(
    rows: Sequence[Mapping[str, str]], log: CorrectionLog
) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Code or weights links per (name, size), without the misattributed ones."""
    links: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        key = (row["model"], row["size"])
        url = row["url"].strip()
        if (*key, url) in MISATTRIBUTED_LINKS:
            log.add("link-misattributed", f"{key[0]} {key[1]}".strip(), f"dropped {row['label']!r} ({url})")
            continue
        links.setdefault(key, []).append({"label": row["label"], "url": url})
    return links
