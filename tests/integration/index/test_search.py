"""Search over the real index: the seeds, the cards and the catalog documents, with citations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.abbreviations import american_spelling
from assistant.dialogue import respond
from assistant.evidence import Retriever, cite, format_references
from corpus.catalog import load_catalog
from corpus.loaders.catalog_docs import REVIEW_TITLE, REVIEW_URL
from index.hybrid import HybridIndex
from serving.cli import cli

pytestmark = pytest.mark.integration

HIT_KEYS = {"rank", "key", "doc_id", "title", "authors", "year", "url", "source", "page", "section", "score", "text"}


def test_status_counts_every_kind(shared_index: HybridIndex) -> None:
    status = shared_index.status()
    assert status["by_kind"]["user"] == {"documents": 5, "chunks": status["by_kind"]["user"]["chunks"]}
    assert status["by_kind"]["card"]["documents"] >= 20
    assert status["by_kind"]["catalog"]["documents"] == 397
    assert status["embedding_model"] == "all-MiniLM-L6-v2" and status["built_at"]
    assert status["chunks"] == sum(v["chunks"] for v in status["by_kind"].values())


@pytest.mark.parametrize(
    ("question", "seed"),
    [
        ("Does your input include only textual data? questionnaire step", "000_"),
        ("How to deploy open-source LLMs with Ollama on local hardware in radiology", "001_"),
        ("physician letter generation in radiation oncology with QLoRA", "004_"),
        ("primer on large language models for medicine: prompting and fine-tuning", "002_"),
    ],
)
def test_seed_questions_find_their_document(shared_index: HybridIndex, question: str, seed: str) -> None:
    hits = shared_index.search(question, 5)
    assert any(h.source.startswith(seed) for h in hits), [h.source for h in hits]


def test_discharge_question_is_answered_with_the_review_as_source(shared_index: HybridIndex) -> None:
    assert isinstance(shared_index, Retriever)
    hits = shared_index.search("which models were used for discharge summaries?", 5)
    catalog_hits = [h for h in hits if h.doc_id.startswith("catalog:")]
    assert catalog_hits, [h.doc_id for h in hits]
    top = catalog_hits[0]
    assert top.title == REVIEW_TITLE and top.url == REVIEW_URL and top.year == 2025
    assert "discharge" in top.text.lower()
    citations = cite(hits, [top.key, "invented-key"])
    assert len(citations) == 1
    assert format_references(citations).startswith("[1] HongYi Li, Jun-Fen Fu, Andre Python (2025). Implementing")


def test_cap_limits_chunks_per_document(shared_index: HybridIndex) -> None:
    query = "open-source large language models in radiology deployment hardware"
    uncapped = shared_index.search(query, 10, max_per_doc=0)
    capped = shared_index.search(query, 10, max_per_doc=1)
    assert max(sum(h.doc_id == d for h in uncapped) for d in {h.doc_id for h in uncapped}) > 1
    assert len({h.doc_id for h in capped}) == len(capped) == 10


def test_cli_search_json_contract(on_shared_home: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "RaDialog fine-tuning GPU", "--k", "3", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["query"] == "RaDialog fine-tuning GPU" and out["k"] == 3
    assert [h["rank"] for h in out["hits"]] == [1, 2, 3]
    assert all(set(h) == HIT_KEYS for h in out["hits"])
    scores = [h["score"] for h in out["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert any(h["source"] == "radialog.md" for h in out["hits"])


def test_cli_search_batch(on_shared_home: Path) -> None:
    lines = "\n".join(
        [
            json.dumps({"query": "What is QLoRA?", "id": "q1"}),
            "",
            json.dumps({"query": "discharge summary", "k": 2}),
            json.dumps({"k": 2}),
            "not json",
        ]
    )
    result = CliRunner().invoke(cli, ["search", "--batch", "-"], input=lines)
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 3, 4, 5]
    assert rows[0]["id"] == "q1" and rows[0]["k"] == 5 and len(rows[0]["hits"]) == 5
    assert rows[1]["k"] == 2 and len(rows[1]["hits"]) == 2
    assert rows[2]["error"]["param"] == "query"
    assert "not valid JSON" in rows[3]["error"]["message"]


def test_cli_status(on_shared_home: Path) -> None:
    result = CliRunner().invoke(cli, ["index", "status"])
    assert result.exit_code == 0, result.output
    assert "embedding model: all-MiniLM-L6-v2" in result.output and "user: 5 documents" in result.output


def test_an_acronym_finds_the_passage_that_spells_it_out(shared_index: HybridIndex) -> None:
    # follow-ups holdout 23: the one passage saying what RLHF needs writes "reinforcement learning from human
    # feedback" in full, and a question that writes "RLHF" found every other passage of the review first
    hits = shared_index.search("why is RLHF hard to pull off, what does it need?", 5)
    assert any("limited by complexity" in h.text for h in hits), [h.text[:80] for h in hits]


def test_a_british_spelling_finds_the_passage_written_the_american_way(shared_index: HybridIndex) -> None:
    # follow-ups holdout 31: "quantised" found the review's other passages on size, not the one that writes
    # "a larger quantized model will perform better than a smaller unquantized model"; and "full-precision" was
    # read as the measure precision, which no sentence gave, so the answer was a refusal
    catalog = load_catalog()
    messages = [
        {"role": "user", "content": "I'm a radiologist drafting CT reports on our own servers; data stays here."},
        {"role": "assistant", "content": "..."},
        {
            "role": "user",
            "content": "Our physicist insists a 4-bit 70B will always lose to an unquantised 13B. Does the Savage "
            "et al. open-source review I uploaded take any position on a bigger quantised model versus a smaller "
            "full-precision one?",
        },
    ]
    reply = respond(catalog, messages, backend=None, retriever=shared_index)
    assert reply.answer is not None and reply.answer["source"] == "extractive", reply.text
    assert "larger quantized model will perform better" in reply.text
    assert american_spelling("Quantised, summarising, anonymisation; advise, precise") == (
        "Quantized, summarizing, anonymization; advise, precise"
    )
