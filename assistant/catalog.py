"""The catalog's types: clinical sub-task columns, models, their resources, and the price tables.

The catalog is our own data, derived from the JMIR 2025 review by ``corpus.catalog.build``. This module
only defines its shape and how to read it from the plain dict that the JSON file holds; loading the file
is the corpus layer's job, so the domain stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from assistant.sizing_facts import SizingFacts

TEXT = "text"
PHASES = ("pre_training", "fine_tuning", "inference")


@dataclass(frozen=True)
class Column:
    """One column of the review's tables: a (stage, sub-task) pair for one input modality."""

    id: str
    position: int
    stage: str
    task: str
    subtask: str
    mandatory_input: str
    optional_input: str
    output: str

    @property
    def text_input_only(self) -> bool:
        """True when the column needs text only (mandatory text, optional empty or text)."""
        return self.mandatory_input == TEXT and self.optional_input in ("", TEXT)

    @property
    def text_output_only(self) -> bool:
        """True when the column's output is text."""
        return self.output == TEXT


@dataclass(frozen=True)
class Phase:
    """GPU resources a study reported for one phase (pre-training, fine-tuning or inference)."""

    gpu_count: int
    gpu_type: str | None
    gpu_memory_gb: float | None
    memory_gb_total: float | None
    power_w_total: float | None
    purchase_usd_total: float | None


@dataclass(frozen=True)
class Link:
    """A link to a model's code or weights."""

    label: str
    url: str


@dataclass(frozen=True)
class Usage:
    """How many studies used a model in one column, and how many reported it best."""

    used: int
    best: int

    @property
    def studies(self) -> int:
        """Studies that used it here; a study that reported it best used it (the data sometimes omits that)."""
        return max(self.used, self.best)


@dataclass(frozen=True)
class Model:
    """One row of the review: a model name with one size (or none), and what studies report of it."""

    id: str
    row: int
    name: str
    size: str | None
    params_b: float | None
    params_upper_bound: bool
    access: str
    links: tuple[Link, ...]
    usage: Mapping[str, Usage]
    phases: Mapping[str, Phase]

    @property
    def label(self) -> str:
        """Name and size, as people write it ("RaDialog-7B")."""
        return f"{self.name}-{self.size}" if self.size else self.name


@dataclass(frozen=True)
class RentalRate:
    """A cloud rental price: per GPU of a type, or for a rental with a given total memory."""

    basis: str  # "gpu_type" or "memory_gb"
    key: str
    usd_per_hour: float


@dataclass(frozen=True)
class ApiPrice:
    """An API service's token prices, with the date they were read."""

    usd_per_1k_input_tokens: float | None
    usd_per_1k_output_tokens: float | None
    as_of: str
    note: str


@dataclass(frozen=True)
class GpuSpec:
    """A GPU card as the catalog prices it."""

    name: str
    memory_gb: float
    tdp_w: float | None
    purchase_usd: float | None


@dataclass(frozen=True, eq=False)  # identity equality: a catalog is hashable and cacheable
class Catalog:
    """Everything the rules need, read-only."""

    version: str
    date: str
    source: Mapping[str, str]
    prices_as_of: Mapping[str, str]
    columns: tuple[Column, ...]
    models: tuple[Model, ...]
    rental_rates: tuple[RentalRate, ...]
    api_prices: Mapping[str, ApiPrice]
    gpus: Mapping[str, GpuSpec]
    corrections: tuple[Mapping[str, str], ...] = field(default=())
    # Architecture and GPU facts for sizing (the corpus layer attaches them when it loads the catalog);
    # without them recommendations carry no ``to_run`` and estimates use the review's sizes only.
    sizing_facts: SizingFacts | None = field(default=None, repr=False)

    def column(self, column_id: str) -> Column:
        """The column with this id."""
        return self._columns_by_id[column_id]

    def model(self, model_id: str) -> Model:
        """The model with this id (KeyError when absent)."""
        return self._models_by_id[model_id]

    def find_models(self, name: str) -> tuple[Model, ...]:
        """Models whose id, name or name-size label matches ``name``, ignoring case and punctuation."""
        wanted = squash_name(name)
        return tuple(m for m in self.models if wanted in (squash_name(m.id), squash_name(m.name), squash_name(m.label)))

    def columns_named(self, text: str) -> tuple[Column, ...]:
        """The columns whose sub-task the text names ("the de-identification studies" -> Text deidentification),
        compared without case, spaces or punctuation; a leading "Text" of the review's label may be left out."""
        squashed = squash_name(text)
        return tuple(
            c
            for c in self.columns
            if any(len(name) >= _MIN_SUBTASK_CHARS and name in squashed for name in _subtask_names(c.subtask))
        )

    # cached_property writes to the instance __dict__ directly, so it works on a frozen dataclass.
    @cached_property
    def _columns_by_id(self) -> Mapping[str, Column]:
        return MappingProxyType({c.id: c for c in self.columns})

    @cached_property
    def _models_by_id(self) -> Mapping[str, Model]:
        return MappingProxyType({m.id: m for m in self.models})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        """Build a catalog from the dict the catalog JSON file holds."""
        columns = tuple(Column(**c) for c in data["columns"])
        models = tuple(_model_from_dict(m) for m in data["models"])
        return cls(
            version=data["version"],
            date=data["date"],
            source=MappingProxyType(dict(data["source"])),
            prices_as_of=MappingProxyType(dict(data["prices_as_of"])),
            columns=columns,
            models=models,
            rental_rates=tuple(RentalRate(**r) for r in data["rental_rates"]),
            api_prices=MappingProxyType({k: ApiPrice(**v) for k, v in data["api_prices"].items()}),
            gpus=MappingProxyType({k: GpuSpec(**v) for k, v in data["gpus"].items()}),
            corrections=tuple(MappingProxyType(dict(c)) for c in data.get("corrections", ())),
        )


_MIN_SUBTASK_CHARS = 8  # shorter squashed labels ("QA") would be found inside other words


def _subtask_names(subtask: str) -> set[str]:
    words = subtask.split()
    return {squash_name(subtask), squash_name(" ".join(words[1:]) if words[:1] == ["Text"] else subtask)}


def squash_name(text: str) -> str:
    """A name without case, spaces or punctuation, for comparing how people write model names ("LLaMA-2 7b")."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _model_from_dict(m: Mapping[str, Any]) -> Model:
    return Model(
        id=m["id"],
        row=m["row"],
        name=m["name"],
        size=m["size"],
        params_b=m["params_b"],
        params_upper_bound=m["params_upper_bound"],
        access=m["access"],
        links=tuple(Link(**link) for link in m["links"]),
        usage=MappingProxyType({col: Usage(used=u[0], best=u[1]) for col, u in m["usage"].items()}),
        phases=MappingProxyType({name: Phase(**p) for name, p in m["phases"].items()}),
    )
