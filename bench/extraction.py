"""Answer extraction against the development set: slot accuracy, hallucinated answers, stage accuracy, latency.

Usage: ``python bench/extraction.py [--backend none|embedded|openai|all] [--devset FILE] [--show-errors]``.
The ``none`` backend (the rule-based reader) always runs; ``embedded`` and ``openai`` run when they can
start (llama-cpp-python and a GGUF model; CLINADVISOR_LLM_URL), each under the ``supported`` and ``llm``
merge policies.

Definitions (per backend):
- slot accuracy = correct answers / (answers expected + answers given that were not expected): a missed,
  wrong or invented answer each costs one slot.
- hallucinated answers: answers given for a question the text does not answer (id not in expected); also
  counted on the texts that answer nothing (the target there is zero).
- stage accuracy: the stage found equals the expected one (None for multi-stage and empty needs), and
  for multi-stage needs the stages listed equal the expected ones.
- latency p50: per item, as run; replies answered from memory (the second policy, or ``--replies``) are
  not the model's latency.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.extraction import cache_clear, extract, extract_history
from assistant.llm import BackendOutputError, ChatBackend

DEVSET = Path(__file__).with_name("extraction_devset.jsonl")


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    """The development set's items."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predict(
    item: Mapping[str, Any], backend: ChatBackend | None, policy: str = "supported"
) -> tuple[str | None, tuple[str, ...], dict[str, bool]]:
    """(stage, stages, answers) for one item: a single turn, or a replayed chat history."""
    if "messages" in item:
        stage, answers, _notices = extract_history(item["messages"], backend=backend, policy=policy)
        return stage, ((stage,) if stage else ()), {q: v for q, (v, _turn) in answers.items()}
    found = extract(item["text"], asked=item.get("asked"), stage=item.get("stage"), backend=backend, policy=policy)
    return found.stage, found.stages, dict(found.answers)


def score(
    items: Sequence[Mapping[str, Any]],
    backend: ChatBackend | None = None,
    policy: str = "supported",
    progress: bool = False,
) -> dict[str, Any]:
    """Run the extractor over the items and return the figures (see the module docstring)."""
    cache_clear()  # latency of real work, not of cache hits
    expected_slots = correct = added = wrong = missed = 0
    hallucinated = hallucinated_on_empty = empty_items = stage_ok = 0
    latencies: list[float] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        start = time.perf_counter()
        stage, stages, answers = predict(item, backend, policy)
        latencies.append(time.perf_counter() - start)
        if progress:
            print(f"  {item['id']}: {latencies[-1]:.1f}s", file=sys.stderr, flush=True)
        exp = item["expected"]
        exp_answers: dict[str, bool] = exp["answers"]
        expected_slots += len(exp_answers)
        item_added = [q for q in answers if q not in exp_answers]
        added += len(item_added)
        hallucinated += len(item_added)
        if not exp_answers:
            empty_items += 1
            hallucinated_on_empty += len(item_added)
        for qid, value in exp_answers.items():
            if qid not in answers:
                missed += 1
            elif answers[qid] == value:
                correct += 1
            else:
                wrong += 1
        stage_right = stage == exp["stage"] and ("stages" not in exp or list(stages) == exp["stages"])
        stage_ok += stage_right
        if item_added or stage_right is False or any(answers.get(q) != v for q, v in exp_answers.items()):
            errors.append(
                {"id": item["id"], "stage": stage, "stages": list(stages), "answers": answers, "expected": exp}
            )
    return {
        "items": len(items),
        "slot_accuracy": correct / max(1, expected_slots + added),
        "recall": correct / max(1, expected_slots),
        "expected_slots": expected_slots,
        "correct": correct,
        "wrong": wrong,
        "missed": missed,
        "hallucinated": hallucinated,
        "hallucinated_on_empty": hallucinated_on_empty,
        "empty_items": empty_items,
        "stage_accuracy": stage_ok / max(1, len(items)),
        "latency_p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "errors": errors,
    }


