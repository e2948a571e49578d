"""The Recommendation the rules core returns, and its JSON form (``recommendation/1`` of CONTRACTS.md).

Extensions to the contract (consumers ignore unknown fields): every model carries ``row`` (its catalog
row, which tells the two LLaMA2-Chat 70B entries apart); ``excluded`` items carry ``detail``; ``api``
prices carry ``note``; phases carry ``gpu_memory_gb`` (per GPU); the estimate carries ``upper_bound``;
models carry ``type`` (decoder, encoder, encoder-decoder, vision-language; null when unknown) and
``can_generate_text`` (false for encoders), and ``to_run`` (sizing/1 for the user's situation, with an
``int4`` summary and ``reference_gpu``; null for API models and models whose size is unknown). The
recommendation carries ``newer_models``: newer open-weight models outside the review's evidence, never
starred or ranked with the review's models (``assistant.newer_models``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.newer_models import NewerModel
from assistant.sizing import ToRun

SCHEMA = "recommendation/1"

DISCLAIMER = (
    "Technical guidance only, not medical advice. Recommendations come from the published studies "
    "collected by the JMIR 2025 review (Li, Fu, Python; doi:10.2196/71916) and reflect what those studies "
    "reported, not a validation for your setting. Check models, hardware and prices with your own "
    "experts and vendors before any clinical use; prices vary by region and over time."
)


@dataclass(frozen=True)
class PhaseResources:
    """Resources of one phase, as shown for the user's deployment choice."""

    gpu_count: int
    gpu_type: str | None
    gpu_memory_gb: float | None
    memory_gb_total: float | None
    power_w_total: float | None
    purchase_usd_total: float | None
    cloud_usd_per_hour: float | None
    cloud_basis: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form of a Phase."""
        return {
            "gpu_count": self.gpu_count,
            "gpu_type": self.gpu_type,
            "gpu_memory_gb": self.gpu_memory_gb,
            "memory_gb_total": self.memory_gb_total,
            "power_w_total": self.power_w_total,
            "purchase_usd_total": self.purchase_usd_total,
            "cloud_usd_per_hour": self.cloud_usd_per_hour,
            "cloud_basis": self.cloud_basis,
        }


@dataclass(frozen=True)
class MemoryEstimate:
    """GPU memory estimated from the parameter count when no inference data was reported."""

    fp16_gb: float
    int4_gb: float
    formula: str
    upper_bound: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the estimate."""
        return {
            "fp16_gb": self.fp16_gb,
            "int4_gb": self.int4_gb,
            "formula": self.formula,
            "upper_bound": self.upper_bound,
        }


@dataclass(frozen=True)
class ApiCost:
    """An API service's token prices."""

    usd_per_1k_input_tokens: float | None
    usd_per_1k_output_tokens: float | None
    as_of: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the API prices."""
        return {
            "usd_per_1k_input_tokens": self.usd_per_1k_input_tokens,
            "usd_per_1k_output_tokens": self.usd_per_1k_output_tokens,
            "as_of": self.as_of,
            "note": self.note,
        }


@dataclass(frozen=True)
class Resources:
    """What running the model takes, per phase, plus estimate and API prices."""

    phases: Mapping[str, PhaseResources | None]
    estimate: MemoryEstimate | None
    api: ApiCost | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the resources block."""
        out: dict[str, Any] = {name: (p.to_dict() if p else None) for name, p in self.phases.items()}
        out["estimate"] = self.estimate.to_dict() if self.estimate else None
        out["api"] = self.api.to_dict() if self.api else None
        return out


@dataclass(frozen=True)
class TaskEvidence:
    """Studies that used the model, and that reported it best, in the allowed columns of one task."""

    studies: int
    best: int


@dataclass(frozen=True)
class ModelResult:
    """One recommended (or partially matching) model."""

    id: str
    row: int
    name: str
    size: str | None
    params_b: float | None
    access: str
    star: bool
    by_task: Mapping[str, TaskEvidence]
    links: tuple[tuple[str, str], ...]
    resources: Resources
    covers: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    model_type: str | None = None
    to_run: ToRun | None = None

    @property
    def can_generate_text(self) -> bool | None:
        """False for an encoder (it cannot write text), None when the type is unknown."""
        return None if self.model_type is None else self.model_type != "encoder"

    @property
    def studies(self) -> int:
        """Total studies over the selected tasks (a study in two columns counts twice)."""
        return sum(e.studies for e in self.by_task.values())

    @property
    def best(self) -> int:
        """Total best-performer reports over the selected tasks."""
        return sum(e.best for e in self.by_task.values())

    @property
    def label(self) -> str:
        """Name and size ("RaDialog-7B")."""
        return f"{self.name}-{self.size}" if self.size else self.name

    def to_dict(self, *, partial: bool = False) -> dict[str, Any]:
        """JSON form of a Model (with covers / lacks for a partial match)."""
        out: dict[str, Any] = {
            "id": self.id,
            "row": self.row,
            "name": self.name,
            "size": self.size,
            "params_b": self.params_b,
            "access": self.access,
            "star": self.star,
            "evidence": {
                "studies": self.studies,
                "best": self.best,
                "by_task": {t: {"studies": e.studies, "best": e.best} for t, e in self.by_task.items()},
            },
            "links": [{"label": label, "url": url} for label, url in self.links],
            "resources": self.resources.to_dict(),
            "type": self.model_type,
            "can_generate_text": self.can_generate_text,
            "to_run": self.to_run.to_dict() if self.to_run else None,
        }
        if partial:
            out["covers"] = list(self.covers)
            out["lacks"] = list(self.lacks)
        return out


@dataclass(frozen=True)
class Exclusion:
    """A strong candidate that one constraint removed."""

    id: str
    name: str
    size: str | None
    reason: str  # "restricted" | "needs_data_sharing" | "needs_cloud" | "modality"
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form of an excluded entry."""
        return {"id": self.id, "name": self.name, "size": self.size, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class TraceLine:
    """One rule that fired, and what it did."""

    rule: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON form of a trace line."""
        return {"rule": self.rule, "detail": self.detail}


@dataclass(frozen=True)
class Recommendation:
    """The rules core's answer for one stage and one set of answers."""

    catalog_version: str
    stage: str
    status: str  # "recommended" | "no_full_match" | "need_more_info"
    answers: Mapping[str, bool | None]
    missing: tuple[str, ...]
    matches: tuple[ModelResult, ...]
    partial_matches: tuple[ModelResult, ...]
    excluded: tuple[Exclusion, ...]
    trace: tuple[TraceLine, ...]
    disclaimer: str = DISCLAIMER
    newer_models: tuple[NewerModel, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``recommendation/1`` JSON of CONTRACTS.md."""
        return {
            "schema": SCHEMA,
            "catalog_version": self.catalog_version,
            "stage": self.stage,
            "status": self.status,
            "answers": dict(self.answers),
            "missing": list(self.missing),
            "matches": [m.to_dict() for m in self.matches],
            "partial_matches": [m.to_dict(partial=True) for m in self.partial_matches],
            "excluded": [e.to_dict() for e in self.excluded],
            "trace": [t.to_dict() for t in self.trace],
            "disclaimer": self.disclaimer,
            "newer_models": [m.to_dict() for m in self.newer_models],
        }
