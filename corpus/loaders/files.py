"""Users' own files: .pdf (pages kept, pypdf), .txt, .md and .html (sections from headings).

pypdf and BeautifulSoup are imported inside the functions that use them: they belong to the ``rag`` extra.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.loaders.titles import title_in_text
from corpus.loaders.types import (
    KIND_USER,
    CorruptFile,
    Document,
    EmptyDocument,
    NoTextLayer,
    Section,
    UnsupportedType,
)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".markdown", ".html", ".htm")
_HEADING = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*\s*$")


def supported(path: Path) -> bool:
    """True when a loader reads this file's type (by suffix, any case)."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_sections(path: Path) -> tuple[Section, ...]:
    """The file's text as sections; a LoadError subclass says why it could not be read."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise UnsupportedType(
            path.name, f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise EmptyDocument(path.name, "the file is empty")
    sections = tuple(s for s in reader(path) if s.text.strip())
    if not sections:
        raise EmptyDocument(path.name, "the file holds no text")
    return sections


def load_file(
    path: Path,
    *,
    doc_id: str,
    title: str | None = None,
    authors: tuple[str, ...] = (),
    year: int | None = None,
    url: str | None = None,
    doi: str | None = None,
    licence: str | None = None,
) -> Document:
    """A user's file as a Document; the title defaults to the one its first lines give, else the file name
    without its suffix."""
    sections = read_sections(path)
    if title is None:
        # a text file's raw start keeps a top heading that opens no section; other types: their first section
        opening = _decode(path) if path.suffix.lower() in (".txt", ".md", ".markdown") else sections[0].text
        title = title_in_text(opening)
    if url is None and doi:
        url = f"https://doi.org/{doi}"
    return Document(
        doc_id=doc_id,
        kind=KIND_USER,
        title=title or path.stem,
        authors=authors,
        year=year,
        url=url,
        source=path.name,
        sections=sections,
        doi=doi,
        licence=licence,
    )


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in raw[:4096]:  # a binary file with a text suffix
            raise CorruptFile(path.name, "not a text file (binary content)") from None
        return raw.decode("latin-1")


def _text_sections(path: Path) -> Iterator[Section]:
    """Plain text and Markdown: ``#`` headings start sections (plain text without headings is one section)."""
    yield from markdown_sections(_decode(path))


def markdown_sections(text: str) -> Iterator[Section]:
    """Split Markdown-style text at ``#`` headings; the heading names the section."""
    heading: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            if "".join(body).strip():
                yield Section(text="\n".join(body).strip(), heading=heading)
            heading, body = match.group(2), []
        else:
            body.append(line)
    if "".join(body).strip():
        yield Section(text="\n".join(body).strip(), heading=heading)


def _html_sections(path: Path) -> Iterator[Section]:
    """HTML: visible text, split at h1-h3 headings; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path), "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "template"]):
        tag.decompose()
    body = soup.body or soup
    heading: str | None = None
    parts: list[str] = []
    for element in body.find_all(["h1", "h2", "h3", "p", "li", "pre", "td", "th", "blockquote", "dd", "dt"]):
        if element.name in ("h1", "h2", "h3"):
            if "".join(parts).strip():
                yield Section(text="\n".join(parts).strip(), heading=heading)
            heading, parts = element.get_text(" ", strip=True) or None, []
        elif not element.find_parent(["p", "li", "pre", "td", "th", "blockquote", "dd", "dt"]):
            # Only the outermost block: nested blocks are already in their parent's text.
            parts.append(element.get_text(" ", strip=True))
    if "".join(parts).strip():
        yield Section(text="\n".join(parts).strip(), heading=heading)
    elif heading is None:
        text = body.get_text("\n", strip=True)  # pages without block tags: all visible text
        if text:
            yield Section(text=text)


def _pdf_sections(path: Path) -> Iterator[Section]:
    """PDF: one section per page, page numbers from 1; a PDF with pages but no text is a scan."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise CorruptFile(path.name, "the PDF is encrypted")
        pages = [(n, page.extract_text() or "") for n, page in enumerate(reader.pages, start=1)]
    except CorruptFile:
        raise
    except Exception as exc:  # pypdf raises many exception types on malformed files; all mean "corrupt"
        raise CorruptFile(path.name, f"cannot read the PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise CorruptFile(path.name, "the PDF has no pages")
    if not any(text.strip() for _, text in pages):
        raise NoTextLayer(path.name, f"no text layer in {len(pages)} page(s); OCR is not supported")
    for number, text in pages:
        if text.strip():
            yield Section(text=text.strip(), page=number)


_READERS: dict[str, Callable[[Path], Iterator[Section]]] = {
    ".pdf": _pdf_sections,
    ".txt": _text_sections,
    ".md": _text_sections,
    ".markdown": _text_sections,
    ".html": _html_sections,
    ".htm": _html_sections,
}
