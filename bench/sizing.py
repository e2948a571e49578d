"""Benchmark of the sizing module: its estimates against published reference figures, each cited.

Usage: python bench/sizing.py [--json]

Prints one row per reference: what is compared, the published figure and its source, our estimate, the
difference, and whether it is within the target (15 %). A reference that is a bound ("fits one 48 GB GPU",
"more than 780 GB") is met when the estimate respects the bound; a fit is also checked for being within
15 % below the bound, so that a trivially small estimate does not pass. Exit code 1 when a row misses.

The references are those of ../shared/data/models/README.md (gathered for this check), plus model file
sizes listed on Ollama's library pages (read with the search tool; the pages print sizes in GB).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.sizing import finetune_gb, kv_cache_bytes, weights_gb
from assistant.sizing_facts import Architecture
from corpus.models import load_sizing_facts

TARGET = 0.15
GIB = 2**30 / 1e9  # one GiB in GB


@dataclass(frozen=True)
class Reference:
    """One published figure and how to estimate it."""

    what: str
    published: float  # GB
    source: str
    estimate: Callable[[], float]
    kind: str = "value"  # "value" | "at_most" (fits within) | "more_than"


def _arch(key: str) -> Architecture:
    found = load_sizing_facts().model(key)
    if found is None:
        raise SystemExit(f"no facts for {key}")
    return found


# LLaMA 65B as published (Touvron et al. 2023, Table 2); the catalog has no 65B row, so it is built here.
LLAMA_65B = Architecture(
    key="llama-65b", name="LLaMA 65B", source_kind="bench", type="decoder", params_b=65.29, active_params_b=65.29,
    layers=80, heads=64, kv_heads=64, head_dim=128, hidden=8192, context=2048, attention="mha",
)  # fmt: skip


def references() -> list[Reference]:
    """Every reference figure with its estimate."""
    return [
        Reference(
            "Llama-2 7B weights at 4-bit",
            3.9,
            "radiology review (seed 001), Table 2: 3.9 GB of VRAM",
            lambda: weights_gb(_arch("llama2-7b").params_b, "awq"),
        ),
        Reference(
            "Llama-2 13B weights at 4-bit",
            7.3,
            "radiology review (seed 001), Table 2: 7.3 GB of VRAM",
            lambda: weights_gb(_arch("llama2-13b").params_b, "awq"),
        ),
        Reference(
            "Llama-2 70B weights at 4-bit",
            36.0,
            "radiology review (seed 001), Table 2: 36.0 GB of VRAM",
            lambda: weights_gb(_arch("llama2-70b").params_b, "awq"),
        ),
        Reference(
            "Llama-2-7B-chat q4_0 file",
            3.79,
            "TheBloke's GGML model card of Llama-2-7B-Chat: 3.79 GB",
            lambda: weights_gb(_arch("llama2-chat-7b").params_b, "q4_0"),
        ),
        Reference(
            "Llama-3.1-8B Q4_0",
            4.33 * GIB,
            "llama.cpp load log: 4.33 GiB (4.64 bits per weight)",
            lambda: weights_gb(_arch("llama-3-1-instruct-8b").params_b, "q4_0"),
        ),
        Reference(
            "Llama-3.1-8B BF16 weights loaded by vLLM",
            14.99 * GIB,
            "vLLM issue 10517: 14.99 GiB",
            lambda: weights_gb(_arch("llama-3-1-instruct-8b").params_b, "fp16"),
        ),
        Reference(
            "Llama-2-7B KV cache, 4,096 tokens, fp16, batch 1",
            2 * 32 * 4096 * 128 * 32 * 2 / 1e9,
            "NVIDIA technical blog on LLM inference: 2 x 32 layers x 4,096 x 128 x 32 heads x 2 bytes (about 2 GB)",
            lambda: kv_cache_bytes(_arch("llama2-7b"), 4096, 1) / 1e9,
        ),
        Reference(
            "MedGemma 27B, Q4_K_M file",
            17.0,
            "ollama.com/library/medgemma:27b-it-q4_K_M: 17GB",
            lambda: weights_gb(_arch("MedGemma-27B-text-it").params_b, "q4_k_m"),
        ),
        Reference(
            "MedGemma 27B, BF16 file",
            55.0,
            "ollama.com/library/medgemma:27b-it-bf16: 55GB",
            lambda: weights_gb(_arch("MedGemma-27B-text-it").params_b, "fp16"),
        ),
        Reference(
            "MedGemma 27B, Q8_0 file (our int8: 8.0 bits; Q8_0 stores 8.5)",
            30.0,
            "ollama.com/library/medgemma:27b-it-q8_0: 30GB",
            lambda: weights_gb(_arch("MedGemma-27B-text-it").params_b, "int8"),
        ),
        Reference(
            "Phi-4, Q4_K_M file",
            9.1,
            "ollama.com/library/phi4:14b-q4_K_M: 9.1GB",
            lambda: weights_gb(_arch("Phi-4").params_b, "q4_k_m"),
        ),
        Reference(
            "Phi-4, F16 file",
            29.0,
            "ollama.com/library/phi4:14b-fp16: 29GB",
            lambda: weights_gb(_arch("Phi-4").params_b, "fp16"),
        ),
        Reference(
            "65B fine-tuned with QLoRA (rank 64, all linear layers; 512 tokens, batch 1)",
            48.0,
            "QLoRA paper (Dettmers et al. 2023): fits one 48 GB GPU",
            lambda: finetune_gb(LLAMA_65B, "qlora", 512, 1, 64),
            "at_most",
        ),
        Reference(
            "65B, full 16-bit fine-tuning",
            780.0,
            "QLoRA paper (Dettmers et al. 2023): more than 780 GB",
            lambda: finetune_gb(LLAMA_65B, "full", 512, 1, 64),
            "more_than",
        ),
        Reference(
            "LLaMA-3 8B fine-tuned with QLoRA (rank 16, 2,048 tokens)",
            48.0,
            "seed 004: one 48 GB GPU was enough",
            lambda: finetune_gb(_arch("llama3-8b"), "qlora", 2048, 1, 16),
            "fits",
        ),
        Reference(
            "full fine-tuning, mixed-precision AdamW, bytes per parameter",
            17.0,
            "Hugging Face 'model memory anatomy': about 16-18 bytes per parameter (middle of the range)",
            lambda: (finetune_gb(LLAMA_65B, "full", 1, 1, 64) - 1.0) / LLAMA_65B.params_b,
        ),
    ]


def check(ref: Reference, estimate: float) -> tuple[float | None, bool]:
    """(relative difference or None for a bound, whether the target is met)."""
    if ref.kind == "more_than":
        return None, estimate > ref.published
    if ref.kind == "fits":
        return None, estimate <= ref.published
    diff = (estimate - ref.published) / ref.published
    if ref.kind == "at_most":
        return diff, -TARGET <= diff <= 0
    return diff, abs(diff) <= TARGET


def main() -> int:
    """Print the comparison table; exit 1 when an estimate misses its target."""
    parser = argparse.ArgumentParser(description="Compare sizing estimates with published figures.")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of the table")
    args = parser.parse_args()
    rows = []
    for ref in references():
        estimate = ref.estimate()
        diff, ok = check(ref, estimate)
        rows.append(
            {
                "what": ref.what,
                "published": round(ref.published, 3),
                "estimate": round(estimate, 3),
                "diff_pct": None if diff is None else round(diff * 100, 1),
                "kind": ref.kind,
                "ok": ok,
                "source": ref.source,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'what':<72} {'published':>10} {'estimate':>10} {'diff':>8}  ok  source")
        for r in rows:
            bound = {"at_most": "<= ", "fits": "<= ", "more_than": "> "}.get(r["kind"], "")
            diff = "bound" if r["diff_pct"] is None else f"{r['diff_pct']:+.1f}%"
            print(
                f"{r['what']:<72} {bound + format(r['published'], '.2f'):>10} {r['estimate']:>10.2f} {diff:>8}  "
                f"{'yes' if r['ok'] else 'NO ':<3} {r['source']}"
            )
        met = sum(r["ok"] for r in rows)
        worst = max((abs(r["diff_pct"]) for r in rows if r["diff_pct"] is not None), default=0.0)
        print(f"\n{met} of {len(rows)} within target (15 %; bounds respected); largest difference {worst:.1f} %")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