class _Memo:
    """A backend wrapper that answers a repeated request from memory, so both policies share one model run.

    With ``path``, the model's replies are also kept in a JSON Lines file, so that a later run (for example
    after a change of the merge policy) re-scores without running the model again.
    """

    def __init__(self, inner: ChatBackend, path: Path | None = None) -> None:
        self.inner = inner
        self.memo: dict[str, Any] = {}
        self.model = str(getattr(inner, "model", "") or "")
        self.path = path
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                saved = json.loads(line)
                reply = saved["reply"]
                self.memo[saved["key"]] = BackendOutputError(saved["error"]) if "error" in saved else reply

    def _save(self, key: str, found: Any) -> None:
        if self.path is None:
            return
        saved = {"key": key, "error": str(found)} if isinstance(found, Exception) else {"key": key, "reply": found}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"reply": None, **saved}, ensure_ascii=False) + "\n")

    @property
    def name(self) -> str:
        return self.inner.name

    def complete(self, messages: Sequence[Mapping[str, str]], **kwargs: Any) -> str:
        return self.inner.complete(messages, **kwargs)

    def complete_json(self, messages: Sequence[Mapping[str, str]], schema: Mapping[str, Any], **kwargs: Any) -> Any:
        raw = json.dumps([self.name, self.model, list(messages), kwargs], sort_keys=True, default=str)
        key = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        if key not in self.memo:
            try:
                self.memo[key] = self.inner.complete_json(messages, schema, **kwargs)
            except BackendOutputError as exc:  # replay invalid output too, so both policies see the same model
                self.memo[key] = exc
            self._save(key, self.memo[key])
        found = self.memo[key]
        if isinstance(found, Exception):
            raise found
        return found

    def stream(self, messages: Sequence[Mapping[str, str]], **kwargs: Any) -> Any:
        return self.inner.stream(messages, **kwargs)


def _backends(wanted: str, replies: Path | None = None) -> list[tuple[str, ChatBackend | None]]:
    found: list[tuple[str, ChatBackend | None]] = [("none", None)]
    if wanted == "none":
        return found
    # Running this file puts bench/ first on sys.path, where bench/serving.py would hide the serving package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    from serving.backends.registry import load_backend
    from serving.settings import load_settings

    settings = load_settings()
    for name in ("embedded", "openai"):
        if wanted not in ("all", name):
            continue
        loaded = load_backend(name, settings)
        if loaded.degraded:
            print(f"{name}: not available ({'; '.join(loaded.notices)})", file=sys.stderr)
            continue
        path = None if replies is None else replies.with_name(f"{replies.stem}.{name}{replies.suffix}")
        found.append((name, _Memo(loaded.backend, path)))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures for each available backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", default="all", choices=["none", "embedded", "openai", "all"])
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON lines.")
    parser.add_argument(
        "--replies",
        type=Path,
        default=None,
        help="Keep the models' replies in FILE (one file per backend, FILE.embedded etc.) and reuse them.",
    )
    parser.add_argument("--progress", action="store_true", help="Print each item's id as it is read.")
    args = parser.parse_args(argv)
    items = load_devset(args.devset)
    print(f"devset: {len(items)} items ({args.devset.name})")
    print(
        f"{'backend':<10} {'policy':<10} {'slot acc':>8} {'recall':>7} {'halluc':>7} {'on empty':>9} "
        f"{'stage':>6} {'p50 ms':>8}"
    )
    for name, backend in _backends(args.backend, args.replies):
        for policy in ("supported",) if backend is None else ("supported", "llm"):
            figures = score(items, backend, policy, progress=args.progress)
            if args.json:
                print(
                    json.dumps(
                        {"backend": name, "policy": policy, **{k: v for k, v in figures.items() if k != "errors"}}
                    )
                )
            print(
                f"{name:<10} {policy:<10} {figures['slot_accuracy']:>8.3f} {figures['recall']:>7.3f} "
                f"{figures['hallucinated']:>7d} {figures['hallucinated_on_empty']:>5d}/{figures['empty_items']:<3d} "
                f"{figures['stage_accuracy']:>6.3f} {figures['latency_p50_ms']:>8.2f}"
            )
            if args.show_errors:
                for err in figures["errors"]:
                    print("   ", json.dumps(err, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
