"""The audit and feedback store: SQLite in the data folder by default, any SQLAlchemy URL otherwise.

Each write is its own committed transaction; SQLite runs in WAL mode with ``synchronous=NORMAL``, so a row
the API has answered for survives the process being killed (``CLINADVISOR_AUDIT_SYNC_FULL``: FULL, which
also survives power loss, at about 10 ms a write). Message text, and the free-text comment of a
feedback, are stored only when the operator turns CLINADVISOR_AUDIT_MESSAGES on (they may contain patient data).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)

from serving.settings import Settings

DB_FILE = "clinadvisor.db"
TABLES = ("recommendations", "feedback")

metadata = MetaData()
recommendations = Table(
    "recommendations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("response_id", String(200), nullable=True, index=True),
    Column("route", String(40), nullable=False),
    Column("client", String(40), nullable=True),
    Column("stage", String(8), nullable=True),
    Column("answers", Text, nullable=False),
    Column("catalog_version", String(64), nullable=False),
    Column("recommendation", Text, nullable=True),
    Column("backend", String(40), nullable=True),
    Column("messages", Text, nullable=True),
)
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("response_id", String(200), nullable=False, index=True),
    Column("rating", String(8), nullable=False),
    Column("comment", Text, nullable=True),
    Column("client", String(40), nullable=True),
)


@dataclass(frozen=True)
class AuditEntry:
    """One recommendation given, as the audit log keeps it."""

    route: str
    stage: str | None
    answers: Mapping[str, Any]
    catalog_version: str
    recommendation: Mapping[str, Any] | None
    backend: str | None
    response_id: str | None = None
    client: str | None = None
    messages: Sequence[Mapping[str, Any]] | None = None


def database_url(settings: Settings) -> str:
    """CLINADVISOR_DATABASE_URL, or SQLite at ``<home>/clinadvisor.db``."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.home) / DB_FILE}"


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no zone: every time is stored and compared in UTC (naive ones are taken as UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class AuditStore:
    """Writes audit rows and feedback; reads them back for export; purges old ones."""

    def __init__(self, url: str, *, keep_messages: bool = False, sync_full: bool = False) -> None:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.keep_messages = keep_messages
        # A server database (PostgreSQL) may drop idle connections: ping before use. A SQLite file cannot, and
        # the ping cost a round trip on every audited turn.
        self.engine: Engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", partial(_sqlite_pragmas, "FULL" if sync_full else "NORMAL"))
        metadata.create_all(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditStore:
        """The store the settings name."""
        return cls(database_url(settings), keep_messages=settings.audit_messages, sync_full=settings.audit_sync_full)

    def record(self, entry: AuditEntry) -> int:
        """Store one recommendation (committed before returning); its row id."""
        values = {
            "created_at": _now(),
            "response_id": entry.response_id,
            "route": entry.route,
            "client": entry.client,
            "stage": entry.stage,
            "answers": json.dumps(dict(entry.answers), ensure_ascii=False),
            "catalog_version": entry.catalog_version,
            "recommendation": None if entry.recommendation is None else json.dumps(entry.recommendation),
            "backend": entry.backend,
            "messages": json.dumps(list(entry.messages), ensure_ascii=False)
            if self.keep_messages and entry.messages is not None
            else None,
        }
        with self.engine.begin() as conn:
            result = conn.execute(insert(recommendations).values(**values))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_feedback(self, response_id: str, rating: str, comment: str | None, client: str | None = None) -> int:
        """Store one feedback (committed before returning); its row id. The comment is free text like a message:
        kept only when message storage is on."""
        values = {
            "created_at": _now(),
            "response_id": response_id,
            "rating": rating,
            "comment": comment if self.keep_messages else None,
            "client": client,
        }
        with self.engine.begin() as conn:
            result = conn.execute(insert(feedback).values(**values))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def rows(self, table: str = "recommendations", since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a table, oldest first, from ``since`` on; JSON columns decoded."""
        tbl = _table(table)
        query = select(tbl).order_by(tbl.c.id)
        if since is not None:
            query = query.where(tbl.c.created_at >= _utc(since))
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                yield _decoded(dict(row))

    def count_before(self, before: datetime, table: str | None = None) -> dict[str, int]:
        """How many rows each table (or the one named) holds that were created before ``before``."""
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for tbl in [_table(table)] if table else [recommendations, feedback]:
                query = select(func.count()).select_from(tbl).where(tbl.c.created_at < _utc(before))
                counts[tbl.name] = int(conn.execute(query).scalar_one())
        return counts

    def purge(self, before: datetime, table: str | None = None) -> int:
        """Delete rows created before ``before`` (all tables unless one is named); how many were deleted."""
        count = 0
        with self.engine.begin() as conn:
            for tbl in [_table(table)] if table else [recommendations, feedback]:
                count += conn.execute(delete(tbl).where(tbl.c.created_at < _utc(before))).rowcount
        return count

    def ping(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except Exception:
            return False

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()


def _sqlite_pragmas(synchronous: str, dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (export) run beside the writer. With NORMAL a commit is in the WAL file (the OS
    # has it) before it returns, which survives a killed process; FULL also fsyncs it (power loss), ~10 ms.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _table(name: str) -> Table:
    if name == "recommendations":
        return recommendations
    if name == "feedback":
        return feedback
    raise ValueError(f"unknown table {name!r}; valid: {', '.join(TABLES)}")


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("answers", "recommendation", "messages"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    created = row.get("created_at")
    if isinstance(created, datetime):
        # SQLite returns naive datetimes; every stored time is UTC
        row["created_at"] = (created if created.tzinfo else created.replace(tzinfo=UTC)).isoformat()
    return row
