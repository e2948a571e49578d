"""The follow-up benchmark: its two question sets are well formed, and its scorer counts what it says it counts."""

from __future__ import annotations

import importlib.util
import io
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
BENCH = REPO / "bench" / "followups.py"
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()
CARDS = REPO / "corpus" / "cards"

PREVIOUS = "Here is what I understood:\n- Stage II\n\n| 1 | RaDialog-7B | $7,799 to buy |\n\n_Technical guidance only._"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_followups", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _item(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "x",
        "context": "radiology_local",
        "question": "What would RaDialog cost to buy?",
        "expect": [r"7[,.]?799"],
        "expected_source": "catalog",
        "expect_docs": [],
        "tags": [],
        "note": "",
    }
    return {**base, **fields}


def _citation(n: int, source: str, title: str = "") -> dict[str, Any]:
    return {"n": n, "key": f"k{n}", "title": title or source, "source": source}


@pytest.mark.parametrize(
    ("name", "answerable", "refusals"), [("followups_devset.jsonl", 60, 10), ("followups_holdout.jsonl", 30, 5)]
)
def test_the_sets_are_large_enough_and_cover_what_the_issue_asks(
    bench: ModuleType, name: str, answerable: int, refusals: int
) -> None:
    items = bench.load_set(BENCH.with_name(name))
    sources = Counter(i["expected_source"] for i in items)
    tags = {t for i in items for t in i["tags"]}
    assert len(items) - sources["refusal"] >= answerable
    assert sources["refusal"] >= refusals
    assert set(sources) == set(bench.SOURCES)  # every kind, sizing included
    assert {"es", "de", "names-doc", "what-if", "sizing"} <= tags
    assert {i["context"] for i in items} == set(bench.CONTEXTS)


def test_the_sets_do_not_share_questions_or_ids(bench: ModuleType) -> None:
    names = ("followups_devset.jsonl", "followups_holdout.jsonl", "followups_holdout2.jsonl")
    sets = [bench.load_set(BENCH.with_name(name)) for name in names]
    for i, first in enumerate(sets):
        for second in sets[i + 1 :]:
            assert not {x["id"] for x in first} & {x["id"] for x in second}
            assert not {x["question"].casefold() for x in first} & {x["question"].casefold() for x in second}
    assert {x["expected_source"] for x in sets[2]} == set(bench.SOURCES)
    assert {x["context"] for x in sets[2]} == set(bench.CONTEXTS)


@pytest.mark.parametrize("name", ["followups_devset.jsonl", "followups_holdout.jsonl"])
def test_every_expected_document_exists(bench: ModuleType, name: str) -> None:
    shipped = {p.name for p in CARDS.glob("*.md")} | {"catalog.json"}
    seeds = {p.name for p in SEEDS.glob("*.txt")}
    for item in bench.load_set(BENCH.with_name(name)):
        for doc in item["expect_docs"]:
            assert doc in shipped | seeds, f"{item['id']}: {doc} is neither a card, the catalog nor a seed"
        assert (item["expected_source"] in ("rules", "catalog", "sizing", "refusal")) or item["expect_docs"], item["id"]


