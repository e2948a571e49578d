"""Fixtures of the index integration tests: one real index (real Chroma, real model) built per session.

The shared index holds the shipped corpus (cards and catalog documents) and the five seed documents of
``../shared/seeds``, added as a user's own documents through ``clinadvisor corpus add``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.build import open_index
from index.hybrid import HybridIndex
from serving.cli import cli
from serving.settings import Settings

REPO = Path(__file__).resolve().parents[3]
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The seed documents beside the checkout."""
    assert SEEDS.is_dir(), f"the seed documents are missing at {SEEDS}"
    return SEEDS


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[Path]:
    """A data folder whose index holds the shipped corpus and the seeds (built once per session)."""
    home = tmp_path_factory.mktemp("clinadvisor-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLINADVISOR_HOME", str(home))
        mp.delenv("CLINADVISOR_CHROMA_URL", raising=False)
        result = CliRunner().invoke(cli, ["corpus", "add", str(seeds_dir)])
    assert result.exit_code == 0, result.output
    yield home


@pytest.fixture(scope="session")
def shared_index(shared_home: Path) -> HybridIndex:
    """The shared index, opened directly."""
    return open_index(Settings(home=shared_home, chroma_url=None))


@pytest.fixture
def on_shared_home(shared_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point CLINADVISOR_HOME at the shared data folder for a CLI call."""
    monkeypatch.setenv("CLINADVISOR_HOME", str(shared_home))
    monkeypatch.delenv("CLINADVISOR_CHROMA_URL", raising=False)
    return shared_home
