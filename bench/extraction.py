"""Answer extraction against a labelled set: per-slot right / unknown / wrong, invented answers, stage, latency.

Usage: ``python bench/extraction.py [--backend none|embedded|openai|all] [--devset FILE] [--show-errors]``.
The ``none`` backend (the rule-based reader) always runs; ``embedded`` and ``openai`` run when they can
start (llama-cpp-python and a GGUF model; CLINADVISOR_LLM_URL), each under the ``checked`` and ``llm``
merge policies (see ``assistant.extraction``). Latency is measured without the per-request time budget
(``--budget`` sets one).

Definitions (per backend, over the gold slots: the answers a careful human reads in the text):
- right / unknown / wrong: a gold slot answered with the gold value / not answered / answered with the
  opposite value; each as a share of the gold slots.
- extra (invented) answers: answers given for a question the gold leaves open; also counted on the texts
  that answer nothing (the target there is zero).
- slot accuracy = right / (gold slots + extra answers): a missed, wrong or invented answer each costs one.
- stage accuracy: the stage found equals the gold one (None for multi-stage and empty needs), and for
  multi-stage needs the stages listed equal the gold ones. A gold stage given as a list (a need that sits
  between two stages) accepts either stage, or no stage with exactly those stages listed (the assistant
  then asks); the gold task answers that count are then those the chosen stage asks.
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

from assistant.extraction import cache_clear, extract, read_history
from assistant.llm import BackendOutputError, ChatBackend
from assistant.questionnaire import question_ids
from assistant.stage_examples import leave_out, use_embedder
from index.embeddings import embed_query_or_none

DEVSET = Path(__file__).with_name("extraction_devset.jsonl")


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    """The development set's items."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predict(
    item: Mapping[str, Any], backend: ChatBackend | None, policy: str = "checked", budget_s: float | None = 0
) -> tuple[str | None, tuple[str, ...], dict[str, bool]]:
    """(stage, stages, answers) for one item: a single turn, or a replayed chat history (budget 0: none)."""
    budget = budget_s or 1e9
    if "messages" in item:
        found = read_history(item["messages"], backend=backend, policy=policy, budget_s=budget)
        return (
            found.stage,
            found.stages or ((found.stage,) if found.stage else ()),
            {q: a.value for q, a in found.answers.items()},
        )
    one = extract(
        item["text"], asked=item.get("asked"), stage=item.get("stage"), backend=backend, policy=policy, budget_s=budget
    )
    return one.stage, one.stages, dict(one.answers)


def _gold_for(exp: Mapping[str, Any], stage: str | None, stages: Sequence[str]) -> tuple[bool, dict[str, bool]]:
    """(is the stage right, the gold answers that count) for one prediction."""
    gold_stage = exp["stage"]
    gold: dict[str, bool] = dict(exp["answers"])
    if isinstance(gold_stage, list):
        right = stage in gold_stage or (stage is None and list(stages) == gold_stage)
        if stage in gold_stage:
            asked = set(question_ids(stage))
            gold = {q: v for q, v in gold.items() if q in asked}
        return right, gold
    return stage == gold_stage and ("stages" not in exp or list(stages) == exp["stages"]), gold


