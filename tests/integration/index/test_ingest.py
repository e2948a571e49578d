"""Adding users' documents: a bad batch, re-adding, changing, removing; incremental sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.documents import DocumentStore, file_sha256
from corpus.loaders.sidecar import Metadata
from index.build import open_index, user_sources
from index.chunking import chunk_document
from index.hybrid import HybridIndex
from serving.cli import cli
from serving.settings import Settings
from tests.unit.index.pdfs import corrupt_pdf, scanned_pdf, text_pdf

pytestmark = pytest.mark.integration


def test_bad_files_are_reported_and_the_rest_is_ingested(on_shared_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(corrupt_pdf())
    (folder / "scan.pdf").write_bytes(scanned_pdf(2))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.png").write_bytes(b"\x89PNG")
    (folder / "good.pdf").write_bytes(
        text_pdf(["Page one: the zanzibarite protocol for tokenizer calibration.", "Page two: more on zanzibarite."])
    )
    (folder / "good.pdf.meta.json").write_text(
        json.dumps({"title": "Zanzibarite protocol", "authors": "Kim Lee; Max Roe", "year": 2021}), encoding="utf-8"
    )
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK\x03\x04")
    runner = CliRunner()
    result = runner.invoke(cli, ["corpus", "add", str(folder), str(docx)])
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert "patient data" in err
    assert "broken.pdf: cannot read the PDF" in err
    assert "scan.pdf: no text layer in 2 page(s); OCR is not supported" in err
    assert "empty.txt: skipped (empty file)" in err
    assert "notes.png: skipped (unsupported file type .png" in err
    assert "report.docx: unsupported file type .docx; supported: .pdf, .txt, .md" in err
    assert "good.pdf: added: 2 chunks, 2 pages" in result.stdout

    found = runner.invoke(cli, ["search", "zanzibarite tokenizer calibration", "--k", "3", "--json"])
    hits = json.loads(found.stdout)["hits"]
    assert hits[0]["source"] == "good.pdf" and hits[0]["page"] in (1, 2)
    assert hits[0]["title"] == "Zanzibarite protocol" and hits[0]["authors"] == ["Kim Lee", "Max Roe"]
    assert hits[0]["year"] == 2021 and hits[0]["doc_id"] == str((folder / "good.pdf").resolve())

    again = runner.invoke(cli, ["corpus", "add", str(folder / "good.pdf")])
    assert again.exit_code == 0 and "good.pdf: unchanged" in again.stdout

    listing = json.loads(runner.invoke(cli, ["corpus", "list", "--json"]).stdout)
    entry = next(d for d in listing if d["source"] == "good.pdf")
    stored = on_shared_home / "documents"
    assert any(p.name == "good.pdf" for p in stored.rglob("*.pdf"))
    removed = runner.invoke(cli, ["corpus", "remove", entry["id"]])
    assert removed.exit_code == 0 and "removed" in removed.stdout and "(2 chunks)" in removed.stdout
    gone = json.loads(runner.invoke(cli, ["search", "zanzibarite", "--k", "3", "--json"]).stdout)["hits"]
    assert all(h["source"] != "good.pdf" for h in gone)
    assert not any(p.name == "good.pdf" for p in stored.rglob("*.pdf"))
    assert runner.invoke(cli, ["corpus", "remove", "no-such-id"]).exit_code == 2


def test_changed_content_replaces_the_document(on_shared_home: Path, tmp_path: Path) -> None:
    paper = tmp_path / "evolving.md"
    paper.write_text("## Part A\nQuokkafrost method first version.\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["corpus", "add", str(paper), "--doi", "10.9999/quokka"]).exit_code == 0
    paper.write_text("## Part A\nQuokkafrost method second version, revised.\n", encoding="utf-8")
    updated = runner.invoke(cli, ["corpus", "add", str(paper), "--doi", "doi:10.9999/quokka"])
    assert "evolving.md: updated: 1 chunks" in updated.stdout
    hits = json.loads(runner.invoke(cli, ["search", "Quokkafrost method", "--json", "--k", "5"]).stdout)["hits"]
    mine = [h for h in hits if h["doc_id"] == "doi:10.9999/quokka"]
    assert len(mine) == 1 and "second version" in mine[0]["text"]
    assert mine[0]["url"] == "https://doi.org/10.9999/quokka"
    assert runner.invoke(cli, ["corpus", "remove", "doi:10.9999/quokka"]).exit_code == 0


def test_incremental_sync_embeds_only_what_changed(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", chroma_url=None)
    store = DocumentStore(settings.home)
    index = open_index(settings)
    files = []
    for name, text in [
        ("a.md", "## One\nAlpha text about llamas.\n\n## Two\nMore alpha."),
        ("b.txt", "Beta text."),
        ("c.txt", "Gamma text about GPUs."),
    ]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files.append(path)
        store.put(path, str(path.resolve()), file_sha256(path), Metadata())
    first = index.sync(user_sources(store), progress=False)
    assert (first["added"], first["chunks_added"]) == (3, 4)
    assert index.sync(user_sources(store), progress=False)["unchanged"] == 3

    record = store.get(str(files[0].resolve()))
    assert record is not None
    keys_before = {c.key for c in index.store.doc_chunks(record.doc_id)}
    files[0].write_text("## One\nAlpha text about llamas.\n\n## Two\nA changed second section.", encoding="utf-8")
    store.put(files[0], record.doc_id, file_sha256(files[0]), record.metadata)
    store.remove(str(files[2].resolve()))
    reader = HybridIndex(index.store, refresh_seconds=0)  # another process's view of the same store
    assert reader.search("Gamma GPUs", 1)[0].source == "c.txt"
    second = index.sync(user_sources(store), progress=False)
    assert (second["updated"], second["removed"], second["unchanged"]) == (1, 1, 1)
    assert (second["chunks_added"], second["chunks_deleted"]) == (1, 2)  # one changed section, c's chunk + old one
    keys_after = {c.key for c in index.store.doc_chunks(record.doc_id)}
    assert len(keys_before & keys_after) == 1  # the unchanged section kept its key (no re-embedding)
    assert all(h.source != "c.txt" for h in reader.search("Gamma GPUs", 3))
    assert "changed second section" in reader.search("changed second section", 1)[0].text
    doc = store.load(store.records()[0])
    assert all(c.doc_id == doc.doc_id for c in chunk_document(doc))
    assert index.status()["by_kind"] == {"user": {"documents": 2, "chunks": 3}}
    assert index.remove(doc.doc_id) > 0 and not index.has(doc.doc_id, "x")


def test_symbolic_links_are_skipped_and_never_lead_outside(on_shared_home: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("the glorptastic secret outside the folder")
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "ok.md").write_text("# Notes\nA note on the flumbergast protocol.")
    (folder / "passwd.txt").symlink_to(secret)
    runner = CliRunner()
    for extra in ([], ["--follow-symlinks"]):
        result = runner.invoke(cli, ["corpus", "add", str(folder), "--json", *extra])
        assert result.exit_code == 0, result.output
        outcomes = {Path(o["path"]).name: o for o in map(json.loads, result.stdout.splitlines())}
        assert outcomes["passwd.txt"]["status"] == "skipped"
        assert "symbolic link" in outcomes["passwd.txt"]["message"]
        assert outcomes["ok.md"]["status"] in ("added", "unchanged")
    found = runner.invoke(cli, ["search", "glorptastic secret", "--json"])
    assert found.exit_code == 0, found.output
    assert all("glorptastic" not in hit["text"] for hit in json.loads(found.stdout)["hits"])
    assert all(not r.original_path.endswith("passwd.txt") for r in DocumentStore(on_shared_home).records())
    # the shared index keeps only the seeds for the tests after this one
    assert runner.invoke(cli, ["corpus", "remove", str((folder / "ok.md").resolve())]).exit_code == 0
