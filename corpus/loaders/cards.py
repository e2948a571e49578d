"""Evidence cards (``corpus/cards/*.md``): ``key: value`` header lines, a ``---`` line, then Markdown.

Sections come from ``## `` headings; text before the first one (the ``# `` title line) is dropped when
it only repeats the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

from corpus.loaders.types import KIND_CARD, CorruptFile, Document, Section, parse_year, split_authors

CARDS_DIR = Path(__file__).resolve().parent.parent / "cards"
# Header keys kept in Document.extra (the others have their own fields).
EXTRA_KEYS = ("venue", "paper_id", "models", "kind")
_CARD_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.md")


def parse_card(text: str, source: str) -> Document:
    """A card's text as a Document; CorruptFile when the header is missing or has no title."""
    lines = text.splitlines()
    try:
        end = next(i for i, line in enumerate(lines) if line.strip() == "---")
    except StopIteration:
        raise CorruptFile(source, "card has no '---' line after its header") from None
    header: dict[str, str] = {}
    for line in lines[:end]:
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise CorruptFile(source, f"header line is not 'key: value': {line!r}")
        header[key.strip().lower()] = value.strip()
    if not header.get("title"):
        raise CorruptFile(source, "card header has no title")
    sections = tuple(_markdown_sections(lines[end + 1 :]))
    stem = source.removesuffix(".md")
    return Document(
        doc_id=f"card:{stem}",
        kind=KIND_CARD,
        title=header["title"],
        authors=tuple(split_authors(header.get("authors", ""))),
        year=parse_year(header.get("year", "")),
        url=header.get("url") or None,
        source=source,
        sections=sections,
        doi=header.get("doi") or None,
        licence=header.get("licence") or None,
        extra=MappingProxyType({k: header[k] for k in EXTRA_KEYS if header.get(k)}),
    )


def _markdown_sections(lines: list[str]) -> Iterator[Section]:
    heading: str | None = None
    body: list[str] = []
    for line in lines:
        if line.startswith("## "):
            if "".join(body).strip():
                yield Section(text="\n".join(body).strip(), heading=heading)
            heading, body = line[3:].strip(), []
        elif line.startswith("# ") and heading is None and not "".join(body).strip():
            continue  # the card's title line; the title is in the metadata already
        else:
            body.append(line)
    if "".join(body).strip():
        yield Section(text="\n".join(body).strip(), heading=heading)


def load_card(path: Path) -> Document:
    """One card file as a Document."""
    return parse_card(path.read_text(encoding="utf-8"), path.name)


def card_paths(folder: Path = CARDS_DIR) -> list[Path]:
    """The card files in a folder (slug names such as ``radialog.md``; README.md is not a card), sorted."""
    return sorted(p for p in folder.glob("*.md") if _CARD_NAME.fullmatch(p.name))


def load_cards(folder: Path = CARDS_DIR) -> list[Document]:
    """Every card in a folder (the shipped cards by default), sorted by file name."""
    return [load_card(p) for p in card_paths(folder)]
