"""``clinadvisor catalog``: what the shipped catalog is, where it comes from, and what was corrected."""

from __future__ import annotations

import json
from datetime import date

import click

from assistant.catalog import Catalog
from corpus.catalog import load_catalog

STALE_AFTER_DAYS = 365


def price_age_days(as_of: str, today: date) -> int:
    """Days between a price's "as of" date (YYYY-MM or YYYY-MM-DD; a month counts from its last day) and today."""
    parts = [int(p) for p in as_of.split("-")]
    if len(parts) == 2:
        year, month = parts
        # The last day of the month: a price "as of July" may be from any day of July.
        first_of_next = date(year + month // 12, month % 12 + 1, 1)
        stamp = date.fromordinal(first_of_next.toordinal() - 1)
    else:
        stamp = date(parts[0], parts[1], parts[2])
    return (today - stamp).days


def stale_prices(catalog: Catalog, today: date) -> dict[str, int]:
    """Price tables older than a year, with their age in days."""
    ages = {table: price_age_days(as_of, today) for table, as_of in catalog.prices_as_of.items()}
    return {table: age for table, age in ages.items() if age > STALE_AFTER_DAYS}


def catalog_summary(catalog: Catalog, today: date) -> dict[str, object]:
    """The facts ``catalog info`` prints."""
    stale = stale_prices(catalog, today)
    warnings = [
        f"{table} prices are {age} days old (as of {catalog.prices_as_of[table]}): check current prices"
        for table, age in stale.items()
    ]
    return {
        "version": catalog.version,
        "date": catalog.date,
        "source": dict(catalog.source),
        "prices_as_of": dict(catalog.prices_as_of),
        "models": len(catalog.models),
        "columns": len(catalog.columns),
        "corrections": len(catalog.corrections),
        "warnings": warnings,
    }


@click.group()
def catalog() -> None:
    """The shipped catalog (derived from the JMIR 2025 review)."""


@catalog.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def info(as_json: bool) -> None:
    """Catalog version, source, price dates; warns when prices are older than a year."""
    summary = catalog_summary(load_catalog(), date.today())
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    source = summary["source"]
    assert isinstance(source, dict)
    click.echo(f"catalog version: {summary['version']} (built {summary['date']})")
    click.echo(f"source: {source['citation']}")
    click.echo(f"source data: {source['repository']} at commit {source['commit']}")
    click.echo(
        f"models: {summary['models']}, sub-task columns: {summary['columns']}, corrections: {summary['corrections']}"
    )
    prices = summary["prices_as_of"]
    assert isinstance(prices, dict)
    for table, as_of in prices.items():
        click.echo(f"prices as of: {table} {as_of}")
    warnings = summary["warnings"]
    assert isinstance(warnings, list)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


@catalog.command("corrections")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def corrections(as_json: bool) -> None:
    """Every correction made to the review's data, with its reason."""
    entries = [dict(c) for c in load_catalog().corrections]
    if as_json:
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        who = f" {entry['model']}:" if entry["model"] else ""
        click.echo(f"[{entry['kind']}]{who} {entry['detail']}")