def score(
    items: Sequence[Mapping[str, Any]],
    backend: ChatBackend | None = None,
    policy: str = "checked",
    progress: bool = False,
    budget_s: float | None = 0,
) -> dict[str, Any]:
    """Run the extractor over the items and return the figures (see the module docstring)."""
    cache_clear()  # latency of real work, not of cache hits
    expected_slots = correct = added = wrong = missed = 0
    hallucinated_on_empty = empty_items = stage_ok = 0
    latencies: list[float] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        start = time.perf_counter()
        stage, stages, answers = predict(item, backend, policy, budget_s)
        latencies.append(time.perf_counter() - start)
        if progress:
            print(f"  {item['id']}: {latencies[-1]:.1f}s", file=sys.stderr, flush=True)
        exp = item["expected"]
        stage_right, exp_answers = _gold_for(exp, stage, stages)
        expected_slots += len(exp_answers)
        item_added = [q for q in answers if q not in exp_answers and q not in exp["answers"]]
        added += len(item_added)
        if not exp["answers"]:
            empty_items += 1
            hallucinated_on_empty += len(item_added)
        for qid, value in exp_answers.items():
            if qid not in answers:
                missed += 1
            elif answers[qid] == value:
                correct += 1
            else:
                wrong += 1
        stage_ok += stage_right
        if item_added or not stage_right or any(answers.get(q) != v for q, v in exp_answers.items()):
            errors.append(
                {"id": item["id"], "stage": stage, "stages": list(stages), "answers": answers, "expected": exp}
            )
    slots = max(1, expected_slots)
    return {
        "items": len(items),
        "slot_accuracy": correct / max(1, expected_slots + added),
        "recall": correct / slots,
        "expected_slots": expected_slots,
        "correct": correct,
        "wrong": wrong,
        "missed": missed,
        "right_share": correct / slots,
        "unknown_share": missed / slots,
        "wrong_share": wrong / slots,
        "hallucinated": added,
        "hallucinated_on_empty": hallucinated_on_empty,
        "empty_items": empty_items,
        "stage_accuracy": stage_ok / max(1, len(items)),
        "latency_p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "latency_p90_ms": 1000 * statistics.quantiles(latencies, n=10)[-1] if len(latencies) > 1 else 0.0,
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

    def _key(self, *parts: Any) -> str:
        raw = json.dumps([*parts], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def complete(self, messages: Sequence[Mapping[str, str]], **kwargs: Any) -> str:
        key = self._key("complete", self.name, self.model, list(messages), kwargs)
        if key not in self.memo:  # translations of messages in languages the rules do not read
            self.memo[key] = self.inner.complete(messages, **kwargs)
            self._save(key, self.memo[key])
        found = self.memo[key]
        if isinstance(found, Exception):
            raise found
        return str(found)

    def complete_json(self, messages: Sequence[Mapping[str, str]], schema: Mapping[str, Any], **kwargs: Any) -> Any:
        key = self._key(self.name, self.model, list(messages), kwargs)  # the same keys as replies kept before
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
    parser.add_argument("--limit", type=int, default=0, help="Only the first N items.")
    parser.add_argument("--policy", choices=["checked", "llm", "both"], default="both", help="Merge policies to run.")
    parser.add_argument("--budget", type=float, default=0, help="Per-request time budget in seconds (0: none).")
    args = parser.parse_args(argv)
    use_embedder(embed_query_or_none)  # as the CLI and the server: the stage examples vote
    leave_out(args.devset.stem)  # the stage examples must not include the answers being measured
    items = load_devset(args.devset)[: args.limit or None]
    print(f"devset: {len(items)} items ({args.devset.name})")
    print(
        f"{'backend':<10} {'policy':<10} {'slot acc':>8} {'right':>6} {'unknown':>7} {'wrong':>6} {'extra':>6} "
        f"{'on empty':>9} {'stage':>6} {'p50 ms':>8} {'p90 ms':>8}"
    )
    for name, backend in _backends(args.backend, args.replies):
        policies = ("checked", "llm") if args.policy == "both" else (args.policy,)
        for policy in ("checked",) if backend is None else policies:
            figures = score(items, backend, policy, progress=args.progress, budget_s=args.budget)
            if args.json:
                print(
                    json.dumps(
                        {"backend": name, "policy": policy, **{k: v for k, v in figures.items() if k != "errors"}}
                    )
                )
            print(
                f"{name:<10} {policy:<10} {figures['slot_accuracy']:>8.3f} {figures['right_share']:>6.3f} "
                f"{figures['unknown_share']:>7.3f} {figures['wrong_share']:>6.3f} {figures['hallucinated']:>6d} "
                f"{figures['hallucinated_on_empty']:>5d}/{figures['empty_items']:<3d} "
                f"{figures['stage_accuracy']:>6.3f} {figures['latency_p50_ms']:>8.0f} {figures['latency_p90_ms']:>8.0f}"
            )
            if args.show_errors:
                for err in figures["errors"]:
                    print("   ", json.dumps(err, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
