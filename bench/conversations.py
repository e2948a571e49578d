"""End to end: does a conversation reach the recommendation that the rules give for the user's true answers?

    python bench/conversations.py [--devset FILE] [--backend none|embedded|openai] [--limit N] [--replies FILE]

Each labelled request (a single message with a stage and a task it wants; ``bench/extraction_devset.jsonl``
by default, or ``../shared/data/eval/intake-dev.jsonl``) opens a conversation through
``assistant.dialogue.respond``.
A simulated user then plays the person who wrote it, knowing the gold answers:

- it answers what the assistant asks: the stage ("Stage II"), and each asked question in a plain
  sentence from the gold, or "I don't know." when the gold leaves it open;
- it corrects what was misread: a wrong stage ("Correction: this is for stage IV."), a wrong value (a
  plain sentence with the right one), an answer it gave that the reply does not show (said again), and
  it clears an answer it never gave with the page's "unknown" click (the request's ``overrides``), since
  no sentence can take back what a reader invented.

A conversation succeeds when a reply shows the recommendation that ``recommend`` gives for the gold
stage and answers (same status, same models in the same order), within ``--turns`` user turns. "From the
first message alone" counts the conversations whose first message, as read, already gives that
recommendation (no answer or correction needed). With a language model, only its reading is used: the
prose step gets no model (it answers from templates), so the figures measure reading, not writing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond
from assistant.extraction import cache_clear
from assistant.llm import BackendUnavailable, ChatBackend, Message
from assistant.questionnaire import GENERAL_QUESTIONS, question_ids
from assistant.recommendation import Recommendation
from assistant.rules import recommend
from assistant.stage_examples import leave_out, use_embedder
from corpus.catalog import load_catalog
from index.embeddings import embed_query_or_none

DEVSET = Path(__file__).with_name("extraction_devset.jsonl")
_ASKED = re.compile(r"\(`([a-z_]+)`\)")

# What the simulated user says for a question and a value: plain sentences, one meaning each.
GENERAL: Mapping[tuple[str, bool], str] = {
    ("input_text_only", True): "The input is text only.",
    ("input_text_only", False): "Images go in too.",
    ("output_text_only", True): "We only need text back.",
    ("output_text_only", False): "We need segmentation masks back.",
    ("data_sharing", True): "The data may be shared.",
    ("data_sharing", False): "The data can't leave the hospital.",
    ("deploy_local", True): "We run it on our own servers.",
    ("deploy_local", False): "We use the cloud.",
}
TASKS: Mapping[tuple[str, str], str] = {
    ("I", "registration_recommendation"): "recommend which department a patient should register with",
    ("II", "radiology_text_generation"): "draft examination reports",
    ("II", "radiology_report_summarization"): "summarise the examination reports",
    ("II", "examination_qa"): "answer questions about examination results",
    ("II", "examination_report_extraction"): "extract findings from the examination reports",
    ("II", "disease_diagnosis"): "classify the examination reports by urgency",
    ("II", "medical_image_processing"): "classify the images themselves",
    ("III", "disease_diagnosis"): "suggest the diagnosis",
    ("III", "medical_information_extraction"): "extract disease phenotypes from the records",
    ("III", "medical_qa"): "answer medical questions",
    ("III", "decision_text_generation"): "draft treatment plans",
    ("IV", "surgery_nursing_text_generation"): "write the handover notes",
    ("IV", "disease_prediction"): "predict the risk of complications",
    ("IV", "clinical_text_extraction"): "assign ICD codes to the notes",
    ("IV", "medical_qa"): "answer questions from staff and patients",
    ("IV", "clinical_record_summarization"): "summarise the clinical records",
    ("V", "disease_prediction"): "predict readmission",
    ("V", "clinical_text_extraction"): "extract the social determinants of health from the notes",
    ("V", "discharge_text_generation"): "write the discharge letters",
    ("V", "medical_qa"): "answer questions after discharge",
}


def say(stage: str, qid: str, value: bool) -> str:
    """The user's sentence for one answer."""
    if qid in GENERAL_QUESTIONS:
        return GENERAL[(qid, value)]
    if (stage, qid) == ("I", "registration_recommendation") and not value:
        return "We do not need a recommendation of which department to register with."
    task = TASKS[(stage, qid)]
    return f"The model should {task}." if value else f"The model should not {task}."


