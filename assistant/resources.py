"""Resource figures for a model: per-phase GPUs with purchase or rental price, memory estimate, API prices.

The cloud price rule (CONTRACTS.md): the GPU type's hourly rate x count when the type is in the rental
table; else the rate for the total memory; else count x the rate of the smallest listed memory that is
at least the per-GPU memory ("nearest").
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.catalog import PHASES, Catalog, Model, Phase
from assistant.recommendation import ApiCost, MemoryEstimate, PhaseResources, Resources

BYTES_FP16 = 2.0
BYTES_INT4 = 0.5
OVERHEAD = 1.2
ESTIMATE_FORMULA = "params_b x bytes per parameter (2 at fp16, 0.5 at int4) x 1.2 for activations and cache"


@dataclass(frozen=True)
class CloudPrice:
    """An hourly rental price and which rule produced it."""

    usd_per_hour: float
    basis: str  # "gpu_type" | "memory" | "nearest"


def cloud_price(catalog: Catalog, phase: Phase) -> CloudPrice | None:
    """The hourly rental price of a phase's GPUs, or None when nothing in the table fits."""
    by_type = {r.key: r.usd_per_hour for r in catalog.rental_rates if r.basis == "gpu_type"}
    by_memory = {float(r.key): r.usd_per_hour for r in catalog.rental_rates if r.basis == "memory_gb"}
    short_type = (phase.gpu_type or "").removeprefix("NVIDIA ").strip()
    if short_type in by_type:
        return CloudPrice(_money(by_type[short_type] * phase.gpu_count), "gpu_type")
    if phase.memory_gb_total is not None and phase.memory_gb_total in by_memory:
        return CloudPrice(by_memory[phase.memory_gb_total], "memory")
    if phase.gpu_memory_gb is not None:
        fitting = [m for m in by_memory if m >= phase.gpu_memory_gb]
        if fitting:
            return CloudPrice(_money(by_memory[min(fitting)] * phase.gpu_count), "nearest")
    return None


def phase_resources(catalog: Catalog, phase: Phase, deploy_local: bool | None) -> PhaseResources:
    """One phase as shown for the deployment choice: local -> purchase and power; cloud -> rental; unknown -> both."""
    local = deploy_local is not False
    cloud = deploy_local is not True
    rent = cloud_price(catalog, phase) if cloud else None
    return PhaseResources(
        gpu_count=phase.gpu_count,
        gpu_type=phase.gpu_type,
        gpu_memory_gb=phase.gpu_memory_gb,
        memory_gb_total=phase.memory_gb_total,
        power_w_total=phase.power_w_total if local else None,
        purchase_usd_total=phase.purchase_usd_total if local else None,
        cloud_usd_per_hour=rent.usd_per_hour if rent else None,
        cloud_basis=rent.basis if rent else None,
    )


def memory_estimate(model: Model) -> MemoryEstimate | None:
    """Inference memory estimated from the parameter count (None for an unsized model)."""
    if model.params_b is None:
        return None
    return MemoryEstimate(
        fp16_gb=round(model.params_b * BYTES_FP16 * OVERHEAD, 1),
        int4_gb=round(model.params_b * BYTES_INT4 * OVERHEAD, 1),
        formula=ESTIMATE_FORMULA,
        upper_bound=model.params_upper_bound,
    )


def model_resources(catalog: Catalog, model: Model, deploy_local: bool | None) -> Resources:
    """Every resource figure of a model for the user's deployment choice."""
    phases = {
        name: (phase_resources(catalog, model.phases[name], deploy_local) if name in model.phases else None)
        for name in PHASES
    }
    estimate = memory_estimate(model) if "inference" not in model.phases else None
    price = catalog.api_prices.get(model.id)
    api = (
        ApiCost(price.usd_per_1k_input_tokens, price.usd_per_1k_output_tokens, price.as_of, price.note)
        if price
        else None
    )
    return Resources(phases=phases, estimate=estimate, api=api)


def _money(value: float) -> float:
    return round(value, 2)
