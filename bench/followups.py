"""Follow-up questions after a recommendation: right fact with a right citation, refusals, dropped numbers, latency.

Usage: python bench/followups.py [--set bench/followups_devset.jsonl] [--backend none|embedded|openai]
                                 [--limit N] [--stride K] [--only REGEX] [--home DIR] [--json] [--replies FILE]
       python bench/followups.py --rescore FILE [--set ...] [--json]

1. Builds a data folder (a temporary one, or ``--home DIR``, built on the first run and brought up to date
   after) whose index holds the shipped corpus (cards, catalog documents) plus the five seed documents of
   ``../shared/seeds`` added as the user's own documents. The LLM backend comes from ``--backend`` and the
   usual ``CLINADVISOR_*`` settings (the embedded model's weights are found as the product finds them).
2. Plays each scripted intake conversation of ``CONTEXTS`` once through ``assistant.dialogue.respond_stream``
   (in-process, real retriever, real backend) and warns when the product reached another state than the one
   the questions were written for. Then, for each question of the set, sends the context's history plus the
   question and times the reply: first non-empty text piece, and the whole reply.
3. Scores each reply (``score``; pure, so ``--rescore`` can re-score saved replies without the product):
   - the answer text is the reply minus every paragraph block already present, word for word, in the
     context's last reply (a recommendation printed again answers nothing) and minus the disclaimer (the
     extension's ``disclaimer``, in whatever language the reply is in);
   - right fact: every ``expect`` regex (case-insensitive) matches the answer text and no ``forbid`` regex does;
   - right citation (when ``expect_docs`` is not empty): a citation of the reply extension comes from one of
     them (``source`` equal to a file name, or a title containing the entry) and, when the extension has an
     ``answer`` object, its ``citations`` list holds that citation's ``n``;
   - right = right fact and, where asked, right citation;
   - refusal items: correct when the reply says that the indexed literature does not cover the question
     (``answer.source == "refusal"`` when the extension has an ``answer`` object, otherwise the ``REFUSAL``
     regex on the answer text) and no ``forbid`` regex (a made-up answer) matches;
   - numbers dropped by the grounding check: the sum of ``answer.dropped_numbers`` (0 without the object).
4. Prints a table per expected source and per answer source (``answer.source``, "unknown" without it), per
   tag, a confusion of expected against answer source, and a one-line summary. ``--json`` writes one JSON
   line per item to stdout (the table then goes to stderr); ``--replies FILE`` keeps every reply.

Set format (JSON Lines): ``{"id", "context", "question", "expect": [regex...], "expected_source": "rules" |
"catalog" | "sizing" | "retrieval" | "refusal", "expect_docs": [file name or title part...], "tags": [...],
"note"}`` plus an optional ``"forbid": [regex...]``. Items marked ``sizing`` wait for the sizing module and
are reported apart from the headline figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_SET = REPO / "bench" / "followups_devset.jsonl"
SOURCES = ("rules", "catalog", "sizing", "retrieval", "refusal")
ANSWER_SOURCES = ("rules", "catalog", "sizing", "retrieval", "extractive", "refusal")
# Answerable items that count in the headline figure (sizing joins once the sizing module lands).
HEADLINE = ("rules", "catalog", "retrieval")
FIELDS = ("id", "context", "question", "expect", "expected_source", "expect_docs", "tags", "note")

# Says that the indexed literature does not answer (EN, ES, DE), when the reply has no ``answer`` object.
REFUSAL = re.compile(
    r"does not (say|cover|mention|address|report|answer)|do not (say|cover|mention)|"
    r"doesn't (say|cover|mention)|no (evidence|passage|information|mention)\b|"
    r"not (covered|mentioned|reported|found) (in|by)|(cannot|can't|could not|couldn't) (find|answer)|"
    r"no (cubre|dice|menciona|trata)|no (hay|encuentro|encontré) (evidencia|información|pasaje)|"
    r"(deckt|decken) .{0,40}nicht ab|nicht (abgedeckt|erwähnt|beschrieben|behandelt)|"
    r"keine (Belege|Angaben|Informationen|Passage|Aussage)|sagt nichts|steht nichts",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Context:
    """A scripted intake conversation and the state it should reach (to warn when the product drifts)."""

    turns: tuple[str, ...]
    stage: str
    matches: tuple[str, ...]  # the recommended model ids, first ten, in rank order
    n_matches: int
    note: str


CONTEXTS: Mapping[str, Context] = {
    "radiology_local": Context(
        (
            "Radiologist here: we want help writing radiology reports and summarizing them. "
            "No image processing and no exam Q&A.",
            "Text in, text out. The data cannot be shared with third parties and we run it on our own servers.",
        ),
        "II",
        ("llama2", "radialog-7b"),
        2,
        "II: radiology text generation + report summarisation, text only, no sharing, local",
    ),
    "discharge_cloud": Context(
        (
            "We need discharge letters written for our patients.",
            "Text in, text out. The data may be shared with third parties, and the cloud is fine.",
        ),
        "V",
        ("gpt-4", "gpt-3-5-175b", "deid-gpt-gpt-4", "bert", "clinicalbert-110m", "google-bard", "llama-7b", "roberta"),
        8,
        "V: discharge documents, text only, sharing yes, cloud",
    ),
    "nursing_local": Context(
        (
            "I'm a ward nurse; I want nursing handoff notes between shifts written.",
            "Text in, text out. Patient data must stay in-house, and we run it locally.",
        ),
        "IV",
        ("llama2-7b",),
        1,
        "IV: surgery and nursing documents, text only, no sharing, local",
    ),
    "oncology_cloud": Context(
        (
            "I'm an oncologist and want help drafting treatment plans.",
            "Text in, text out. De-identified data may be shared with third parties, and we'd rather rent GPUs "
            "in the cloud.",
        ),
        "III",
        (
            "gpt-3-5-175b",
            "gpt-4",
            "gpt-4o",
            "claude-instant-v1-0",
            "galactica",
            "mmedins-llama-3-8b",
            "llama2",
            "baichuan-2",
            "biomedlm",
            "bloomz",
        ),
        26,
        "III: plans and letters, text only, sharing yes, cloud",
    ),
    "alta_es": Context(
        (
            "Soy médica de urgencias y quiero que un modelo redacte informes de alta.",
            "Solo texto de entrada y de salida. Los datos no pueden compartirse y lo instalamos en nuestros propios "
            "servidores, sin nube.",
        ),
        "V",
        ("bert", "clinicalbert-110m", "llama-7b", "roberta"),
        4,
        "V (Spanish): discharge documents, text only, no sharing, local",
    ),
    "befunde_de": Context(
        (
            "Ich bin Radiologe und möchte Befundberichte zusammenfassen lassen.",
            "Nur Text rein und raus. Die Daten dürfen das Haus nicht verlassen, wir betreiben es lokal.",
        ),
        "II",
        (
            "llama2-7b",
            "clinical-t5-770m",
            "flan-t5-770m",
            "flan-t5-11b",
            "me-llama-70b",
            "me-llama-chat-70b",
            "mmedins-llama-3-8b",
            "pegasus-568m",
            "llama2",
            "baichuan-7b",
        ),
        61,
        "II (German): report summarisation, text only, no sharing, local",
    ),
}


# --------------------------------------------------------------------------------------------- the set


def load_set(path: Path = DEFAULT_SET) -> list[dict[str, Any]]:
    """The items of a question set, checked: fields, sources, known contexts, unique ids, regexes that compile."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        where = f"{path.name} line {number}"
        missing = [f for f in FIELDS if f not in item]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        if item["expected_source"] not in SOURCES:
            raise ValueError(f"{where}: expected_source {item['expected_source']!r} is not one of {SOURCES}")
        if item["context"] not in CONTEXTS:
            raise ValueError(f"{where}: unknown context {item['context']!r} (known: {', '.join(CONTEXTS)})")
        if item["id"] in seen:
            raise ValueError(f"{where}: duplicate id {item['id']!r}")
        if item["expected_source"] != "refusal" and not item["expect"]:
            raise ValueError(f"{where}: an answerable item needs at least one expect regex")
        for pattern in [*item["expect"], *item.get("forbid", [])]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{where}: bad regex {pattern!r}: {exc}") from None
        seen.add(item["id"])
        items.append(item)
    return items


