"""What it takes to run a model in the user's situation: the ``to_run`` block of a recommended model.

The situation's GPUs, users, context and workload when known; otherwise one user at 4,096 tokens on the
reference GPU type (the A100 80GB, the type the review's studies and price tables use most). The model
is sized at 16 bits and at the default 4-bit format (AWQ-class) so the reply can show both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.situation import Situation
from assistant.sizing import DEFAULT_CONTEXT, Prices, SizingRequest, ToRun, Workload, size
from assistant.sizing_facts import Architecture, GpuType, SizingFacts

REFERENCE_GPU_KEY = "a100-80gb"
TEXT_GENERATION_MARKERS = ("text_generation", "summarization")


@dataclass(frozen=True)
class RunSettings:
    """The parts of a situation sizing uses, hashable so results can be cached per setting."""

    gpu_key: str | None
    gpus_available: int | None
    users: int
    context: int
    requests_per_day: float | None
    tokens_per_request: int | None

    @classmethod
    def from_situation(cls, situation: Situation | None) -> RunSettings:
        """The settings for a situation (None: one user at 4,096 tokens, nothing else known)."""
        if situation is None:
            return cls(None, None, 1, DEFAULT_CONTEXT, None, None)
        gpus = situation.gpus
        work = situation.workload
        return cls(
            gpu_key=gpus.key if gpus else None,
            gpus_available=gpus.count if gpus else None,
            users=situation.users or 1,
            context=situation.context_tokens or DEFAULT_CONTEXT,
            requests_per_day=work.requests_per_day if work else None,
            tokens_per_request=work.tokens_per_request if work else None,
        )

    @property
    def known(self) -> bool:
        """True when the user said anything about their situation."""
        return (
            self.gpu_key is not None
            or self.users != 1
            or self.context != DEFAULT_CONTEXT
            or self.requests_per_day is not None
        )


def _gpu(facts: SizingFacts, key: str | None) -> tuple[GpuType | None, bool]:
    """The user's GPU type, else the reference type; and whether it is the reference."""
    by_key = {g.key: g for g in facts.gpus}
    if key and key in by_key:
        return by_key[key], False
    return by_key.get(REFERENCE_GPU_KEY), True


def to_run(arch: Architecture, settings: RunSettings, facts: SizingFacts, prices: Prices) -> ToRun:
    """The model sized at 16 bits and at 4 bits for the settings (the user's GPUs or the reference type)."""
    gpu, reference = _gpu(facts, settings.gpu_key)
    workload = Workload(settings.requests_per_day, settings.tokens_per_request) if settings.requests_per_day else None
    request = SizingRequest(
        quant="fp16",
        context=settings.context,
        users=settings.users,
        gpu=gpu,
        gpus_available=None if reference else settings.gpus_available,
        workload=workload,
    )
    fp16 = size(arch, request, prices)
    int4 = size(arch, replace(request, quant="awq"), prices)
    return ToRun(
        fp16=fp16,
        int4=int4,
        situation_known=settings.known,
        reference_gpu=reference,
        requested_context=settings.context,
    )


def generative_tasks(task_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The selected tasks whose output is written text (drafting, summarising)."""
    return tuple(t for t in task_ids if any(marker in t for marker in TEXT_GENERATION_MARKERS))
