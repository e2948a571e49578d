"""Loaders: cards, users' files (.pdf/.txt/.md/.html), sidecar metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.loaders import (
    CARDS_DIR,
    CorruptFile,
    EmptyDocument,
    NoTextLayer,
    UnsupportedType,
    load_cards,
    load_file,
    read_sections,
    read_sidecar,
)
from corpus.loaders.cards import card_paths, parse_card
from corpus.loaders.sidecar import Metadata, normalise_doi
from tests.unit.index.pdfs import corrupt_pdf, scanned_pdf, text_pdf

CARD = """title: A Test Model
authors: Ada Lovelace; Alan Turing
year: 2024
venue: Test Journal
url: https://example.org/paper
doi: 10.1000/test
paper_id: doi:10.1000/test
models: test-7b, test-13b
licence: CC BY 4.0
kind: model
---
# A Test Model (2024)

## What it is
- A model for tests [paper]

## Compute (GPUs, memory, power)
- 1 x A100 [catalog]
"""


def test_card_header_and_sections() -> None:
    doc = parse_card(CARD, "test-model.md")
    assert doc.doc_id == "card:test-model"
    assert doc.title == "A Test Model"
    assert doc.authors == ("Ada Lovelace", "Alan Turing")
    assert (doc.year, doc.url, doc.doi, doc.licence) == (2024, "https://example.org/paper", "10.1000/test", "CC BY 4.0")
    assert doc.extra["models"] == "test-7b, test-13b"
    assert [s.heading for s in doc.sections] == ["What it is", "Compute (GPUs, memory, power)"]
    assert "A Test Model (2024)" not in doc.text  # the title line is metadata, not a section


def test_card_without_separator_is_corrupt() -> None:
    with pytest.raises(CorruptFile, match="---"):
        parse_card("title: x\n# no separator", "bad.md")


def test_shipped_cards_load_and_readme_is_not_a_card() -> None:
    docs = load_cards()
    assert len(docs) >= 20
    assert all(d.title and d.sections and d.source.endswith(".md") for d in docs)
    assert len({d.doc_id for d in docs}) == len(docs)
    assert "README.md" not in {p.name for p in card_paths(CARDS_DIR)}
    review = next(d for d in docs if d.doi == "10.2196/71916")
    assert review.year == 2025 and "Python" in " ".join(review.authors)


def test_text_and_markdown_sections(tmp_path: Path) -> None:
    md = tmp_path / "notes.md"
    md.write_text("intro line\n\n## Methods\nwe did things\n\n### Results ###\nit worked\n", encoding="utf-8")
    sections = read_sections(md)
    assert [(s.heading, s.text) for s in sections] == [
        (None, "intro line"),
        ("Methods", "we did things"),
        ("Results", "it worked"),
    ]
    txt = tmp_path / "plain.txt"
    txt.write_text("just text, no headings", encoding="utf-8")
    doc = load_file(txt, doc_id="x", doi="10.1/abc")
    assert doc.title == "plain" and doc.source == "plain.txt" and doc.url == "https://doi.org/10.1/abc"
    assert doc.sections[0].heading is None and doc.sections[0].page is None


def test_html_sections_drop_scripts(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><script>var x = 1;</script><style>p{}</style></head><body><nav>menu</nav>"
        "<h1>Intro</h1><p>First <b>para</b>.</p><h2>Details</h2><ul><li>item one</li></ul></body></html>",
        encoding="utf-8",
    )
    sections = read_sections(page)
    assert [(s.heading, s.text) for s in sections] == [("Intro", "First para ."), ("Details", "item one")]
    assert "var x" not in " ".join(s.text for s in sections)


def test_pdf_keeps_page_numbers(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(text_pdf(["First page about QLoRA.", "Second page about GPUs."]))
    sections = read_sections(pdf)
    assert [s.page for s in sections] == [1, 2]
    assert "QLoRA" in sections[0].text and "GPUs" in sections[1].text


def test_scanned_pdf_reported_as_no_text_layer(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(scanned_pdf(3))
    with pytest.raises(NoTextLayer, match=r"no text layer in 3 page.*OCR is not supported"):
        read_sections(pdf)


def test_corrupt_empty_and_unsupported(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(corrupt_pdf())
    with pytest.raises(CorruptFile, match="cannot read the PDF"):
        read_sections(bad)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(EmptyDocument):
        read_sections(empty)
    blank = tmp_path / "blank.md"
    blank.write_text("\n   \n", encoding="utf-8")
    with pytest.raises(EmptyDocument):
        read_sections(blank)
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK\x03\x04 not supported")
    with pytest.raises(UnsupportedType, match=r"\.docx.*supported: \.pdf, \.txt"):
        read_sections(docx)
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\xff\xfe\x00\x00\x00binary")
    with pytest.raises(CorruptFile, match="binary"):
        read_sections(binary)


def test_sidecar_both_names_and_merge(tmp_path: Path) -> None:
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(b"x")
    assert read_sidecar(paper) == Metadata()
    (tmp_path / "paper.meta.json").write_text(json.dumps({"title": "Short name", "year": 2020}), encoding="utf-8")
    assert read_sidecar(paper).title == "Short name"
    (tmp_path / "paper.pdf.meta.json").write_text(
        json.dumps(
            {
                "title": "Full",
                "authors": ["A B", "C D"],
                "year": "2023",
                "doi": "https://doi.org/10.5/X",
                "license": "MIT",
            }
        ),
        encoding="utf-8",
    )
    meta = read_sidecar(paper)  # the full-name sidecar wins
    assert meta == Metadata(title="Full", authors=("A B", "C D"), year=2023, doi="10.5/X", licence="MIT")
    merged = meta.merged(Metadata(title="From flag"))
    assert merged.title == "From flag" and merged.authors == ("A B", "C D")
    (tmp_path / "paper.pdf.meta.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(CorruptFile, match="JSON object"):
        read_sidecar(paper)


def test_normalise_doi() -> None:
    assert normalise_doi("doi:10.2196/71916") == normalise_doi("https://doi.org/10.2196/71916") == "10.2196/71916"


def test_cards_are_package_data() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "cards/*.md" in pyproject["tool"]["setuptools"]["package-data"]["corpus"]
    assert Path(__file__).resolve().parents[3] / "corpus" / "cards" == CARDS_DIR


@pytest.mark.parametrize(
    ("opening", "title"),
    [
        ("Computer Science > AI\nTitle:A Primer on Models\nAbstract: ...", "A Primer on Models"),
        ("\n\n## Clinical Tool Usage Guidelines\n\n### Step 1: Start\n", "Clinical Tool Usage Guidelines"),
        (
            "Radiology\n\nOpen Models in Radiology: A Review and Tutorial\n\nAda Lovelace • Alan Turing",
            "Open Models in Radiology: A Review and Tutorial",
        ),
        ("This study fine-tunes models for letters. It works well.\nAn Wang, Haonan Shi, Tu Ouyang\n", None),
        ("Current paper (gray), citations (green), references (blue)\n", None),
        ("just text, no headings", None),
    ],
)
def test_a_title_is_read_from_the_first_lines_when_they_hold_one(opening: str, title: str | None) -> None:
    from corpus.loaders.titles import title_in_text

    assert title_in_text(opening) == title


def test_a_users_text_file_is_titled_by_its_opening_title_line(tmp_path: Path) -> None:
    paper = tmp_path / "001_6e1d.txt"
    paper.write_text(
        "Radiology\n\nBest Practices for Language Models in Radiology\n\nSource: ArXiv\n", encoding="utf-8"
    )
    assert load_file(paper, doc_id="p").title == "Best Practices for Language Models in Radiology"
    assert load_file(paper, doc_id="p", title="Given").title == "Given"  # a sidecar's title wins
