"""Build ``assistant/data/stage_examples.npz`` from the labelled requests of the intake bench sets.

Usage: ``python -m index.stage_examples`` (from the repository root; about a minute on 2 cores).
Every single-stage request of ``bench/extraction_devset.jsonl`` and ``bench/intake_holdout*.jsonl`` is
embedded; requests labelled with no stage or several stages are left out (they teach no one stage).
The vectors are stored as float16 (half the size; the votes do not change).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from assistant.stage_examples import DATA_FILE

BENCH = Path(__file__).resolve().parents[1] / "bench"
SET_FILES = ("extraction_devset.jsonl", "intake_holdout*.jsonl")


def labelled_requests(bench: Path = BENCH) -> Iterator[tuple[str, str, str, str]]:
    """(set, id, text, stage) of every single-stage request in the intake sets, in file order."""
    files = sorted({path for pattern in SET_FILES for path in bench.glob(pattern)})
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            stage = item.get("expected", {}).get("stage")
            if isinstance(item.get("text"), str) and isinstance(stage, str):
                yield path.stem, item["id"], item["text"], stage


def build(bench: Path = BENCH, out: Path = DATA_FILE) -> int:
    """Embed the labelled requests and write them to ``out``; returns how many."""
    import numpy as np

    from index.embeddings import get_embedder

    rows = list(labelled_requests(bench))
    vectors = get_embedder().embed([text for _, _, text, _ in rows])
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        vectors=vectors.astype(np.float16),
        stages=np.array([stage for *_, stage in rows]),
        sets=np.array([name for name, *_ in rows]),
        ids=np.array([item_id for _, item_id, *_ in rows]),
    )
    return len(rows)


if __name__ == "__main__":
    count = build()
    print(f"{count} labelled requests -> {DATA_FILE}", file=sys.stderr)
