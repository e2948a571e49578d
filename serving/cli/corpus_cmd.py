"""``clinadvisor corpus add | list | remove``: users' own documents, stored in the data folder and indexed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from serving.cli.search_cmd import require_rag
from serving.settings import load_settings


@click.group()
def corpus() -> None:
    """Your own documents (.pdf, .txt, .md, .html), kept in the data folder and searchable at once."""


@corpus.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", default=None, help="Title (default: the sidecar's, else the file name).")
@click.option("--authors", default=None, help="Authors, separated by semicolons.")
@click.option("--year", type=int, default=None, help="Publication year.")
@click.option("--url", default=None, help="Link to the document.")
@click.option("--doi", default=None, help="DOI; it becomes the document's id (one file only).")
@click.option("--licence", "--license", "licence", default=None, help="Licence or terms of use.")
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Read what symbolic links point to (inside the given folder only); by default links are skipped.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file instead of text.")
def add(
    paths: tuple[Path, ...],
    title: str | None,
    authors: str | None,
    year: int | None,
    url: str | None,
    doi: str | None,
    licence: str | None,
    follow_symlinks: bool,
    as_json: bool,
) -> None:
    """Add files or folders (recursively); each is indexed as soon as it is added.

    Metadata may also come from a sidecar file beside each document: PAPER.pdf.meta.json or
    PAPER.meta.json, a JSON object with title, authors, year, url, doi, licence. Options override it.
    Symbolic links are skipped (with a warning) unless --follow-symlinks; a folder's walk never reads
    outside that folder. Exit code 2 if any file could not be added (the others are added all the same).
    """
    from corpus.documents import DocumentStore
    from corpus.loaders.sidecar import Metadata, normalise_doi
    from corpus.loaders.types import split_authors

    require_rag()
    from index.build import ensure_index
    from index.ingest import FAILED, PRIVACY_REMINDER, SKIPPED, add_paths, expand

    if doi and sum(1 for _ in expand(paths, follow_symlinks)) > 1:
        click.echo("error: --doi names one document; give it with one file (or use sidecar files)", err=True)
        sys.exit(2)
    flags = Metadata(
        title=title,
        authors=split_authors(authors) if authors else (),
        year=year,
        url=url,
        doi=normalise_doi(doi) if doi else None,
        licence=licence,
    )
    click.echo(PRIVACY_REMINDER, err=True)
    settings = load_settings()
    index = ensure_index(settings)
    store = DocumentStore(settings.home)
    failed = 0
    for outcome in add_paths(paths, store, index, flags, follow_symlinks=follow_symlinks):
        if as_json:
            click.echo(json.dumps(outcome.to_dict(), ensure_ascii=False))
        elif outcome.status == FAILED:
            click.echo(f"error: {outcome.path}: {outcome.message}", err=True)
        elif outcome.status == SKIPPED:
            click.echo(f"warning: {outcome.path}: skipped ({outcome.message})", err=True)
        else:
            click.echo(f"{outcome.path}: {outcome.message}")
        failed += outcome.status == FAILED
    if failed:
        click.echo(f"{failed} file(s) could not be added", err=True)
        sys.exit(2)


@corpus.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def list_documents(as_json: bool) -> None:
    """Your documents: id, file, title, when added."""
    from corpus.documents import DocumentStore

    records = DocumentStore(load_settings().home).records()
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo("no documents; add some with: clinadvisor corpus add PATH...")
        return
    for r in records:
        title = r.metadata.title or r.source
        year = f" ({r.metadata.year})" if r.metadata.year else ""
        click.echo(f"{r.short_id}  {r.source}  {title}{year}  added {r.added_at}")
        click.echo(f"          doc_id: {r.doc_id}")


@corpus.command("remove")
@click.argument("ids", nargs=-1, required=True)
def remove(ids: tuple[str, ...]) -> None:
    """Remove documents by id (the short id of `corpus list`, the doc_id, the path or a unique file name)."""
    from corpus.documents import DocumentStore

    require_rag()
    from index.build import open_index
    from index.ingest import remove_document

    settings = load_settings()
    store = DocumentStore(settings.home)
    index = open_index(settings)
    failed = False
    for handle in ids:
        found = store.find(handle)
        if len(found) != 1:
            why = "no such document" if not found else f"{len(found)} documents match; use the id"
            click.echo(f"error: {handle}: {why} (see clinadvisor corpus list)", err=True)
            failed = True
            continue
        chunks = remove_document(found[0].doc_id, store, index)
        click.echo(f"removed {found[0].short_id} {found[0].source} ({chunks} chunks)")
    if failed:
        sys.exit(2)
