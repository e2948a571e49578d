"""The shipped catalog: our data derived from the JMIR 2025 review, and its loader."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from assistant.catalog import Catalog

CATALOG_FILE = Path(__file__).parent / "data" / "catalog.json"


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Read the catalog JSON (the shipped one by default) into a Catalog; cached per path."""
    with path.open(encoding="utf-8") as fh:
        return Catalog.from_dict(json.load(fh))