class ReadingOnly:
    """The backend for reading only: JSON calls go through, prose calls fail (the reply uses templates)."""

    def __init__(self, inner: ChatBackend) -> None:
        self.inner = inner
        self.model = str(getattr(inner, "model", "") or "")

    @property
    def name(self) -> str:
        """The wrapped backend's name."""
        return self.inner.name

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """Refused: this benchmark measures reading."""
        raise BackendUnavailable("prose is off in this benchmark")

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """The wrapped backend's JSON."""
        return self.inner.complete_json(messages, schema, max_tokens=max_tokens)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """Refused: this benchmark measures reading."""
        raise BackendUnavailable("prose is off in this benchmark")


def _signature(rec: Recommendation | None) -> tuple[object, ...] | None:
    if rec is None:
        return None
    return (rec.stage, rec.status, tuple(m.id for m in rec.matches), tuple(m.id for m in rec.partial_matches))


def gold_targets(catalog: Catalog, item: Mapping[str, Any]) -> dict[str, tuple[object, ...]]:
    """Per acceptable stage, the signature of the recommendation for the gold answers."""
    exp = item["expected"]
    stages = exp["stage"] if isinstance(exp["stage"], list) else [exp["stage"]]
    out = {}
    for stage in stages:
        answers = {q: v for q, v in exp["answers"].items() if q in question_ids(stage)}
        sig = _signature(recommend(catalog, stage, answers))
        assert sig is not None
        out[stage] = sig
    return out


def _gold_answers(item: Mapping[str, Any], stage: str) -> dict[str, bool]:
    return {q: v for q, v in item["expected"]["answers"].items() if q in question_ids(stage)}


def _first_message_reads_right(catalog: Catalog, reply: Reply, targets: Mapping[str, tuple[object, ...]]) -> bool:
    if reply.stage not in targets:
        return False
    answers = {q: s.value for q, s in reply.answers.items() if s.value is not None}
    return _signature(recommend(catalog, reply.stage, answers)) == targets[reply.stage]


def next_turn(
    reply: Reply, item: Mapping[str, Any], targets: Mapping[str, tuple[object, ...]]
) -> tuple[str, dict[str, None]]:
    """The simulated user's next message, and the answers it clears with a click."""
    gold_stage = item["expected"]["stage"]
    stage = reply.stage if reply.stage in targets else None
    sentences: list[str] = []
    clear: dict[str, None] = {}
    if reply.stage is not None and stage is None:
        stage = next(iter(targets))
        sentences.append(f"Correction: this is for stage {stage}.")
    asked = _ASKED.findall(reply.text)
    if reply.stage is None:  # asked outright, or the need spans stages and the reply asks which first
        stage = gold_stage[0] if isinstance(gold_stage, list) else gold_stage
        sentences.append(f"Stage {stage}.")
    if stage is None:
        return " ".join(sentences), clear
    gold = _gold_answers(item, stage)
    for qid, state in reply.answers.items():
        if state.value is None or state.source != "extracted":
            continue
        if qid not in gold:
            clear[qid] = None
        elif gold[qid] != state.value:
            sentences.append("Correction: " + say(stage, qid, gold[qid]))
    known = {q for q, s in reply.answers.items() if s.value is not None and q not in clear}
    # What the user said but the reply does not show was misread too: the user says it again.
    sentences += [say(stage, q, v) for q, v in gold.items() if q not in known]
    for qid in asked:
        if qid != "stage" and qid not in known and qid not in gold and reply.kind != "ask_tasks":
            sentences.append("I don't know.")
    return " ".join(dict.fromkeys(sentences)), clear


