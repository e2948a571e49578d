"""How long the intake's translation of a message takes: the requests of a set that the phrase rules do not read.

Usage: ``python bench/translation.py [--devset FILE] [--backend embedded|openai]``. For each request of the set
written in a language the rules do not read (``assistant.language.read_by_rules``), the language model puts it
into English once (``assistant.translation.message_to_english``, cache emptied first); prints each one's
seconds, characters in and out, and the p50 and maximum.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]  # bench/serving.py hides serving/
sys.path.insert(0, str(REPO))

from assistant.language import read_by_rules  # noqa: E402
from assistant.translation import cache_clear, message_to_english  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    """Translate the set's requests the rules do not read and print the times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--devset", type=Path, default=REPO / "bench" / "intake_holdout16.jsonl")
    parser.add_argument("--backend", default="embedded", choices=["embedded", "openai"])
    args = parser.parse_args(argv)
    from serving.backends.registry import load_backend
    from serving.settings import load_settings

    loaded = load_backend(args.backend, load_settings())
    if loaded.degraded:
        print(f"{args.backend}: not available ({'; '.join(loaded.notices)})", file=sys.stderr)
        return 1
    backend = loaded.backend
    backend.complete([{"role": "user", "content": "Hello."}], max_tokens=4)  # load the model outside the timing
    items = [json.loads(line) for line in args.devset.read_text(encoding="utf-8").splitlines() if line.strip()]
    times = []
    for item in items:
        text = item.get("text", "")
        if not text or read_by_rules(text):
            continue
        cache_clear()
        start = time.perf_counter()
        english = message_to_english(text, backend)
        seconds = time.perf_counter() - start
        times.append(seconds)
        print(f"{item['id']}: {seconds:.1f} s, {len(text)} chars in, {len(english or '')} out")
    if times:
        print(f"{len(times)} messages: p50 {statistics.median(times):.1f} s, max {max(times):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
