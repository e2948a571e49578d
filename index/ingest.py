"""Add users' files to the document store and index them at once, reporting each file's outcome.

A file that cannot be read is reported by name with the reason and the rest of the batch goes on. Empty
files are skipped with a warning; a PDF without a text layer is reported as a scan; unsupported types are
refused with the list of supported ones (inside a folder they are skipped with a warning instead, since a
folder often holds other files). Re-adding an unchanged file changes nothing.

Symbolic links are skipped with a warning unless ``follow_symlinks`` is given, and even then a folder's walk
never reads outside that folder: a link to ``/etc/passwd`` (or to a folder elsewhere) is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.documents import DocumentStore, document_id, file_sha256
from corpus.loaders.files import SUPPORTED_SUFFIXES, load_file, supported
from corpus.loaders.sidecar import Metadata, is_sidecar, read_sidecar
from corpus.loaders.types import EmptyDocument, LoadError
from index.hybrid import HybridIndex

ADDED = "added"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"  # a warning: nothing to index (empty file, unsupported file inside a folder)
FAILED = "failed"  # an error: the file could not be read, or was named explicitly and is unsupported
PRIVACY_REMINDER = (
    "Reminder: documents stay on this machine (the data folder), but do not add documents with patient "
    "data unless you need to."
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one file."""

    path: str
    status: str
    message: str
    doc_id: str | None = None
    chunks: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "path": self.path,
            "status": self.status,
            "message": self.message,
            "doc_id": self.doc_id,
            "chunks": self.chunks,
        }


LINK_SKIPPED = "a symbolic link; skipped (--follow-symlinks reads what it points to inside the folder)"
OUTSIDE = "a symbolic link to a place outside the folder; skipped"


def walk(paths: Iterable[Path], follow_symlinks: bool = False) -> Iterator[tuple[Path, bool, str | None]]:
    """Every file under ``paths``: (path, named explicitly, why it is skipped or None), folders walked sorted."""
    for path in paths:
        if path.is_symlink() and not follow_symlinks:
            yield path, True, LINK_SKIPPED
        elif path.is_dir():
            yield from _walk_folder(path, follow_symlinks)
        else:
            yield path, True, None


def _walk_folder(folder: Path, follow: bool) -> Iterator[tuple[Path, bool, str | None]]:
    root = folder.resolve()
    seen = {root}
    for current, dirs, files in os.walk(folder, followlinks=follow):
        here = Path(current)
        for name in sorted(dirs):  # a folder link: skipped, or followed only inside the folder and only once
            child = here / name
            if name.startswith("."):
                dirs.remove(name)
                continue
            real = child.resolve()
            if child.is_symlink() and (not follow or not real.is_relative_to(root)):
                dirs.remove(name)
                yield child, False, LINK_SKIPPED if not follow else OUTSIDE
            elif real in seen:
                dirs.remove(name)
            else:
                seen.add(real)
        dirs.sort()
        for name in sorted(files):
            child = here / name
            if any(part.startswith(".") for part in child.relative_to(folder).parts) or is_sidecar(child):
                continue
            if child.is_symlink() and not follow:
                yield child, False, LINK_SKIPPED
            elif child.is_symlink() and not child.resolve().is_relative_to(root):
                yield child, False, OUTSIDE
            elif child.is_file():
                yield child, False, None


def expand(paths: Iterable[Path], follow_symlinks: bool = False) -> Iterator[tuple[Path, bool]]:
    """Files to ingest, with whether each was named explicitly (folders are walked recursively, sorted)."""
    for path, explicit, skipped in walk(paths, follow_symlinks):
        if skipped is None:
            yield path, explicit


def add_file(path: Path, explicit: bool, store: DocumentStore, index: HybridIndex, flags: Metadata) -> Outcome:
    """Store and index one file; never raises for a bad file (the outcome says what went wrong)."""
    name = str(path)
    if not path.exists():
        return Outcome(name, FAILED, "no such file")
    if not supported(path):
        reason = f"unsupported file type {path.suffix.lower() or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        return Outcome(name, FAILED if explicit else SKIPPED, reason)
    try:
        if path.stat().st_size == 0:
            return Outcome(name, SKIPPED, "empty file")
        meta = read_sidecar(path).merged(flags)
        doc_id = document_id(path, meta.doi)
        sha = file_sha256(path)
        previous = store.get(doc_id)
        if (
            previous is not None
            and previous.sha256 == sha
            and previous.metadata == meta
            and previous.source == path.name
            and index.has(doc_id, previous.fingerprint())
        ):
            return Outcome(name, UNCHANGED, "unchanged", doc_id)
        doc = load_file(
            path,
            doc_id=doc_id,
            title=meta.title,
            authors=meta.authors,
            year=meta.year,
            url=meta.url,
            doi=meta.doi,
            licence=meta.licence,
        )
    except EmptyDocument as exc:
        return Outcome(name, SKIPPED, exc.reason)
    except LoadError as exc:
        return Outcome(name, FAILED, exc.reason)
    except OSError as exc:
        return Outcome(name, FAILED, f"cannot read the file ({exc.strerror or exc})")
    record = store.put(path, doc_id, sha, meta)
    report = index.upsert(doc, record.fingerprint())
    status = UPDATED if previous is not None else ADDED
    pages = {s.page for s in doc.sections if s.page is not None}
    where = f", {len(pages)} pages" if pages else ""
    return Outcome(name, status, f"{status}: {report.chunks} chunks{where}", doc_id, report.chunks)


def add_paths(
    paths: Iterable[Path],
    store: DocumentStore,
    index: HybridIndex,
    flags: Metadata | None = None,
    follow_symlinks: bool = False,
) -> Iterator[Outcome]:
    """Add every file under ``paths``; one outcome per file, in order (skipped links included)."""
    for path, explicit, skipped in walk(paths, follow_symlinks):
        if skipped is not None:
            yield Outcome(str(path), SKIPPED, skipped)
        else:
            yield add_file(path, explicit, store, index, flags or Metadata())


def remove_document(doc_id: str, store: DocumentStore, index: HybridIndex) -> int:
    """Delete a user's document from the store and the index; returns the number of chunks removed."""
    store.remove(doc_id)
    return index.remove(doc_id)
