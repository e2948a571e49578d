"""Optional metadata for a user's file, from a sidecar JSON file beside it.

For ``paper.pdf`` the sidecar is ``paper.pdf.meta.json`` or, failing that, ``paper.meta.json``; it holds
any of ``title``, ``authors`` (a list, or a string separated by semicolons), ``year``, ``url``, ``doi``,
``licence`` (``license`` is accepted too). Unknown keys are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

from corpus.loaders.types import CorruptFile, parse_year, split_authors

SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class Metadata:
    """Bibliographic metadata a user gives for a file; None (or empty) means not given."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    url: str | None = None
    doi: str | None = None
    licence: str | None = None

    def merged(self, override: Metadata) -> Metadata:
        """This metadata with every field that ``override`` gives replaced."""
        changes = {f.name: getattr(override, f.name) for f in fields(override) if getattr(override, f.name)}
        return replace(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready values."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


def is_sidecar(path: Path) -> bool:
    """True for a sidecar metadata file (never ingested as a document itself)."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def sidecar_path(path: Path) -> Path | None:
    """The sidecar file for ``path``, if one exists; a symbolic link is never one (it may point anywhere)."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


def normalise_doi(value: str) -> str:
    """A bare DOI ("10.2196/71916") from a DOI, a "doi:" form or a doi.org URL."""
    doi = value.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:", "DOI:"):
        if doi.lower().startswith(prefix.lower()):
            doi = doi[len(prefix) :]
    return doi.strip()


def metadata_from_mapping(data: dict[str, object], source: str) -> Metadata:
    """Metadata from a parsed sidecar object; CorruptFile naming the field when a value has the wrong type."""

    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int):
            raise CorruptFile(source, f"metadata field {key!r} must be a string")
        return str(value).strip() or None

    raw_authors = data.get("authors")
    if isinstance(raw_authors, list):
        authors = tuple(str(a).strip() for a in raw_authors if str(a).strip())
    elif isinstance(raw_authors, str):
        authors = split_authors(raw_authors)
    elif raw_authors is None:
        authors = ()
    else:
        raise CorruptFile(source, "metadata field 'authors' must be a list or a string")
    doi = text("doi")
    return Metadata(
        title=text("title"),
        authors=authors,
        year=parse_year(data.get("year")),
        url=text("url"),
        doi=normalise_doi(doi) if doi else None,
        licence=text("licence") or text("license"),
    )


def read_sidecar(path: Path) -> Metadata:
    """The sidecar metadata of ``path`` (empty Metadata when there is none)."""
    found = sidecar_path(path)
    if found is None:
        return Metadata()
    try:
        data = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptFile(found.name, f"cannot read the metadata file: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptFile(found.name, "the metadata file must hold a JSON object")
    return metadata_from_mapping(data, found.name)
