"""Resource figures for a model: per-phase GPUs with purchase or rental price, memory estimate, API prices.

The cloud price rule (CONTRACTS.md): the GPU type's hourly rate x count when the type is in the rental
table; else the rate for the total memory; else count x the rate of the smallest listed memory that is
at least the per-GPU memory ("nearest").
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.catalog import PHASES, Catalog, Model, Phase
from assistant.recommendation import ApiCost, MemoryEstimate, PhaseResources, Resources
from assistant.sizing import weights_gb

ESTIMATE_FORMULA = (
    "weights only: parameters x bits per weight / 8, at 16 bits and at the default 4-bit format (AWQ-class, "
    "4.25 bits per weight); the KV cache and runtime overhead for your situation are in to_run"
)


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


def memory_estimate(catalog: Catalog, model: Model) -> MemoryEstimate | None:
    """Memory for the weights at 16 and 4 bits, from the real parameter count where the facts know it.

    Without facts the review's size is used, and a mixture written as "8x7B" counts 8 x 7B as an upper
    bound. None for an unsized model.
    """
    arch = catalog.sizing_facts.model(model.id) if catalog.sizing_facts else None
    params = arch.params_b if arch is not None else model.params_b
    if params is None:
        return None
    return MemoryEstimate(
        fp16_gb=round(weights_gb(params, "fp16"), 1),
        int4_gb=round(weights_gb(params, "awq"), 1),
        formula=ESTIMATE_FORMULA,
        upper_bound=model.params_upper_bound and arch is None,
    )


def model_resources(catalog: Catalog, model: Model, deploy_local: bool | None) -> Resources:
    """Every resource figure of a model for the user's deployment choice."""
    phases = {
        name: (phase_resources(catalog, model.phases[name], deploy_local) if name in model.phases else None)
        for name in PHASES
    }
    estimate = memory_estimate(catalog, model) if "inference" not in model.phases else None
    price = catalog.api_prices.get(model.id)
    api = (
        ApiCost(price.usd_per_1k_input_tokens, price.usd_per_1k_output_tokens, price.as_of, price.note)
        if price
        else None
    )
    return Resources(phases=phases, estimate=estimate, api=api)


def _money(value: float) -> float:
    return round(value, 2)
