"""Acronyms the indexed documents define, and the queries that write them."""

from __future__ import annotations

import pytest

from index.acronyms import defined_acronyms, long_form_of, with_long_forms

PAPER = (
    "Reinforcement learning from human feedback (RLHF) or direct preference optimization (DPO) suit nuanced tasks. "
    "Low-Rank Adaptation (LoRA) trains a small subset. Note.-DPO = direct preference optimization, LLM = large "
    "language model. The cache can be moved back to CPU memory (DRAM). See the results (Table 2)."
)


def test_definitions_in_parentheses_and_in_legends_are_read() -> None:
    found = defined_acronyms([PAPER])
    assert found["RLHF"] == "reinforcement learning from human feedback"
    assert found["DPO"] == "direct preference optimization"
    assert found["LoRA"] == "low-rank adaptation"
    assert found["LLM"] == "large language model"
    assert "DRAM" not in found  # its letters are not the initials of the words before it
    assert "Table" not in found  # one capital: a word, not an acronym


@pytest.mark.parametrize(
    ("acronym", "words", "expected"),
    [
        ("RAG", "techniques and retrieval-augmented generation", "retrieval-augmented generation"),
        ("HIPAA", "under the Health Insurance Portability and Accountability Act", "Health Insurance Portability and "
         "Accountability Act"),
        ("DRAM", "can be moved back to CPU memory", None),
        ("GPU", "on a single card", None),
    ],
)  # fmt: skip
def test_a_long_form_spells_the_acronym_from_a_word_start(acronym: str, words: str, expected: str | None) -> None:
    assert long_form_of(acronym, words) == expected


def test_a_query_gets_the_long_form_of_an_acronym_it_writes_in_any_case() -> None:
    known = {"RLHF": "reinforcement learning from human feedback", "ED": "emergency department"}
    assert with_long_forms("is rlhf hard?", known) == "is rlhf hard? (reinforcement learning from human feedback)"
    assert with_long_forms("is RLHF (reinforcement learning from human feedback) hard?", known).count("(") == 1
    assert with_long_forms("what did they ed?", known) == "what did they ed?"  # short ones only as written
    assert with_long_forms("notes from the ED", known).endswith("(emergency department)")


def test_an_acronym_written_in_many_passages_gets_no_long_form() -> None:
    # "GPU" is in a sixth of the corpus: its long form only pulled other passages into the search
    texts = ["A graphics processing unit (GPU) holds the weights."] + [
        f"Chunk {i} runs on one GPU." for i in range(299)
    ]
    assert "GPU" not in defined_acronyms(texts)
    assert "GPU" in defined_acronyms(texts[:100], max_share=1.0)
