"""The store of users' own documents: a copy of each file and a SQLite registry, in the data folder.

Layout under ``<home>/documents``: ``registry.sqlite3`` (one row per document) and ``files/<hash>/<name>``
(the copy; ``<hash>`` is the start of the file's SHA-256). A document's id is the resolved absolute path
of the file it was added from, or ``doi:<DOI>`` when a DOI was given, so adding the same file again
replaces it. The store does no indexing; ``index.ingest`` adds and indexes in one step.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from corpus.loaders.files import load_file
from corpus.loaders.sidecar import Metadata
from corpus.loaders.types import LOADER_VERSION, Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    short_id TEXT NOT NULL,
    source TEXT NOT NULL,
    original_path TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def document_id(path: Path, doi: str | None) -> str:
    """A user document's id: ``doi:<DOI>`` when a DOI is given, else the file's resolved absolute path."""
    return f"doi:{doi}" if doi else str(path.resolve())


def short_id(doc_id: str) -> str:
    """An 8-character handle for a document id, for ``corpus list`` and ``corpus remove``."""
    return hashlib.sha256(doc_id.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class DocumentRecord:
    """One registered user document."""

    doc_id: str
    short_id: str
    source: str
    original_path: str
    stored_path: str  # relative to the store's root
    sha256: str
    size: int
    metadata: Metadata
    added_at: str
    updated_at: str

    def fingerprint(self) -> str:
        """What decides whether the index holds this version: file content, metadata, loader version."""
        raw = json.dumps([self.sha256, self.source, self.metadata.as_dict(), LOADER_VERSION], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields, metadata flattened."""
        return {
            "doc_id": self.doc_id,
            "id": self.short_id,
            "source": self.source,
            "original_path": self.original_path,
            "sha256": self.sha256,
            "size": self.size,
            **self.metadata.as_dict(),
            "added_at": self.added_at,
            "updated_at": self.updated_at,
        }


class DocumentStore:
    """Users' documents under ``<home>/documents``."""

    def __init__(self, home: Path) -> None:
        self.root = home / "documents"
        self.files = self.root / "files"
        self.db_path = self.root / "registry.sqlite3"
        self.root.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.db_path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:  # one transaction, committed on success
                yield db

    def records(self) -> list[DocumentRecord]:
        """Every registered document, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM documents ORDER BY added_at, doc_id").fetchall()
        return [_record(r) for r in rows]

    def get(self, doc_id: str) -> DocumentRecord | None:
        """The document with this id, or None."""
        with self._db() as db:
            row = db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _record(row) if row else None

    def find(self, handle: str) -> list[DocumentRecord]:
        """Documents matching a doc_id, a short id, a file path or a file name (exact), best match first."""
        exact = self.get(handle)
        if exact is not None:
            return [exact]
        path_id = str(Path(handle).expanduser().resolve())
        records = self.records()
        tests: list[Callable[[DocumentRecord], bool]] = [
            lambda r: r.short_id == handle,
            lambda r: path_id in (r.doc_id, r.original_path),
            lambda r: r.source == handle,
        ]
        for test in tests:
            found = [r for r in records if test(r)]
            if found:
                return found
        return []

    def path_of(self, record: DocumentRecord) -> Path:
        """Where the stored copy of a document lies."""
        return self.root / record.stored_path

    def put(self, path: Path, doc_id: str, sha256: str, metadata: Metadata) -> DocumentRecord:
        """Copy a file into the store and register it, replacing the document with the same id."""
        previous = self.get(doc_id)
        stored = Path("files") / sha256[:16] / path.name
        target = self.root / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = DocumentRecord(
            doc_id=doc_id,
            short_id=short_id(doc_id),
            source=path.name,
            original_path=str(path.resolve()),
            stored_path=stored.as_posix(),
            sha256=sha256,
            size=target.stat().st_size,
            metadata=metadata,
            added_at=previous.added_at if previous else now,
            updated_at=now,
        )
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.doc_id,
                    record.short_id,
                    record.source,
                    record.original_path,
                    record.stored_path,
                    record.sha256,
                    record.size,
                    json.dumps(metadata.as_dict(), ensure_ascii=False),
                    record.added_at,
                    record.updated_at,
                ),
            )
        if previous is not None and previous.stored_path != record.stored_path:
            self._delete_copy(previous)
        return record

    def remove(self, doc_id: str) -> DocumentRecord | None:
        """Unregister a document and delete its copy; returns what was removed (None if absent)."""
        record = self.get(doc_id)
        if record is None:
            return None
        with self._db() as db:
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        self._delete_copy(record)
        return record

    def _delete_copy(self, record: DocumentRecord) -> None:
        still_used = any(r.stored_path == record.stored_path for r in self.records())
        if not still_used:
            copy = self.path_of(record)
            copy.unlink(missing_ok=True)
            if copy.parent != self.files and not any(copy.parent.iterdir()):
                copy.parent.rmdir()

    def load(self, record: DocumentRecord) -> Document:
        """The stored copy of a document, loaded with its registered metadata."""
        meta = record.metadata
        return load_file(
            self.path_of(record),
            doc_id=record.doc_id,
            title=meta.title,
            authors=meta.authors,
            year=meta.year,
            url=meta.url,
            doi=meta.doi,
            licence=meta.licence,
        )


def _record(row: sqlite3.Row) -> DocumentRecord:
    meta = json.loads(row["metadata"])
    return DocumentRecord(
        doc_id=row["doc_id"],
        short_id=row["short_id"],
        source=row["source"],
        original_path=row["original_path"],
        stored_path=row["stored_path"],
        sha256=row["sha256"],
        size=row["size"],
        metadata=Metadata(
            title=meta.get("title"),
            authors=tuple(meta.get("authors") or ()),
            year=meta.get("year"),
            url=meta.get("url"),
            doi=meta.get("doi"),
            licence=meta.get("licence"),
        ),
        added_at=row["added_at"],
        updated_at=row["updated_at"],
    )
