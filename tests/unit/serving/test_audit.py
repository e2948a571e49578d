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
    # a feedback's comment is free text like a message
    plain.add_feedback("chatcmpl-1", "down", "my patient")
    keeping.add_feedback("chatcmpl-1", "down", "my patient")
    assert next(plain.rows("feedback"))["comment"] is None
    assert next(keeping.rows("feedback"))["comment"] == "my patient"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINADVISOR_HOME", str(tmp_path))
    monkeypatch.delenv("CLINADVISOR_DATABASE_URL", raising=False)
    store = AuditStore.from_settings(Settings(audit_messages=True))  # feedback comments are kept
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
    assert out.exit_code == 0 and "deleted 0 rows" in out.output  # nothing to delete: no question
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow, "--yes"])
    assert "deleted 3 rows" in out.output
    assert runner.invoke(cli, ["audit", "export"]).output == ""


def test_bad_dates_are_refused(home: Path) -> None:
    out = CliRunner().invoke(cli, ["audit", "purge", "--before", "last tuesday"])
    assert out.exit_code == 2 and "not a date" in out.output


FORMULAS = ['=HYPERLINK("http://x.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_export_neutralises_formula_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINADVISOR_HOME", str(tmp_path))
    monkeypatch.delenv("CLINADVISOR_DATABASE_URL", raising=False)
    store = AuditStore.from_settings(Settings(audit_messages=True))
    for formula in FORMULAS:
        store.add_feedback("chatcmpl-1", "down", formula)
    store.add_feedback("chatcmpl-1", "up", "plain words")
    store.close()
    out = CliRunner().invoke(cli, ["audit", "export", "--format", "csv", "--table", "feedback"])
    comments = [row["comment"] for row in csv.DictReader(io.StringIO(out.output))]
    assert comments == ["'" + f for f in FORMULAS] + ["plain words"]
    # JSON Lines stay as stored: they are not read by spreadsheets
    lines = CliRunner().invoke(cli, ["audit", "export", "--table", "feedback"]).output.splitlines()
    assert [json.loads(line)["comment"] for line in lines][:1] == [FORMULAS[0]]


def count_rows(home: Path) -> int:
    return len(CliRunner().invoke(cli, ["audit", "export"]).output.splitlines())


def test_purge_asks_before_deleting(home: Path) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    runner = CliRunner()
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow], input="n\n")
    assert out.exit_code == 1 and "3 rows" in out.output and "nothing deleted" in out.output
    assert count_rows(home) == 2
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow])  # no answer at all (no terminal)
    assert out.exit_code == 1 and count_rows(home) == 2
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow], input="y\n")
    assert out.exit_code == 0 and "deleted 3 rows" in out.output
    assert count_rows(home) == 0


def test_purge_dry_run_and_yes(home: Path) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    runner = CliRunner()
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow, "--dry-run"])
    assert out.exit_code == 0 and "would delete 3 rows" in out.output
    assert "recommendations: 2" in out.output and "feedback: 1" in out.output
    assert count_rows(home) == 2
    out = runner.invoke(cli, ["audit", "purge", "--before", tomorrow, "--table", "feedback", "--yes"])
    assert out.exit_code == 0 and "deleted 1 rows" in out.output
    assert count_rows(home) == 2
