"""Markdown tables: each chunk of a table keeps its header, and a row reads as a sentence naming its columns."""

from __future__ import annotations

from assistant.grounded import split_sentences
from assistant.tables import as_sentences, find_tables
from corpus.loaders.types import Document, Section
from index.chunking import CHUNK_SIZE, chunk_document

HEADER = "| Model (Maker) | Parameters | Memory (GB) | Memory at 4 bits (GB) [a] |\n|---|---|---|---|"
ROWS = [f"| Model{i} (Lab {i}) | {i}B | {2 * i}.0 [b] | {i / 2} |" for i in range(1, 40)]
TABLE = "\n".join([HEADER, *ROWS])


def test_a_row_reads_as_a_sentence_that_names_its_columns() -> None:
    text = as_sentences(f"Table 2 lists sizes.\n\n{HEADER}\n{ROWS[6]}\n\nNote: estimates.")
    assert "Model7 (Lab 7): Parameters 7B; Memory (GB) 14.0; Memory at 4 bits (GB) 3.5." in text
    assert text.startswith("Table 2 lists sizes.") and text.rstrip().endswith("Note: estimates.")
    assert "Model7 (Lab 7): Parameters 7B; Memory (GB) 14.0; Memory at 4 bits (GB) 3.5." in split_sentences(text)


def test_a_header_in_two_rows_is_joined_column_by_column() -> None:
    two = "| | API cost ($/M tokens) | | Context |\n|---|---|---|---|\n| LLM | Input | Output | (Tokens) |\n"
    text = as_sentences(two + "| Claude 3 Opus | 15 | 75 | 200 000 |")
    assert "Claude 3 Opus: API cost ($/M tokens) Input 15; Output 75; Context (Tokens) 200 000." in text


def test_a_table_of_prose_is_left_as_written() -> None:
    prose = "| Problem | Remedy |\n|---|---|\n" + (
        "| The model lists diagnoses without weighing the negatives at all | Ask it to think step by step and "
        "reflect on its answer before it gives one |"
    )
    assert as_sentences(prose) == prose


def test_every_chunk_of_a_long_table_repeats_its_header() -> None:
    doc = Document(
        doc_id="/d/t.md", kind="user", title="T", authors=(), year=None, url=None, source="t.md",
        sections=(Section(f"Intro text before the table.\n\n{TABLE}\n\nText after it."),),
    )  # fmt: skip
    tables = [c for c in chunk_document(doc) if "|" in c.text]
    assert len(tables) > 1
    assert all(c.text.startswith(HEADER) and len(c.text) <= CHUNK_SIZE for c in tables)
    assert sorted(r for c in tables for r in c.text.split("\n")[2:]) == sorted(ROWS)  # every row, once
    assert len(find_tables(TABLE)) == 1
