"""How often the stage vote of the nearest labelled requests is right, on requests it did not learn from.

Usage: ``python bench/stage_examples.py [--train N] [--extra FILE ...]``

The shipped examples are split by set: the development set and holdouts 1..N (default 8) vote; the later
holdouts and every ``--extra`` file (default ``../shared/data/eval/intake-dev.jsonl`` when present) are
guessed. Printed per band of the vote's share: requests, right, accuracy; then what the product's gates
(``MIN_SHARE``, ``MIN_NEAREST``) let through and how many of those are right.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.stage_examples import MIN_NEAREST, MIN_SHARE, Examples, load_examples, nearest_stage
from index.embeddings import get_embedder

REPO = Path(__file__).resolve().parents[1]
INTAKE_DEV = REPO.parent / "shared" / "data" / "eval" / "intake-dev.jsonl"


def _voters(examples: Examples, train: int) -> Examples:
    names = {"extraction_devset", "intake_holdout", *(f"intake_holdout{i}" for i in range(2, train + 1))}
    keep = [i for i, name in enumerate(examples.sets) if name in names]
    return Examples(
        examples.vectors[keep],
        tuple(examples.stages[i] for i in keep),
        tuple(examples.sets[i] for i in keep),
        tuple(examples.ids[i] for i in keep),
    )


def _gold(stage: object) -> set[str]:
    return set(stage) if isinstance(stage, list) else ({stage} if isinstance(stage, str) else set())


def main(argv: Sequence[str] | None = None) -> int:
    """Print the vote's accuracy per share band and under the product's gates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--train", type=int, default=8, help="Holdouts 1..N vote (with the development set).")
    parser.add_argument("--extra", type=Path, nargs="*", default=None, help="More labelled sets to guess.")
    args = parser.parse_args(argv)
    examples = load_examples()
    if examples is None:
        sys.exit("assistant/data/stage_examples.npz is missing: python -m index.stage_examples")
    voters = _voters(examples, args.train)
    tested: list[tuple[str, set[str], list[float]]] = []
    voted = set(voters.sets)
    for i, name in enumerate(examples.sets):
        if name not in voted:
            tested.append((examples.ids[i], {examples.stages[i]}, [float(x) for x in examples.vectors[i]]))
    extra = args.extra if args.extra is not None else ([INTAKE_DEV] if INTAKE_DEV.is_file() else [])
    for path in extra:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        items = [item for item in items if "text" in item and _gold(item["expected"]["stage"])]
        vectors = get_embedder().embed([item["text"] for item in items])
        for item, vector in zip(items, vectors, strict=True):
            tested.append((item["id"], _gold(item["expected"]["stage"]), [float(x) for x in vector]))
    print(f"voters: {len(voters.ids)} requests ({len(voted)} sets); guessed: {len(tested)} requests")
    bands: dict[str, list[int]] = {}
    passed = [0, 0]
    for _, gold, vector in tested:
        guess = nearest_stage(voters, vector, min_share=0, min_nearest=-1)
        if guess is None:
            continue
        band = f"{min(int(guess.share * 10), 9) / 10:.1f}"
        counts = bands.setdefault(band, [0, 0])
        counts[0] += 1
        counts[1] += guess.stage in gold
        if guess.share >= MIN_SHARE and guess.nearest >= MIN_NEAREST:
            passed[0] += 1
            passed[1] += guess.stage in gold
    print(f"{'share':>6} {'requests':>9} {'right':>6} {'accuracy':>9}")
    for band in sorted(bands):
        n, right = bands[band]
        print(f"{band:>6} {n:>9} {right:>6} {right / n:>9.3f}")
    n, right = passed
    share = n / len(tested) if tested else 0.0
    print(f"gates (share >= {MIN_SHARE}, nearest >= {MIN_NEAREST}): {n} requests ({share:.0%}), {right} right "
          f"({right / n if n else 0:.3f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