# --------------------------------------------------------------------------------------------- scoring


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


# the heading over each answer quotes the user's question ("### Answer: “Cabe numa RTX 4090?”"): the user's
# words, not the answer's, so a forbidden phrase the question itself holds is not held against the answer
_QUESTION_HEADING = re.compile(r"^#{2,4} [^\n]*\u201c[^\n]*\u201d\s*$")


def answer_text(reply_text: str, previous_text: str, disclaimer: str = "") -> str:
    """The reply without the blocks the previous assistant reply already held word for word, the disclaimer
    and the headings that quote the question."""
    seen = set(_blocks(previous_text))
    legal = disclaimer.strip().strip("_").strip()
    return "\n\n".join(
        b
        for b in _blocks(reply_text)
        if b not in seen and not (legal and b.strip("_") == legal) and not _QUESTION_HEADING.match(b)
    )


def _matches(patterns: Iterable[str], text: str) -> list[str]:
    return [p for p in patterns if re.search(p, text, re.IGNORECASE)]


def _from_docs(citation: Mapping[str, Any], docs: Sequence[str]) -> bool:
    source = str(citation.get("source") or "").casefold()
    title = str(citation.get("title") or "").casefold()
    return any(d.casefold() == source or d.casefold() in title for d in docs)


@dataclass(frozen=True)
class Score:
    """How one reply fared."""

    id: str
    expected_source: str
    answer_source: str  # answer.source of the reply extension, "unknown" without it
    fact: bool  # every expect regex matched, no forbid regex did
    citation: bool | None  # None when the item needs no citation
    right: bool  # answerable items: fact and (citation where asked); refusal items: correct refusal
    refused: bool
    dropped_numbers: int
    dropped_sentences: int
    missed: tuple[str, ...] = ()  # expect regexes that did not match
    forbidden: tuple[str, ...] = ()  # forbid regexes that matched
    cited: tuple[str, ...] = ()  # sources of the citations the answer rests on


