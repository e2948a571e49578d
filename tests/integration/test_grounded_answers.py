"""Answers from the literature through a real OpenAI-compatible server (llama-cpp-python's, on loopback): what
the model writes reaches the user only sentence by sentence, each checked against the passages it cites."""

from __future__ import annotations

import re

import pytest

from assistant.catalog import Catalog
from assistant.dialogue import respond
from assistant.evidence import Passage
from assistant.extraction import cache_clear
from serving.backends.openai_backend import OpenAIBackend
from tests.fixtures.llama_server import LlamaServer
from tests.unit.dialogue.fakes import FakeRetriever

pytestmark = pytest.mark.integration

PAPER = Passage(
    key="paper-1",
    doc_id="paper",
    title="Fine-tuning report generators",
    authors=("A. Author",),
    year=2024,
    url="https://example.org/paper",
    source="paper.md",
    page=None,
    section=None,
    score=1.0,
    text="We fine-tuned the report model with LoRA on one A100 GPU. Radiologists preferred the fine-tuned drafts.",
)
PRIMER = Passage(
    key="primer-1",
    doc_id="primer",
    title="Prompting primer",
    authors=("B. Author",),
    year=2023,
    url=None,
    source="primer.md",
    page=None,
    section=None,
    score=1.0,
    text="Chain-of-thought prompting asks the model to reason step by step before it answers. "
    "Few-shot prompting shows the model worked examples first.",
)


def ask(catalog: Catalog, server: LlamaServer, question: str, *passages: Passage) -> tuple[str, dict[str, object]]:
    cache_clear()
    reply = respond(
        catalog,
        [{"role": "user", "content": question}],
        backend=OpenAIBackend(server.url, timeout=120),
        retriever=FakeRetriever(list(passages) or [PAPER]),
    )
    assert reply.answer is not None
    return reply.text, dict(reply.answer)


def test_a_real_models_answer_cites_the_passage_it_rests_on(catalog: Catalog, qwen_server: LlamaServer) -> None:
    text, answer = ask(catalog, qwen_server, "What does chain-of-thought prompting ask the model to do?", PAPER, PRIMER)
    assert answer["source"] == "retrieval", text  # the model's own sentence passed the checks
    assert answer["citations"] == [1]
    assert re.search(r"step by step[^\n]*\[1\]", text)
    assert "Prompting primer" in text.split("### References")[1]


def test_a_number_no_passage_holds_is_dropped(catalog: Catalog, llama_server: LlamaServer) -> None:
    # SmolLM2-135M answers this (greedily) by echoing the prompt with a year that the passage's text does not
    # hold and a citation of an excerpt it was not given: the checks must drop every such sentence.
    text, answer = ask(catalog, llama_server, "How many GPUs, and for how many hours?")
    assert isinstance(answer["dropped_numbers"], int) and answer["dropped_numbers"] >= 1
    assert isinstance(answer["dropped_sentences"], int) and answer["dropped_sentences"] >= 1
    assert answer["source"] == "extractive"  # nothing the model wrote survived: the passage is quoted instead
    answer_part = text.split("### References")[0]
    assert "> We fine-tuned the report model with LoRA on one A100 GPU. [1]" in answer_part
    assert "[2]" not in answer_part and "Question:" not in answer_part
