"""The audit store (SQLite in WAL mode, commit per write) and ``clinadvisor audit export | purge``."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from serving.audit import AuditEntry, AuditStore, database_url
from serving.cli import cli
from serving.settings import Settings


def entry(stage: str = "II", messages: list[dict[str, str]] | None = None) -> AuditEntry:
    return AuditEntry(
        route="recommendations",
        stage=stage,
        answers={"deploy_local": True},
        catalog_version="v1",
        recommendation={"schema": "recommendation/1", "status": "recommended"},
        backend=None,
        messages=messages,
    )


def test_default_database_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    assert database_url(Settings(home=tmp_path)) == f"sqlite:///{tmp_path}/clinadvisor.db"
    assert database_url(Settings(home=tmp_path, database_url="postgresql://db/x")) == "postgresql://db/x"


@pytest.mark.parametrize(("sync_full", "level"), [(False, 1), (True, 2)])  # NORMAL, FULL
def test_sqlite_runs_in_wal_mode(tmp_path: Path, sync_full: bool, level: int) -> None:
    store = AuditStore(f"sqlite:///{tmp_path}/a.db", sync_full=sync_full)
    store.record(entry())
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == level
    # committed: another connection, outside SQLAlchemy, sees the row at once
    assert sqlite3.connect(tmp_path / "a.db").execute("select count(*) from recommendations").fetchone() == (1,)


def test_rows_since_and_purge_before(tmp_path: Path) -> None:
    store = AuditStore(f"sqlite:///{tmp_path}/a.db")
    first = store.record(entry("I"))
    store.record(entry("II"))
    store.add_feedback("chatcmpl-1", "up", None)
    now = datetime.now(UTC)
    assert [r["id"] for r in store.rows()] == [first, first + 1]
    assert list(store.rows(since=now + timedelta(hours=1))) == []
    assert len(list(store.rows(since=now - timedelta(hours=1)))) == 2
    assert store.purge(now - timedelta(days=1)) == 0
    assert store.purge(now + timedelta(seconds=1), table="feedback") == 1
    assert store.purge(now + timedelta(seconds=1)) == 2
    assert list(store.rows()) == []


def test_messages_are_kept_only_when_configured(tmp_path: Path) -> None:
    text = [{"role": "user", "content": "my patient"}]
    plain = AuditStore(f"sqlite:///{tmp_path}/a.db")
    plain.record(entry(messages=text))
    assert next(plain.rows())["messages"] is None
    keeping = AuditStore(f"sqlite:///{tmp_path}/b.db", keep_messages=True)
    keeping.record(entry(messages=text))
    assert next(keeping.rows())["messages"] == text


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINADVISOR_HOME", str(tmp_path))
    monkeypatch.delenv("CLINADVISOR_DATABASE_URL", raising=False)
    store = AuditStore.from_settings(Settings())
    store.record(entry("II"))
    store.record(entry("III"))
    store.add_feedback("chatcmpl-9", "down", "wrong stage")
    store.close()
    return tmp_path


def test_export_jsonl_and_csv(home: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["audit", "export"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["stage"] for r in rows] == ["II", "III"]
    assert rows[0]["recommendation"]["status"] == "recommended"
    out = runner.invoke(cli, ["audit", "export", "--format", "csv", "--table", "feedback"])
    (row,) = list(csv.DictReader(io.StringIO(out.output)))
    assert (row["response_id"], row["rating"], row["comment"]) == ("chatcmpl-9", "down", "wrong stage")
    out = runner.invoke(cli, ["audit", "export", "--format", "csv"])
    assert json.loads(next(csv.DictReader(io.StringIO(out.output)))["answers"]) == {"deploy_local": True}


def test_export_since_and_purge_before(home: Path) -> None:
    runner = CliRunner()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert runner.invoke(cli, ["audit", "export", "--since", tomorrow]).output == ""
    assert runner.invoke(cli, ["audit", "export", "--since", "2020-01-01"]).output.count("\n") == 2
    out = runner.invoke(cli, ["audit", "purge", "--before", "2020-01-01"])
    assert out.exit_code == 0 and "deleted 0 rows" in out.output
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow])
    assert "deleted 3 rows" in out.output
    assert runner.invoke(cli, ["audit", "export"]).output == ""


def test_bad_dates_are_refused(home: Path) -> None:
    out = CliRunner().invoke(cli, ["audit", "purge", "--before", "last tuesday"])
    assert out.exit_code == 2 and "not a date" in out.output