def score(item: Mapping[str, Any], reply_text: str, extension: Mapping[str, Any], previous_text: str) -> Score:
    """Score one reply to one item (see the module docstring for the rules)."""
    text = answer_text(reply_text, previous_text, str(extension.get("disclaimer") or ""))
    answer = extension.get("answer")
    answer = answer if isinstance(answer, Mapping) else None
    answer_source = str(answer.get("source")) if answer else "unknown"
    citations = [c for c in extension.get("citations") or [] if isinstance(c, Mapping)]
    if answer is not None:
        used = set(answer.get("citations") or [])
        citations = [c for c in citations if c.get("n") in used]
    missed = tuple(p for p in item["expect"] if p not in _matches(item["expect"], text))
    forbidden = tuple(_matches(item.get("forbid", []), text))
    refused = answer_source == "refusal" if answer is not None else bool(REFUSAL.search(text))
    docs = item["expect_docs"]
    citation = any(_from_docs(c, docs) for c in citations) if docs else None
    fact = not missed and not forbidden
    refusal_item = item["expected_source"] == "refusal"
    right = (refused and not forbidden) if refusal_item else (fact and citation is not False)
    return Score(
        id=item["id"],
        expected_source=item["expected_source"],
        answer_source=answer_source,
        fact=fact,
        citation=citation,
        right=right,
        refused=refused,
        dropped_numbers=int(answer.get("dropped_numbers") or 0) if answer else 0,
        dropped_sentences=int(answer.get("dropped_sentences") or 0) if answer else 0,
        missed=missed,
        forbidden=forbidden,
        cited=tuple(str(c.get("source")) for c in citations),
    )


# --------------------------------------------------------------------------------------------- running


@dataclass
class Played:
    """One reply as the bench received it."""

    id: str
    text: str
    extension: dict[str, Any]
    previous: str
    first_s: float | None  # seconds to the first non-empty text piece
    total_s: float
    kind: str = ""


@dataclass
class ContextRun:
    """A context played once: its history and whether it reached the state the questions expect."""

    messages: list[dict[str, str]]
    last_reply: str
    drift: list[str] = field(default_factory=list)


def build_home(home: Path) -> Any:
    """The index of ``home`` holding the shipped corpus and the seeds as the user's documents (built if needed)."""
    from corpus.documents import DocumentStore
    from index.build import open_index, shipped_sources, user_sources
    from serving.settings import Settings

    sys.path.insert(0, str(REPO / "bench"))
    from retrieval import add_seeds

    add_seeds(home)
    index = open_index(Settings(home=home, chroma_url=None))
    start = time.perf_counter()
    counts = index.sync(shipped_sources() + user_sources(DocumentStore(home)), progress=False)
    print(
        f"index in {home}: {index.store.count()} chunks ({counts['chunks_added']} embedded now, "
        f"{time.perf_counter() - start:.0f} s)",
        file=sys.stderr,
    )
    return index


def _reply(
    catalog: Any, messages: list[dict[str, str]], backend: Any, retriever: Any
) -> tuple[Any, float | None, float]:
    """The final Reply, the seconds to its first non-empty text piece and to the end."""
    from assistant.dialogue import Reply, respond_stream

    start = time.perf_counter()
    first: float | None = None
    final: Reply | None = None
    for piece in respond_stream(catalog, messages, backend=backend, retriever=retriever):
        if isinstance(piece, Reply):
            final = piece
        elif first is None and piece.strip():
            first = time.perf_counter() - start
    assert final is not None
    return final, first, time.perf_counter() - start


