"""The sizing facts: the shipped JSON is what the hand-written tables give, and every row carries a source."""

from __future__ import annotations

import json

from corpus.models import ARCHITECTURES_FILE, GPUS_FILE
from corpus.models.build import build, main


def test_the_shipped_facts_are_built_from_the_tables() -> None:
    assert main(["--check"]) == 0
    architectures, gpus = build()
    assert json.loads(ARCHITECTURES_FILE.read_text(encoding="utf-8")) == architectures
    assert json.loads(GPUS_FILE.read_text(encoding="utf-8")) == gpus


def test_every_row_has_a_source_and_estimates_say_so() -> None:
    architectures, gpus = build()
    for model in architectures["models"]:
        assert model["source"] and model["checked"], model["key"]
        if model["estimated"]:
            assert model["layers"] is None and "estimated" in model["source"]
        else:
            assert model["layers"] and model["context"], model["key"]
    assert all(g["source"] and g["memory_gb"] > 0 and g["bandwidth_gb_s"] > 0 for g in gpus["gpus"])
