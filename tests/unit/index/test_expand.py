"""Which files ``corpus add`` reads: symbolic links are skipped unless asked for, and never lead outside the
folder that was given (a link to /etc/passwd must not become a searchable document)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.loaders.sidecar import read_sidecar
from index.ingest import expand


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder with a document, links to a file and a folder outside it, and links that stay inside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("a secret outside the folder")
    (outside / "more.md").write_text("# more secrets")
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "paper.md").write_text("# A paper")
    (folder / "sub" / "note.txt").write_text("a note")
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    (folder / "same-paper.md").symlink_to(folder / "paper.md")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    return folder


def read(found: list[tuple[Path, bool]]) -> list[str]:
    return sorted(p.name for p, _ in found)


def test_links_inside_a_folder_are_not_followed_by_default(tree: Path) -> None:
    assert read(list(expand([tree]))) == ["note.txt", "paper.md"]


def test_following_links_never_leaves_the_folder(tree: Path) -> None:
    found = read(list(expand([tree], follow_symlinks=True)))
    assert "secret.txt" not in found and "more.md" not in found and "passwd.txt" not in found
    assert found.count("note.txt") == 1  # the loop back to the folder is not walked twice
    assert "same-paper.md" in found  # a link that stays inside the folder is read


def test_a_link_named_on_the_command_line_needs_the_flag(tree: Path) -> None:
    link = tree / "passwd.txt"
    assert list(expand([link])) == []
    assert [p for p, _ in expand([link], follow_symlinks=True)] == [link]


def test_a_linked_sidecar_is_not_read(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "outside" / "meta.json").write_text('{"title": "from outside"}')
    (tree / "paper.md.meta.json").symlink_to(tmp_path / "outside" / "meta.json")
    assert read_sidecar(tree / "paper.md").title is None
