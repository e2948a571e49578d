"""The shipped catalog: our data derived from the JMIR 2025 review, and its loader."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from assistant.catalog import Catalog
from corpus.models import load_sizing_facts

CATALOG_FILE = Path(__file__).parent / "data" / "catalog.json"


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Read the catalog JSON (the shipped one by default) into a Catalog with the sizing facts; cached per path."""
    with path.open(encoding="utf-8") as fh:
        catalog = Catalog.from_dict(json.load(fh))
    return replace(catalog, sizing_facts=load_sizing_facts())
