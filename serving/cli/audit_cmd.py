"""``clinadvisor audit export`` and ``clinadvisor audit purge``: read and trim the audit and feedback store.

A CSV export is read by spreadsheets, which run a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula: such text cells (a feedback comment, for instance) get a leading ``'``.
``purge`` says how many rows it would delete and asks before deleting (``--yes`` skips the question,
``--dry-run`` only counts).
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

import click

from serving.settings import load_settings

if TYPE_CHECKING:
    from serving.audit import AuditStore

FIELDS = {
    "recommendations": [
        "id",
        "created_at",
        "response_id",
        "route",
        "client",
        "stage",
        "answers",
        "catalog_version",
        "recommendation",
        "backend",
        "messages",
    ],
    "feedback": ["id", "created_at", "response_id", "rating", "comment", "client"],
}


def parse_date(value: str, param: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO date-time (UTC when no zone is given)."""
    try:
        parsed = datetime.fromisoformat(value) if "T" in value or " " in value else None
        if parsed is None:
            parsed = datetime.combine(date.fromisoformat(value), time.min)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or ISO date-time", param_hint=param) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _store() -> AuditStore:
    try:
        from serving.audit import AuditStore
    except ImportError as exc:
        click.echo(f"error: the audit store needs the [serve] extra ({exc.name} missing)", err=True)
        sys.exit(2)
    return AuditStore.from_settings(load_settings())


@click.group()
def audit() -> None:
    """The audit log of recommendations and the users' feedback (CLINADVISOR_DATABASE_URL)."""


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--since", default=None, help="Only rows from this date (YYYY-MM-DD, UTC) on.")
@click.option("--table", type=click.Choice(sorted(FIELDS)), default="recommendations", show_default=True)
def export(fmt: str, since: str | None, table: str) -> None:
    """Write the rows to stdout, oldest first (CSV cells of JSON columns hold JSON text)."""
    store = _store()
    rows = store.rows(table, parse_date(since, "--since") if since else None)
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS[table], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell: JSON text for objects and lists, and text that a spreadsheet would run as a
    formula made inert with a leading apostrophe (OWASP's advice on CSV injection)."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@audit.command("purge")
@click.option("--before", required=True, help="Delete rows created before this date (YYYY-MM-DD, UTC).")
@click.option("--table", type=click.Choice(sorted(FIELDS)), default=None, help="One table only (default: both).")
@click.option("--dry-run", is_flag=True, help="Only count the rows that would be deleted.")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Delete without asking.")
def purge(before: str, table: str | None, dry_run: bool, assume_yes: bool) -> None:
    """Delete old rows (retention): counts them, asks, deletes; prints how many were deleted.

    Exit code 1 when the question is declined or cannot be asked (no terminal and no --yes)."""
    moment = parse_date(before, "--before")
    store = _store()
    counts = store.count_before(moment, table)
    total = sum(counts.values())
    detail = ", ".join(f"{name}: {n}" for name, n in counts.items())
    if dry_run:
        click.echo(f"would delete {total} rows created before {before} ({detail})")
        return
    if total and not assume_yes:
        question = f"Delete {total} rows created before {before} ({detail})? This cannot be undone."
        try:
            confirmed = click.confirm(question, default=False)
        except click.Abort:
            confirmed = False
        if not confirmed:
            click.echo("nothing deleted (confirm the question, or pass --yes)")
            sys.exit(1)
    count = store.purge(moment, table)
    click.echo(f"deleted {count} rows created before {before}")