def play(
    catalog: Catalog, item: Mapping[str, Any], backend: ChatBackend | None, turns: int
) -> tuple[bool, bool, int, list[float]]:
    """(reached the gold recommendation, from the first message alone, user turns, reply latencies)."""
    targets = gold_targets(catalog, item)
    messages: list[dict[str, str]] = [{"role": "user", "content": item["text"]}]
    clicks: dict[str, None] = {}
    latencies: list[float] = []
    first = False
    for n in range(1, turns + 1):
        start = time.perf_counter()
        reply = respond(catalog, messages, backend=backend, overrides={"answers": clicks} if clicks else None)
        latencies.append(time.perf_counter() - start)
        if n == 1:
            first = _first_message_reads_right(catalog, reply, targets)
        if reply.kind == "recommendation" and _signature(reply.recommendation) in targets.values():
            return True, first, n, latencies
        text, clear = next_turn(reply, item, targets)
        if not text and not clear:
            return False, first, n, latencies
        clicks.update(clear)
        messages.append({"role": "assistant", "content": reply.text})
        messages.append({"role": "user", "content": text or "Please go on."})
    return False, first, turns, latencies


def _memo(inner: ChatBackend, path: Path | None) -> ChatBackend:
    """The extraction benchmark's memo of model replies (shared files: the first turns are the same calls)."""
    spec = importlib.util.spec_from_file_location("bench_extraction", Path(__file__).with_name("extraction.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    memo: ChatBackend = module._Memo(inner, path)
    return memo


def main(argv: Sequence[str] | None = None) -> int:
    """Play every conversation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--backend", default="none", choices=["none", "embedded", "openai"])
    parser.add_argument("--limit", type=int, default=0, help="Only the first N conversations.")
    parser.add_argument("--turns", type=int, default=6, help="User turns before a conversation counts as lost.")
    parser.add_argument("--replies", type=Path, default=None, help="Keep the model's replies in FILE and reuse them.")
    parser.add_argument("--show", action="store_true", help="Print each conversation's outcome.")
    args = parser.parse_args(argv)
    catalog = load_catalog()
    use_embedder(embed_query_or_none)  # as the CLI and the server: the stage examples vote
    leave_out(args.devset.stem)  # the stage examples must not include the answers being measured
    lines = args.devset.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    items = [i for i in items if "text" in i and i["expected"]["stage"] and not i.get("stage") and not i.get("asked")]
    # a recommendation needs a task: requests that name none (gold) have nothing to reach
    items = [i for i in items if any(v and q not in GENERAL_QUESTIONS for q, v in i["expected"]["answers"].items())]
    items = items[: args.limit or None]
    backend: ChatBackend | None = None
    if args.backend != "none":
        here = Path(__file__).resolve().parent
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]  # bench/serving.py hides serving
        from serving.backends.registry import load_backend
        from serving.settings import load_settings

        loaded = load_backend(args.backend, load_settings())
        if loaded.degraded:
            print(f"{args.backend}: not available ({'; '.join(loaded.notices)})")
            return 1
        backend = ReadingOnly(_memo(loaded.backend, args.replies))
    cache_clear()
    results = []
    for item in items:
        ok, first, n, latencies = play(catalog, item, backend, args.turns)
        results.append((item["id"], ok, first, n, latencies))
        if args.show:
            print(f"  {item['id']}: {'reached' if ok else 'LOST'} in {n} turn(s); first message alone: {first}")
    reached = [r for r in results if r[1]]
    all_latencies = [x for r in results for x in r[4]]
    print(
        f"{args.backend}: {len(reached)}/{len(results)} conversations reach the gold recommendation "
        f"({len(reached) / max(1, len(results)):.2f}); from the first message alone "
        f"{sum(r[2] for r in results)}/{len(results)} ({sum(r[2] for r in results) / max(1, len(results)):.2f}); "
        f"median user turns {statistics.median([r[3] for r in reached]) if reached else float('nan'):g}; "
        f"reply p50 {1000 * statistics.median(all_latencies) if all_latencies else 0:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
