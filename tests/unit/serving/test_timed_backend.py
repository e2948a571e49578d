"""The time spent inside LLM calls is measured (for /metrics and the serving benchmark)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from serving.api.metrics import Metrics
from serving.api.state import TimedBackend


class _SlowBackend:
    name = "openai"

    def complete(self, messages: Sequence[Any], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        time.sleep(0.05)
        return "ok"

    def complete_json(self, messages: Sequence[Any], schema: Mapping[str, Any], *, max_tokens: int = 512) -> Any:
        return {}

    def stream(self, messages: Sequence[Any], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        for piece in ("a", "b"):
            time.sleep(0.02)
            yield piece

    def list_models(self) -> list[str]:
        return ["m"]


def _sum(metrics: Metrics, call: str) -> float:
    value = metrics.registry.get_sample_value(
        "clinadvisor_llm_call_duration_seconds_sum", {"backend": "openai", "call": call}
    )
    return value or 0.0


def test_calls_are_timed_and_the_callers_time_is_not() -> None:
    metrics = Metrics()
    backend = TimedBackend(_SlowBackend(), metrics)
    assert backend.name == "openai" and backend.list_models() == ["m"]
    assert backend.complete([]) == "ok"
    assert 0.05 <= _sum(metrics, "complete") < 0.5
    pieces = []
    for piece in backend.stream([]):
        pieces.append(piece)
        time.sleep(0.1)  # the caller's own work between pieces is not LLM time
    assert pieces == ["a", "b"]
    assert 0.04 <= _sum(metrics, "stream") < 0.1