def play_context(name: str, catalog: Any, backend: Any, retriever: Any) -> ContextRun:
    """Play a context's turns and compare the state reached with the one its questions were written for."""
    context = CONTEXTS[name]
    messages: list[dict[str, str]] = []
    reply: Any = None
    for turn in context.turns:
        messages.append({"role": "user", "content": turn})
        reply, _, _ = _reply(catalog, messages, backend, retriever)
        messages.append({"role": "assistant", "content": reply.text})
    run = ContextRun(messages, reply.text)
    rec = reply.recommendation
    if reply.stage != context.stage:
        run.drift.append(f"stage {reply.stage} (expected {context.stage})")
    if rec is None or rec.status != "recommended":
        run.drift.append(f"no recommendation (reply kind {reply.kind})")
    else:
        ids = tuple(m.id for m in rec.matches)
        if ids[: len(context.matches)] != context.matches or len(ids) != context.n_matches:
            got = f"{', '.join(ids[:10])} ({len(ids)})"
            run.drift.append(f"models {got}, expected {', '.join(context.matches)} ({context.n_matches})")
    return run


def run_items(
    items: Sequence[Mapping[str, Any]], backend_name: str, home: Path, keep: Path | None = None
) -> list[Played]:
    """Play every item against the product and return the replies (each also appended to ``keep`` at once)."""
    from corpus.catalog import load_catalog
    from serving.backends.registry import load_backend
    from serving.settings import load_settings

    catalog = load_catalog()
    retriever = build_home(home)
    loaded = load_backend(backend_name, load_settings())
    for notice in loaded.notices:
        print(f"notice: {notice}", file=sys.stderr)
    backend = loaded.backend
    retriever.search("warm up", 5)
    contexts: dict[str, ContextRun] = {}
    played: list[Played] = []
    if keep is not None:
        keep.write_text("", encoding="utf-8")  # a stopped run still leaves what it did
    for n, item in enumerate(items, start=1):
        name = item["context"]
        if name not in contexts:
            contexts[name] = play_context(name, catalog, backend, retriever)
            for drift in contexts[name].drift:
                print(f"WARNING context {name} drifted: {drift}; its expected facts may be stale", file=sys.stderr)
        context = contexts[name]
        messages = [*context.messages, {"role": "user", "content": item["question"]}]
        reply, first, total = _reply(catalog, messages, backend, retriever)
        played.append(Played(item["id"], reply.text, reply.extension(), context.last_reply, first, total, reply.kind))
        if keep is not None:
            with keep.open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(played[-1]), ensure_ascii=False) + "\n")
        print(f"  [{n}/{len(items)}] {item['id']}: {total:.1f} s", file=sys.stderr)
    return played


# --------------------------------------------------------------------------------------------- reporting


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _row(label: str, scores: Sequence[Score], played: Mapping[str, Played]) -> str:
    n = len(scores)
    right = sum(s.right for s in scores)
    facts = sum(s.fact for s in scores if s.expected_source != "refusal")
    needs = [s for s in scores if s.citation is not None]
    cites = sum(bool(s.citation) for s in needs)
    firsts = [f for s in scores if (f := played[s.id].first_s) is not None]
    totals = [played[s.id].total_s for s in scores]
    return (
        f"{label:<22} {n:>4} {right:>4} {100 * right / n if n else 0:>6.1f}% {facts:>5} "
        f"{f'{cites}/{len(needs)}':>7} {sum(s.refused for s in scores):>5} {sum(s.dropped_numbers for s in scores):>5} "
        f"{percentile(firsts, 50):>7.2f} {percentile(firsts, 95):>7.2f} {percentile(totals, 50):>7.2f} "
        f"{percentile(totals, 95):>7.2f}"
    )


HEADER = (
    f"{'':<22} {'n':>4} {'right':>4} {'':>7} {'fact':>5} {'cited':>7} {'refus':>5} {'dropN':>5} "
    f"{'1st p50':>7} {'1st p95':>7} {'all p50':>7} {'all p95':>7}"
)


