"""Architecture and GPU facts the sizing module reads, and how a name as people write it finds them.

The facts are data the corpus layer ships (``corpus/models/data/*.json``, built from hand-written source
tables with a source per row); this module only defines their shape, reads them from plain dicts and
looks names up, so the domain stays free of I/O.

Name lookup ignores case, spaces, dots and hyphens ("Llama 2 70B" finds the catalog's LLaMA2 70B); when
no name matches exactly, a model matches if every word of the query is one of its words ("medgemma 27b"
finds MedGemma-27B-text-it). Several matches are ambiguous; none gives the closest names as candidates.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MODEL_TYPES = ("decoder", "encoder", "encoder-decoder", "vision-language")
CANDIDATE_LIMIT = 8


@dataclass(frozen=True)
class Architecture:
    """What sizing needs to know of one model: parameters, attention shape, context, licence, sources."""

    key: str  # the catalog id, or the newer model's name
    name: str
    source_kind: str  # "catalog" | "newer_models"
    type: str  # one of MODEL_TYPES
    params_b: float
    active_params_b: float  # = params_b unless a mixture of experts
    layers: int | None  # decoder layers (for an encoder-decoder: the decoder's)
    heads: int | None
    kv_heads: int | None
    head_dim: int | None
    hidden: int | None
    context: int | None
    attention: str  # "mha" | "gqa" | "mqa" | "mla" | a pattern such as "5 local : 1 global"
    sliding_window: int | None = None  # tokens a windowed layer keeps
    global_layers: int | None = None  # layers with full attention when the others are windowed
    mla_kv_dim: int | None = None  # MLA: cached latent per layer and token (kv_lora_rank + rope dim)
    estimated: bool = False  # only the parameter count is known; the shape is estimated from it
    licence: str = ""
    licence_settled: bool = False  # False: the licence still needs checking and is shown as such
    released: str | None = None
    modality: str = "text"  # "text" | "text+image"
    medical_figures: str = ""
    based_on: str | None = None
    source: str = ""  # where the facts come from
    checked: str = ""  # what was checked, and where
    note: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def is_mixture(self) -> bool:
        """True for a mixture of experts (fewer parameters active per token than in total)."""
        return self.active_params_b < self.params_b

    @property
    def can_generate_text(self) -> bool:
        """False for encoder-only models: they classify and extract, they do not write text."""
        return self.type != "encoder"

    def names(self) -> tuple[str, ...]:
        """Every name the model answers to."""
        return (self.key, self.name, *self.aliases)


@dataclass(frozen=True)
class GpuType:
    """One GPU model: memory, memory bandwidth and power, with the catalog name that prices it."""

    key: str
    name: str
    memory_gb: float
    bandwidth_gb_s: float
    power_w: float
    catalog_name: str | None = None  # the catalog's GPU name (purchase price), when it has one
    rental_key: str | None = None  # the catalog's rental-table key by GPU type, when it has one
    source: str = ""
    checked: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Every name the GPU answers to."""
        return (self.key, self.name, *self.aliases)


@dataclass(frozen=True)
class Lookup:
    """The answer to a name: the one match, or the candidates when there is none or several."""

    match: Architecture | None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False  # several models answer to the name (else: none does; candidates are close names)


