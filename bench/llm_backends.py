"""LLM backends on this machine: load time, a JSON extraction-sized call (latency, tokens/s), and what
keeping the fixed prompt prefix's KV state saves.

    python bench/llm_backends.py [--models smollm2-135m,qwen2.5-coder-1.5b] [--repeat 3]

For each packaged model, in-process (embedded backend):
  cold      the first extraction call after loading (the whole prompt is evaluated)
  warm      the same system prompt and examples, another user message (only the new tail is evaluated)
  after_other / after_other_nocache
            an extraction call right after a call with a different prompt, with the RAM cache of KV
            states and without it (without it llama.cpp keeps only the last call's state)
Prints one JSON object per line, then a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from serving.backends.embedded import EmbeddedBackend
from serving.backends.weights import PACKAGED, Weights, ensure_packaged
from serving.settings import load_settings

SYSTEM = (
    "You read a message from someone choosing a language model for a clinical task and fill in the answers "
    "it states. Answer yes or no only where the message says so plainly; otherwise unknown. Never guess. "
    "Questions: input_text_only (the model reads only text, no images or signals); output_text_only (it "
    "writes only text); data_sharing (patient data may leave the hospital); deploy_local (the model will "
    "run on the hospital's own hardware); radiology_report_summarization (the task includes summarising "
    "radiology reports)."
)
EXAMPLES = [
    (
        "We only have typed notes and want short discharge letters back.",
        '{"input_text_only":"yes",'
        '"output_text_only":"yes","data_sharing":"unknown","deploy_local":"unknown",'
        '"radiology_report_summarization":"no"}',
    ),
    (
        "Nothing may leave our servers; we look at CT images.",
        '{"input_text_only":"no","output_text_only":'
        '"unknown","data_sharing":"no","deploy_local":"yes","radiology_report_summarization":"unknown"}',
    ),
]
QUESTIONS = ["input_text_only", "output_text_only", "data_sharing", "deploy_local", "radiology_report_summarization"]
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {q: {"type": "string", "enum": ["yes", "no", "unknown"]} for q in QUESTIONS},
    "required": QUESTIONS,
    "additionalProperties": False,
}
USERS = [
    "I'm a radiologist; we want to summarise CT reports, and the data must stay in the hospital.",
    "Our ward wants a chatbot for discharge questions; cloud services are fine with us.",
    "We need a model that writes text from lab tables on our own GPUs.",
    "Can it summarise radiology reports? We can't share patient data.",
]
OTHER = [
    {"role": "system", "content": "You are a friendly guide. Explain terms in one sentence."},
    {"role": "user", "content": "What does quantisation mean for a language model?"},
]


def extraction_messages(user: str) -> list[dict[str, str]]:
    """System prompt, few-shot examples, then the user's message."""
    msgs = [{"role": "system", "content": SYSTEM}]
    for q, a in EXAMPLES:
        msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return [*msgs, {"role": "user", "content": user}]


def timed_call(backend: EmbeddedBackend, user: str) -> dict[str, float]:
    """One JSON extraction call: seconds, prompt tokens evaluated, tokens generated, generation tokens/s."""
    backend.reset_perf()
    t0 = time.perf_counter()
    backend.complete_json(extraction_messages(user), SCHEMA, max_tokens=96)
    seconds = time.perf_counter() - t0
    perf = backend.perf()
    gen_tps = perf["generated_tokens"] / (perf["generate_ms"] / 1000) if perf["generate_ms"] else 0.0
    pp_tps = perf["prompt_tokens"] / (perf["prompt_ms"] / 1000) if perf["prompt_ms"] else 0.0
    return {
        "s": seconds,
        "prompt_tokens": perf["prompt_tokens"],
        "generated": perf["generated_tokens"],
        "gen_tok_s": gen_tps,
        "prompt_tok_s": pp_tps,
    }


def bench_model(weights: Weights, repeat: int, threads: int | None) -> dict[str, Any]:
    """All figures for one model."""
    out: dict[str, Any] = {"model": weights.label, "threads": threads}
    for cache_mb in (512, 0):
        backend = EmbeddedBackend(weights, n_ctx=4096, threads=threads, cache_mb=cache_mb)
        t0 = time.perf_counter()
        backend.load()
        load_s = time.perf_counter() - t0
        cold = timed_call(backend, USERS[0])
        # Every user message is new (a case number), so only the shared prefix can be reused, never a whole prompt.
        warm = [timed_call(backend, f"Case {i}. {USERS[1 + i % 3]}") for i in range(repeat)]
        after_other = []
        for i in range(repeat):
            backend.complete(OTHER, max_tokens=16)
            after_other.append(timed_call(backend, f"Case {100 + i}. {USERS[i % 4]}"))
        if cache_mb:
            out |= {"load_s": load_s, "cold": cold, "warm": _median(warm), "after_other": _median(after_other)}
        else:
            out["after_other_nocache"] = _median(after_other)
        del backend
    return out


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    """Run the bench and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(PACKAGED))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    args = parser.parse_args()
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for key in args.models.split(","):
            model = PACKAGED[key]
            models_dir = settings.home / "models" if (settings.home / "models").is_dir() else Path(tmp)
            path = ensure_packaged(model, models_dir)
            weights = Weights(path, model.title, "packaged", model.sha256, True)
            result = bench_model(weights, args.repeat, args.threads)
            print(json.dumps(result), flush=True)
            results.append(result)
    print(
        f"\n{'model':40} {'phase':22} {'latency s':>9} {'prompt tok':>10} {'gen tok':>7} {'gen tok/s':>9} "
        f"{'prompt tok/s':>12}"
    )
    for r in results:
        print(f"{r['model']:40} {'load':22} {r['load_s']:9.2f}")
        for phase in ("cold", "warm", "after_other", "after_other_nocache"):
            p = r[phase]
            print(
                f"{'':40} {phase:22} {p['s']:9.2f} {p['prompt_tokens']:10.0f} {p['generated']:7.0f} "
                f"{p['gen_tok_s']:9.1f} {p['prompt_tok_s']:12.1f}"
            )


if __name__ == "__main__":
    main()