def report(scores: Sequence[Score], played: Mapping[str, Played], items: Sequence[Mapping[str, Any]], out: Any) -> str:
    """Print the tables and return the one-line summary."""
    tags = {i["id"]: i["tags"] for i in items}

    def table(title: str, groups: Mapping[str, list[Score]]) -> None:
        print(f"\n{title}\n{HEADER}", file=out)
        for label, group in groups.items():
            if group:
                print(_row(label, group, played), file=out)

    by_expected = {s: [x for x in scores if x.expected_source == s] for s in SOURCES}
    table("by expected source (right: fact + citation where asked; refusal rows: correct refusals)", by_expected)
    print(_row("all", scores, played), file=out)
    answer_sources = sorted({s.answer_source for s in scores}, key=lambda a: (a not in ANSWER_SOURCES, a))
    table(
        "by answer source (answer.source of the reply; unknown: no answer object)",
        {a: [x for x in scores if x.answer_source == a] for a in answer_sources},
    )
    by_tag: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        for tag in tags[s.id]:
            by_tag[tag].append(s)
    table("by tag", dict(sorted(by_tag.items())))
    confusion = Counter((s.expected_source, s.answer_source) for s in scores)
    pairs = ", ".join(f"{e}->{a} {n}" for (e, a), n in sorted(confusion.items()))
    print(f"\nexpected source -> answer source: {pairs}", file=out)
    print(
        "times in seconds: 1st = first non-empty text piece, all = the whole reply "
        f"(load average {os.getloadavg()[0]:.1f}; a busy machine inflates them)",
        file=out,
    )
    wrong = [s for s in scores if not s.right]
    if wrong:
        print("\nnot right: " + ", ".join(s.id for s in wrong), file=out)

    head = [s for s in scores if s.expected_source in HEADLINE]
    sizing = by_expected["sizing"]
    refusals = by_expected["refusal"]
    firsts = [f for s in scores if (f := played[s.id].first_s) is not None]
    totals = [played[s.id].total_s for s in scores]

    def share(group: Sequence[Score]) -> str:
        right = sum(s.right for s in group)
        return f"{right}/{len(group)} ({100 * right / len(group) if group else 0:.1f}%)"

    return (
        f"right fact+citation {share(head)} [rules+catalog+retrieval]; sizing {share(sizing)}; "
        f"correct refusals {share(refusals)}; numbers dropped {sum(s.dropped_numbers for s in scores)}; "
        f"first piece p50 {percentile(firsts, 50):.2f} s p95 {percentile(firsts, 95):.2f} s; "
        f"whole reply p50 {percentile(totals, 50):.2f} s p95 {percentile(totals, 95):.2f} s"
    )


def _load_replies(path: Path) -> list[Played]:
    return [Played(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="the question set (JSON Lines)")
    parser.add_argument("--backend", default="none", choices=("none", "embedded", "openai"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N items (after --only and --stride)")
    parser.add_argument("--stride", type=int, default=1, help="only every K-th item: a sample spread over the set")
    parser.add_argument("--only", default=None, help="only items whose id matches this regex")
    parser.add_argument("--home", type=Path, default=None, help="reuse this data folder (built on the first run)")
    parser.add_argument("--json", action="store_true", help="one JSON line per item on stdout (tables on stderr)")
    parser.add_argument("--replies", type=Path, default=None, help="keep the replies in FILE (JSON Lines)")
    parser.add_argument("--rescore", type=Path, default=None, help="score replies kept with --replies; run nothing")
    args = parser.parse_args(argv)
    from assistant.stage_examples import use_embedder
    from index.embeddings import embed_query_or_none

    use_embedder(embed_query_or_none)  # as the CLI and the server: the stage examples vote

    items = load_set(args.set)
    if args.only:
        items = [i for i in items if re.search(args.only, i["id"])]
    items = items[:: max(1, args.stride)]
    if args.limit is not None:
        items = items[: args.limit]
    if args.rescore:
        kept = {p.id: p for p in _load_replies(args.rescore)}
        items = [i for i in items if i["id"] in kept]  # a stopped run kept only part of the set
        played = [kept[i["id"]] for i in items]
        label = f"rescored {args.rescore.name}"
    else:
        with tempfile.TemporaryDirectory(prefix="clinadvisor-followups-") as tmp:
            played = run_items(items, args.backend, args.home or Path(tmp) / "home", args.replies)
        label = f"backend {args.backend}"

    by_id = {p.id: p for p in played}
    scores = [score(i, by_id[i["id"]].text, by_id[i["id"]].extension, by_id[i["id"]].previous) for i in items]
    out = sys.stderr if args.json else sys.stdout
    if args.json:
        for s in scores:
            p = by_id[s.id]
            line = {**asdict(s), "first_s": p.first_s, "total_s": p.total_s, "kind": p.kind}
            print(json.dumps(line, ensure_ascii=False))
    summary = report(scores, by_id, items, out)
    print(f"\n{args.set.name} ({len(items)} items, {label}): {summary}", file=out)


if __name__ == "__main__":
    main()
