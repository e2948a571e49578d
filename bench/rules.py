"""Benchmark of the rules core: time of one recommendation, and of a sweep over every yes/no combination.

Usage: python bench/rules.py [--repeat 3]

Prints p50 and p99 of one ``recommend()`` call (the catalog is loaded once, outside the timing) measured
over every yes/no combination of every stage, and the wall time of the full sweep. Targets on the 2-core
reference machine: p50 under 1 ms, full sweep under 5 s.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.questionnaire import STAGE_IDS, question_ids
from assistant.rules import recommend
from corpus.catalog import load_catalog


def every_combination() -> list[tuple[str, dict[str, bool]]]:
    """Every yes/no answer combination of every stage's questions."""
    cases = []
    for stage in STAGE_IDS:
        ids = question_ids(stage)
        for values in itertools.product((True, False), repeat=len(ids)):
            cases.append((stage, dict(zip(ids, values, strict=True))))
    return cases


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description="Benchmark the rules core.")
    parser.add_argument("--repeat", type=int, default=3, help="sweeps to run (the best sweep time is reported)")
    args = parser.parse_args()
    catalog = load_catalog()
    cases = every_combination()
    recommend(catalog, *cases[0])  # build the per-catalog index once, as a running server would have it
    sweeps, calls = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for stage, answers in cases:
            t0 = time.perf_counter()
            recommend(catalog, stage, answers)
            calls.append(time.perf_counter() - t0)
        sweeps.append(time.perf_counter() - start)
    calls.sort()
    p50 = statistics.median(calls) * 1000
    p99 = calls[int(len(calls) * 0.99) - 1] * 1000
    print(f"cases per sweep: {len(cases)} (every yes/no combination of stages {', '.join(STAGE_IDS)})")
    print(f"one recommendation: p50 {p50:.3f} ms, p99 {p99:.3f} ms (target p50 < 1 ms)")
    print(f"full sweep: best {min(sweeps):.2f} s of {args.repeat} (target < 5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
