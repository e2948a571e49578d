"""Architecture and GPU facts for sizing: built from ``source/*.csv`` by ``corpus.models.build``, and their loader."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from assistant.sizing_facts import SizingFacts

DATA = Path(__file__).parent / "data"
ARCHITECTURES_FILE = DATA / "architectures.json"
GPUS_FILE = DATA / "gpus.json"


@lru_cache(maxsize=4)
def load_sizing_facts(architectures: Path = ARCHITECTURES_FILE, gpus: Path = GPUS_FILE) -> SizingFacts:
    """Read the shipped facts (or the given files) into SizingFacts; cached per pair of paths."""
    with architectures.open(encoding="utf-8") as fa, gpus.open(encoding="utf-8") as fg:
        return SizingFacts.from_dicts(json.load(fa), json.load(fg))