@dataclass(frozen=True, eq=False)  # identity equality: cacheable per loaded facts
class SizingFacts:
    """Everything sizing reads: architectures (catalog models and newer ones) and GPU types."""

    version: str
    models: tuple[Architecture, ...]
    gpus: tuple[GpuType, ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def _by_key(self) -> Mapping[str, Architecture]:
        return {m.key: m for m in self.models}

    @cached_property
    def _by_squashed(self) -> Mapping[str, tuple[Architecture, ...]]:
        table: dict[str, list[Architecture]] = {}
        for m in self.models:
            for name in {squash(n) for n in m.names()}:
                table.setdefault(name, []).append(m)
        return {k: tuple(v) for k, v in table.items()}

    @cached_property
    def _gpu_by_squashed(self) -> Mapping[str, GpuType]:
        return {squash(n): g for g in self.gpus for n in g.names()}

    def model(self, key: str) -> Architecture | None:
        """The architecture with this key (a catalog id or a newer model's name), or None."""
        return self._by_key.get(key)

    def newer_models(self) -> tuple[Architecture, ...]:
        """The newer open-weight models (outside the review's catalog)."""
        return tuple(m for m in self.models if m.source_kind == "newer_models")

    def find(self, name: str) -> Lookup:
        """The model a name means, or the candidates when it is unknown or ambiguous."""
        exact = self._by_squashed.get(squash(name), ())
        if len(exact) == 1:
            return Lookup(exact[0])
        if len(exact) > 1:
            return Lookup(None, tuple(m.key for m in exact), ambiguous=True)
        wanted = words(name)
        if not wanted:
            return Lookup(None, ())
        partial = [m for m in self.models if wanted <= set().union(*(words(n) for n in m.names()))]
        if len(partial) == 1:
            return Lookup(partial[0])
        if partial:
            return Lookup(None, tuple(m.key for m in partial[:CANDIDATE_LIMIT]), ambiguous=True)
        close = difflib.get_close_matches(squash(name), list(self._by_squashed), n=CANDIDATE_LIMIT, cutoff=0.6)
        keys = list(dict.fromkeys(m.key for c in close for m in self._by_squashed[c]))
        return Lookup(None, tuple(keys[:CANDIDATE_LIMIT]))

    def named_in(self, text: str) -> tuple[Architecture, str] | None:
        """The model a free text names with the longest name ("Llama 3.3 70B Instruct" before "Llama"), and
        the words that named it; None when no run of up to five words is exactly one model's name."""
        tokens = _NAME_TOKEN.findall(text)
        best: tuple[Architecture, str] | None = None
        for start in range(len(tokens)):
            for width in range(min(5, len(tokens) - start), 0, -1):
                phrase = " ".join(tokens[start : start + width])
                found = self._by_squashed.get(squash(phrase), ())
                if len(found) == 1 and len(squash(phrase)) >= 4 and any(ch.isdigit() for ch in phrase):
                    if best is None or len(squash(phrase)) > len(squash(best[1])):
                        best = (found[0], phrase)
                    break
        return best

    def gpu(self, name: str) -> GpuType | None:
        """The GPU type a name means ("A100 80GB", "rtx4090", "NVIDIA H100"), or None."""
        key = squash(name)
        found = self._gpu_by_squashed.get(key)
        if found is None and key.startswith("nvidia"):
            found = self._gpu_by_squashed.get(key.removeprefix("nvidia"))
        return found

    def gpu_names(self) -> tuple[str, ...]:
        """Every GPU type's display name."""
        return tuple(g.name for g in self.gpus)

    @classmethod
    def from_dicts(cls, architectures: Mapping[str, Any], gpus: Mapping[str, Any]) -> SizingFacts:
        """Build the facts from the two JSON documents the corpus ships."""
        return cls(
            version=str(architectures.get("version", "")),
            models=tuple(_architecture(m) for m in architectures["models"]),
            gpus=tuple(_gpu(g) for g in gpus["gpus"]),
            sources={**dict(architectures.get("sources", {})), **dict(gpus.get("sources", {}))},
        )


_WORDS = re.compile(r"[a-z]+|\d+(?:\.\d+)?[a-z]*")
_NAME_TOKEN = re.compile(r"[\w.]+(?:-[\w.]+)*")  # "Qwen3-32B", "3.3", "70B": a model name's words


def squash(text: str) -> str:
    """Lower case, letters and digits only: the form in which names are compared."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def words(text: str) -> set[str]:
    """The words of a name, split at spaces, hyphens and dots and between letters and digits kept as sizes."""
    lowered = text.casefold().replace("_", " ")
    out: set[str] = set()
    for chunk in re.split(r"[\s\-/]+", lowered):
        clean = "".join(ch for ch in chunk if ch.isalnum() or ch == ".").strip(".")
        if not clean:
            continue
        out.add(clean.replace(".", ""))
        out.update(w.replace(".", "") for w in _WORDS.findall(clean))
    return out


def _architecture(m: Mapping[str, Any]) -> Architecture:
    return Architecture(
        key=m["key"],
        name=m["name"],
        source_kind=m["source_kind"],
        type=m["type"],
        params_b=float(m["params_b"]),
        active_params_b=float(m.get("active_params_b") or m["params_b"]),
        layers=m.get("layers"),
        heads=m.get("heads"),
        kv_heads=m.get("kv_heads"),
        head_dim=m.get("head_dim"),
        hidden=m.get("hidden"),
        context=m.get("context"),
        attention=m.get("attention", "mha"),
        sliding_window=m.get("sliding_window"),
        global_layers=m.get("global_layers"),
        mla_kv_dim=m.get("mla_kv_dim"),
        estimated=bool(m.get("estimated", False)),
        licence=m.get("licence", ""),
        licence_settled=bool(m.get("licence_settled", False)),
        released=m.get("released"),
        modality=m.get("modality", "text"),
        medical_figures=m.get("medical_figures", ""),
        based_on=m.get("based_on"),
        source=m.get("source", ""),
        checked=m.get("checked", ""),
        note=m.get("note", ""),
        aliases=tuple(m.get("aliases", ())),
    )


def _gpu(g: Mapping[str, Any]) -> GpuType:
    return GpuType(
        key=g["key"],
        name=g["name"],
        memory_gb=float(g["memory_gb"]),
        bandwidth_gb_s=float(g["bandwidth_gb_s"]),
        power_w=float(g["power_w"]),
        catalog_name=g.get("catalog_name"),
        rental_key=g.get("rental_key"),
        source=g.get("source", ""),
        checked=g.get("checked", ""),
        aliases=tuple(g.get("aliases", ())),
    )


def sorted_by_memory(gpus: Iterable[GpuType]) -> list[GpuType]:
    """GPU types from the smallest memory to the largest (then by name)."""
    return sorted(gpus, key=lambda g: (g.memory_gb, g.name))
