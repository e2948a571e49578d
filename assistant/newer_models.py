"""Newer open-weight models to consider: outside the review's evidence, listed apart from its ranking.

The review's catalog ends in early 2025. ``newer_models_for`` lists models of the facts file (2024-2025
releases) that suit the need's modality and fit the user's hardware, each with its licence (unsettled
ones say so), what it takes to run it, and any medical benchmark figure with its source. They are never
starred and never ranked against the review's models; benchmark figures come from different suites and
are shown as reported, never compared across suites. Order: smallest memory to run at 4 bits first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.sizing import Prices, ToRun
from assistant.sizing_facts import Architecture, SizingFacts
from assistant.to_run import RunSettings, to_run

LIMIT = 6
LABEL = "outside the review's evidence: no study in the review used these models"


@dataclass(frozen=True)
class NewerModel:
    """One newer model, sized for the user's situation."""

    arch: Architecture
    to_run: ToRun

    @property
    def fits(self) -> bool | None:
        """True when it fits the user's GPUs at 16 or at 4 bits; None when their GPUs are unknown."""
        if self.to_run.fp16.fits is None and self.to_run.int4.fits is None:
            return None
        return bool(self.to_run.fp16.fits or self.to_run.int4.fits)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the ``newer_models`` extension of a recommendation)."""
        a = self.arch
        return {
            "key": a.key,
            "name": a.name,
            "released": a.released,
            "type": a.type,
            "modality": a.modality,
            "params_b": a.params_b,
            "active_params_b": a.active_params_b,
            "licence": {"name": a.licence, "settled": a.licence_settled},
            "medical_figures": a.medical_figures,
            "source": a.source,
            "checked": a.checked,
            "note": a.note,
            "fits": self.fits,
            "to_run": self.to_run.to_dict(),
            "label": LABEL,
        }


def suits_modality(arch: Architecture, answers: Mapping[str, bool | None]) -> bool:
    """Whether the model takes the need's input: images going in need a model that reads images."""
    if not arch.can_generate_text:
        return False
    if answers.get("input_text_only") is False:
        return "image" in arch.modality
    return True


def newer_models_for(
    facts: SizingFacts,
    answers: Mapping[str, bool | None],
    settings: RunSettings,
    prices: Prices,
    *,
    limit: int = LIMIT,
) -> tuple[NewerModel, ...]:
    """Newer models that suit the modality and (when the user's GPUs are known) fit them; pure."""
    listed = []
    for arch in facts.newer_models():
        if not suits_modality(arch, answers):
            continue
        entry = NewerModel(arch, to_run(arch, settings, facts, prices))
        if entry.fits is False:
            continue
        listed.append(entry)
    listed.sort(key=lambda e: (e.to_run.int4.total_gb, e.arch.name.casefold()))
    return tuple(listed[:limit])