def test_a_bad_line_is_refused_with_its_line_number(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: missing"):
        bench.load_set(path)
    path.write_text(
        '{"id": "a", "context": "nowhere", "question": "q", "expect": ["x"], "expected_source": "rules", '
        '"expect_docs": [], "tags": [], "note": ""}\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown context 'nowhere'"):
        bench.load_set(path)


def test_a_recommendation_printed_again_answers_nothing(bench: ModuleType) -> None:
    assert bench.answer_text(PREVIOUS, PREVIOUS) == ""
    result = bench.score(_item(), PREVIOUS, {"citations": []}, PREVIOUS)
    assert not result.fact and not result.right
    answered = "RaDialog-7B costs 7,799 USD (one NVIDIA A40).\n\n" + PREVIOUS
    assert bench.score(_item(), answered, {"citations": []}, PREVIOUS).right


def test_the_disclaimer_in_another_language_is_not_part_of_the_answer(bench: ModuleType) -> None:
    item = _item(expect=["2025"])
    legal = "Technische Orientierung (JMIR 2025), keine medizinische Beratung."
    reply = f"Das steht nicht in den Quellen.\n\n_{legal}_"
    assert bench.answer_text(reply, PREVIOUS, legal) == "Das steht nicht in den Quellen."
    assert not bench.score(item, reply, {"citations": [], "disclaimer": legal}, PREVIOUS).fact
    assert bench.score(item, reply, {"citations": []}, PREVIOUS).fact  # without the field it stays in


def test_a_citation_must_come_from_an_expected_document(bench: ModuleType) -> None:
    item = _item(expected_source="retrieval", expect=["3[.,]44"], expect_docs=["004_e07c57b3222e2c71.txt"])
    text = "Physicians rated clinical benefit 3.44 of 4 [1]."
    wrong = bench.score(item, text, {"citations": [_citation(1, "radonc-llama3-physician-letters.md")]}, "")
    assert wrong.fact and wrong.citation is False and not wrong.right
    right = bench.score(item, text, {"citations": [_citation(1, "004_e07c57b3222e2c71.txt")]}, "")
    assert right.right and right.cited == ("004_e07c57b3222e2c71.txt",)
    by_title = _item(expected_source="retrieval", expect=["3[.,]44"], expect_docs=["Physician Letter Generation"])
    titled = _citation(1, "radonc-llama3-physician-letters.md", "Fine-Tuning ... Physician Letter Generation in RO")
    assert bench.score(by_title, text, {"citations": [titled]}, "").right


def test_with_an_answer_object_only_the_citations_it_names_count(bench: ModuleType) -> None:
    item = _item(expected_source="retrieval", expect=["3[.,]44"], expect_docs=["004_e07c57b3222e2c71.txt"])
    citations = [_citation(1, "radialog.md"), _citation(2, "004_e07c57b3222e2c71.txt")]
    answer = {"source": "retrieval", "citations": [1], "dropped_sentences": 1, "dropped_numbers": 2}
    result = bench.score(item, "Rated 3.44 [1].", {"citations": citations, "answer": answer}, "")
    assert result.answer_source == "retrieval"
    assert result.citation is False and not result.right
    assert (result.dropped_numbers, result.dropped_sentences) == (2, 1)
    answer["citations"] = [2]
    assert bench.score(item, "Rated 3.44 [2].", {"citations": citations, "answer": answer}, "").right


def test_refusals_read_the_answer_source_or_the_words_and_refuse_invented_facts(bench: ModuleType) -> None:
    item = _item(expected_source="refusal", expect=[], forbid=[r"\d+\s?mg"])
    said = "The indexed literature does not say; the closest passages are below."
    assert bench.score(item, said, {"citations": []}, "").right
    invented = "The indexed literature does not cover doses, but 500 mg is usual."
    assert not bench.score(item, invented, {"citations": []}, "").right
    not_refused = {"citations": [], "answer": {"source": "retrieval", "citations": []}}
    assert not bench.score(item, said, not_refused, "").right  # the answer object wins over the words
    refused = {"citations": [], "answer": {"source": "refusal", "citations": []}}
    assert bench.score(item, "Nothing relevant was found.", refused, "").right
    assert bench.score(item, "Die indexierten Belege decken das nicht ab.", {"citations": []}, "").refused
    assert bench.score(item, "La evidencia indexada no cubre esto.", {"citations": []}, "").refused


def test_forbidden_words_make_an_answer_wrong(bench: ModuleType) -> None:
    item = _item(forbid=[r"only (an )?API"])
    assert not bench.score(item, "It costs 7,799 USD, but it is only an API.", {}, "").right


def test_the_report_splits_by_source_and_ends_with_a_summary(bench: ModuleType) -> None:
    items = [
        _item(id="a"),
        _item(id="b", expected_source="refusal", expect=[], tags=["refusal"]),
        _item(id="c", expected_source="sizing", expect=["GB"]),
    ]
    played = {
        "a": bench.Played("a", "7,799 USD", {"citations": []}, "", 0.1, 0.5),
        "b": bench.Played("b", "The indexed literature does not say.", {"citations": []}, "", None, 0.7),
        "c": bench.Played("c", "no idea", {"citations": []}, "", 0.2, 0.9),
    }
    scores = [bench.score(i, played[i["id"]].text, played[i["id"]].extension, "") for i in items]
    out = io.StringIO()
    summary = bench.report(scores, played, items, out)
    assert "right fact+citation 1/1 (100.0%)" in summary
    assert "sizing 0/1 (0.0%)" in summary and "correct refusals 1/1 (100.0%)" in summary
    assert "whole reply p50 0.70 s" in summary
    table = out.getvalue()
    assert "by answer source" in table and "unknown" in table and "not right: c" in table


def test_the_heading_that_quotes_the_question_is_not_part_of_the_answer(bench: ModuleType) -> None:
    # follow-ups holdout 26: "Cabe numa RTX 4090?" forbade a "yes, it fits" that only the quoted question held
    reply = "### Answer: \u201cCabe numa RTX 4090?\u201d\n\nthat does not fit your 1 x RTX 4090"
    assert bench.answer_text(reply, PREVIOUS) == "that does not fit your 1 x RTX 4090"
    item = _item(expect=["does not fit"], forbid=["cabe numa RTX"])
    assert bench.score(item, reply, {"citations": []}, PREVIOUS).fact
