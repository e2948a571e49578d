"""assistant.sanitize: documents' images, HTML and non-http(s) links are removed; their words are kept."""

from __future__ import annotations

import time

import pytest

from assistant.evidence import Passage
from assistant.sanitize import clean_passage, clean_text, safe_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words, p < 0.05 and q > 3", "plain words, p < 0.05 and q > 3"),
        ("see ![a chart](https://x.example/c.png) above", "see a chart above"),
        ("see ![chart][fig1] above", "see chart above"),
        ('a <img src="https://x.example/i.gif" onerror="alert(1)"> b', "a  b"),
        ("<b>bold</b> and <a href='https://x.example'>link</a>", "bold and link"),
        ("x <iframe src='https://x.example/'></iframe> y", "x  y"),
        ("<!-- hidden instructions --> visible", " hidden instructions  visible"),
        ("[click](javascript:alert(document.cookie))", "click"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data"),
        ("[relative](/etc/passwd)", "relative"),
        ("[paper](https://doi.org/10.2196/71916)", "[paper](https://doi.org/10.2196/71916)"),
        ('[paper](https://example.org/p "Title")', '[paper](https://example.org/p "Title")'),
        ("<https://example.org/a>", "https://example.org/a"),
        ("<javascript:alert(1)>", ""),
        ("[ref]: javascript:alert(1)\n", "\n"),
        ("[ref]: https://example.org/a\n", "[ref]: https://example.org/a\n"),
        ("!<b></b>[x](https://x.example/i.png)", "x"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("  http://example.org  ", "http://example.org"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("&#106;avascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("//example.org/x", None),
        ("/relative", None),
        ("https://example.org/a b", None),
        ('https://example.org/"onmouseover="x', None),
        ("https:///nohost", None),
        ("ftp://example.org/file", None),
        (None, None),
        ("", None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_clean_passage_cleans_text_title_section_and_url() -> None:
    dirty = Passage(
        key="k",
        doc_id="d",
        title="<b>Title</b>",
        authors=("A",),
        year=2024,
        url="javascript:alert(1)",
        source="f.md",
        page=None,
        section="![s](https://x.example/s.png)",
        score=1.0,
        text="Text ![i](https://x.example/i.png).",
    )
    clean = clean_passage(dirty)
    assert (clean.title, clean.section, clean.url, clean.text) == ("Title", "s", None, "Text i.")
    safe = Passage("k", "d", "T", (), None, "https://example.org", "f.md", None, None, 1.0, "plain")
    assert clean_passage(safe) is safe


@pytest.mark.parametrize(
    "text",
    [
        "9" * 100_000,
        "<a " * 30_000,
        "[" * 50_000 + "](" * 20_000,
        "![" * 40_000,
        "[x](" + "(" * 50_000,
        "word" * 25_000,
        "<!--" * 25_000,
        "[r]: " + "x" * 5_000 + "y" * 95_000,
    ],
)
def test_cleaning_long_adversarial_text_is_fast(text: str) -> None:
    start = time.perf_counter()
    clean_text(text)
    assert time.perf_counter() - start < 0.5
