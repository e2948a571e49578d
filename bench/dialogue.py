"""Scripted conversations through the dialogue: user turns to a recommendation, and reply latency.

    python bench/dialogue.py                 # the ``none`` backend (templates and the rule-based reader)
    python bench/dialogue.py --embedded      # also the embedded backend, when it can start here

Each conversation plays its user turns until a reply shows a recommendation. Prints, per backend, the
median and maximum user turns to a recommendation and the p50 / p95 latency of one reply.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.catalog import Catalog
from assistant.dialogue import respond
from assistant.extraction import cache_clear
from assistant.llm import ChatBackend
from assistant.stage_examples import use_embedder
from corpus.catalog import load_catalog
from index.embeddings import embed_query_or_none

CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    (
        "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital.",
        "Only text goes in, and we run it on our own servers.",
    ),
    (
        "I'm a ward nurse; I want handoff notes between shifts written. Patient data must stay in-house.",
        "Text only, on our local servers please.",
    ),
    (
        "We need discharge letters for our patients; the data cannot be shared.",
        "We'd rather use the cloud, and the input is text only.",
    ),
    (
        "Outpatient service: recommend the right department from patients' symptom descriptions.",
        "Text only; the data may be shared and the cloud is fine.",
    ),
    (
        "I'm an oncologist and want help drafting treatment plans; data must stay inside the hospital.",
        "On premise, and only text goes in.",
    ),
    (
        "Radiologist: draft radiology reports. The input is text only and we only need text back. "
        "The data can't leave the hospital. We run it on premise.",
    ),
    (
        "We want to use an LLM in our hospital.",
        "Stage IV: it should summarise clinical records.",
        "Text only, no data sharing, local servers.",
    ),
    (
        "Soy radióloga y quiero redactar informes de TC; los datos no pueden salir del hospital.",
        "Solo texto, y lo ejecutamos localmente en el hospital.",
    ),
    (
        "Necesitamos informes de alta para los pacientes; los datos no pueden compartirse.",
        "Solo texto, en servidores locales.",
    ),
    (
        "Ich bin Radiologe und möchte CT-Befunde zusammenfassen lassen. Die Daten dürfen das Krankenhaus "
        "nicht verlassen.",
        "Nur Text, und wir betreiben es lokal.",
    ),
    (
        "Wir brauchen Entlassbriefe; die Daten dürfen nicht geteilt werden.",
        "Nur Text, lokal auf eigenen Servern.",
    ),
)


def play(
    catalog: Catalog, turns: Sequence[str], backend: ChatBackend | None, latencies: list[float], prose: Counter[str]
) -> int | None:
    """The number of user turns until a recommendation is shown (None if it never is)."""
    messages: list[dict[str, str]] = []
    for n, text in enumerate(turns, start=1):
        messages.append({"role": "user", "content": text})
        start = time.perf_counter()
        reply = respond(catalog, messages, backend=backend)
        latencies.append(time.perf_counter() - start)
        if reply.backend != "none":
            prose["LLM prose used"] += 1
        for notice in reply.notices:
            if "not found in the facts" in notice:
                prose["guard fired"] += 1
            elif "without the language model" in notice:
                prose["backend error"] += 1
        messages.append({"role": "assistant", "content": reply.text})
        if reply.kind == "recommendation":
            return n
    return None


def run(name: str, catalog: Catalog, backend: ChatBackend | None, conversations: Sequence[Sequence[str]]) -> None:
    """Play every conversation and print the figures."""
    cache_clear()
    latencies: list[float] = []
    prose: Counter[str] = Counter()
    turns = [play(catalog, c, backend, latencies, prose) for c in conversations]
    reached = [t for t in turns if t is not None]
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median_turns = statistics.median(reached) if reached else float("nan")
    print(
        f"{name}: {len(reached)}/{len(turns)} conversations reach a recommendation; "
        f"median user turns {median_turns:g}, max {max(reached, default=0)}; "
        f"reply latency p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"({len(latencies)} replies)"
    )
    if backend is not None:
        print(f"  prose: {dict(prose) or 'no LLM step'}")
    for conversation, n in zip(conversations, turns, strict=True):
        if n is None:
            print(f"  no recommendation: {conversation[0][:70]!r}")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedded", action="store_true", help="also run with the embedded backend")
    parser.add_argument("--embedded-conversations", type=int, default=3, help="conversations for the embedded run")
    args = parser.parse_args()
    use_embedder(embed_query_or_none)  # as the CLI and the server: the stage examples vote
    catalog = load_catalog()
    respond(catalog, [{"role": "user", "content": "warm-up"}])
    run("none", catalog, None, CONVERSATIONS)
    if not args.embedded:
        return
    try:
        from serving.backends.registry import load_backend
        from serving.settings import load_settings
    except ImportError as exc:
        print(f"embedded: serving.backends is not available ({exc})")
        return
    loaded = load_backend("embedded", load_settings())
    if loaded.degraded:
        print(f"embedded: unavailable ({'; '.join(loaded.notices)})")
        return
    run("embedded", catalog, loaded.backend, CONVERSATIONS[: args.embedded_conversations])


if __name__ == "__main__":
    main()
