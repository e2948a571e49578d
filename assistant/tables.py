"""Markdown tables in documents: found in a text, kept with their header when a document is chunked, and read
row by row as sentences that name their columns.

A paper's table row ("| Qwen2.5 (Alibaba) | 0.5B to 72B | 15 (7B), 85 (72B) | 5.5 (7B), 42.5 (72B) |") says
nothing on its own: which number is the memory at 4 bits is in the header, which the chunker may have left
in another chunk. So every chunk of a table repeats the header, and a row is read as
"Qwen2.5 (Alibaba): Parameter Count (Billions) 0.5B to 72B; Video RAM Requirement (4-Bit Quantized) 5.5 (7B),
42.5 (72B)", which a sentence scorer and a reader can match to "how much VRAM at 4 bits".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-*:?\s*)*\|?$")  # |---|:--:|
_MARK = re.compile(r"\s?\[[^\[\]\n]{1,12}\]|[*†‡§∥#]+")  # footnote marks in a cell: [†], *, §
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Table:
    """One Markdown table in a text: its header lines (up to the separator, and a header's second row), its
    data rows, and where it stands in the text."""

    start: int
    end: int
    header: tuple[str, ...]
    rows: tuple[str, ...]

    @property
    def header_text(self) -> str:
        """The header as written, separator line included."""
        return "\n".join(self.header)


def _is_row(line: str) -> bool:
    return line.startswith("|") and line.count("|") >= 3


def cells(row: str) -> list[str]:
    """A row's cells, outer pipes dropped and whitespace trimmed."""
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [_SPACES.sub(" ", c).strip() for c in inner.split("|")]


def find_tables(text: str) -> list[Table]:
    """The Markdown tables of a text (consecutive pipe rows with a separator line under the header)."""
    tables: list[Table] = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        if not _is_row(lines[i].strip()):
            i += 1
            continue
        j = i
        while j < len(lines) and (_is_row(lines[j].strip()) or _SEPARATOR.match(lines[j].strip())):
            j += 1
        block = [line.strip() for line in lines[i:j]]
        sep = next((k for k, line in enumerate(block) if _SEPARATOR.match(line)), None)
        if sep is not None and sep > 0:
            header, rows = block[: sep + 1], block[sep + 1 :]
            # a header in two rows ("| | API cost | | ..." over "| LLM | Input | Output |"): an empty first
            # cell above, and a second row without a figure, continue the header
            if rows and not cells(header[0])[0] and not any(ch.isdigit() for ch in rows[0]):
                header, rows = [*header, rows[0]], rows[1:]
            tables.append(Table(offsets[i], min(offsets[j], len(text)), tuple(header), tuple(rows)))
        i = j
    return tables


def _clean(cell: str) -> str:
    return _SPACES.sub(" ", _MARK.sub("", cell.replace("\\$", "$"))).strip()


def column_labels(header: tuple[str, ...]) -> list[str]:
    """Each column's name: the header's rows joined ("Video RAM" over "Requirement (GB)")."""
    rows = [cells(line) for line in header if not _SEPARATOR.match(line)]
    width = max((len(r) for r in rows), default=0)
    labels = [""] * width
    for row in rows:
        for k, cell in enumerate(row):
            labels[k] = f"{labels[k]} {_clean(cell)}".strip()
    return labels


def row_sentence(labels: list[str], row: str) -> str:
    """A data row as a sentence that names its columns: "Name: Column A value; Column B value."."""
    values = [_clean(c) for c in cells(row)]
    if not values or not values[0]:
        return ""
    # a row with more cells than the header has names keeps the extra values unnamed
    padded = labels[1:] + [""] * max(0, len(values) - len(labels))
    named = [f"{label} {value}" if label else value for label, value in zip(padded, values[1:], strict=False) if value]
    return f"{values[0]}: {'; '.join(named)}." if named else ""


MAX_MEDIAN_CELL = 40  # characters: longer, and the cells are prose rather than figures and names


def _short_cells(table: Table) -> bool:
    lengths = sorted(len(_clean(c)) for row in table.rows for c in cells(row))
    return bool(lengths) and lengths[len(lengths) // 2] <= MAX_MEDIAN_CELL


def as_sentences(text: str) -> str:
    """The text with each table whose header it holds rewritten as one sentence per row (the rest as is)."""
    tables = find_tables(text)
    if not tables:
        return text
    out, at = [], 0
    for table in tables:
        if not _short_cells(table):
            continue  # a table of prose ("deficiency | remedy | ..."): its cells are sentences of their own
        labels = column_labels(table.header)
        rows = [s for s in (row_sentence(labels, r) for r in table.rows) if s]
        out += [text[at : table.start], "\n".join(rows), "\n"]
        at = table.end
    out.append(text[at:])
    return "".join(out)
