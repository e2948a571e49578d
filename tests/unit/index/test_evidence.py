"""Citations: only keys retrieval returned, numbered in citing order, formatted as references."""

from __future__ import annotations

from assistant.evidence import Passage, cite, format_references


def _passage(key: str, **kw: object) -> Passage:
    base: dict[str, object] = {
        "key": key,
        "doc_id": f"doc-{key}",
        "title": f"Title {key}",
        "authors": ("Ann One", "Bob Two", "Cy Three", "Di Four"),
        "year": 2024,
        "url": f"https://example.org/{key}",
        "source": f"{key}.md",
        "page": None,
        "section": "Methods",
        "score": 0.1,
        "text": f"text {key}",
    }
    base.update(kw)
    return Passage(**base)  # type: ignore[arg-type]


def test_cite_drops_unknown_keys_and_numbers_in_citing_order() -> None:
    passages = [_passage("a"), _passage("b"), _passage("c")]
    citations = cite(passages, ["c", "made-up", "a", "c"])
    assert [(c.n, c.key) for c in citations] == [(1, "c"), (2, "a")]
    assert citations[0].to_dict()["title"] == "Title c"
    assert cite(passages, ["nope"]) == ()


def test_format_references() -> None:
    citations = cite([_passage("a", page=7), _passage("b", authors=(), year=None, url=None, section=None)], ["a", "b"])
    lines = format_references(citations).splitlines()
    assert lines[0] == "[1] Ann One, Bob Two, Cy Three et al. (2024). Title a. p. 7, Methods. https://example.org/a"
    assert lines[1] == "[2] Title b."
