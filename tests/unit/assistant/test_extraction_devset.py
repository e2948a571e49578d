"""Regression guard: the rule-based extractor over the whole development set meets its targets."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "extraction.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_extraction", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _bench()


def test_the_devset_covers_what_the_targets_are_about(bench: ModuleType) -> None:
    items = bench.load_devset()
    tags = {t for item in items for t in item["tags"]}
    assert len(items) >= 60
    assert {"negation", "correction", "multi", "none", "injection", "asked", "es", "de"} <= tags
    assert {item["expected"]["stage"] for item in items} >= {"I", "II", "III", "IV", "V", None}


def test_rule_based_extractor_meets_the_targets(bench: ModuleType) -> None:
    figures = bench.score(bench.load_devset())
    assert figures["slot_accuracy"] >= 0.9, figures["errors"]
    assert figures["stage_accuracy"] >= 0.9, figures["errors"]
    assert figures["hallucinated_on_empty"] == 0, figures["errors"]
