"""The index commands say which extra to install when its libraries are missing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from serving.cli import cli, search_cmd


@pytest.mark.parametrize("args", [["search", "x"], ["index", "status"], ["corpus", "add", "f.txt"]])
def test_missing_rag_extra_is_named(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.setattr(search_cmd, "RAG_MODULES", ("no_such_module_for_test",))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "needs the 'rag' extra (missing: no_such_module_for_test)" in result.stderr


def test_search_needs_a_query_or_batch() -> None:
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 2 and "give a QUERY or --batch" in result.stderr


def test_hit_dict_has_the_contract_fields() -> None:
    from assistant.evidence import Passage

    p = Passage("k", "d", "T", ("A",), 2020, None, "s.md", None, "Sec", 0.5, "text")
    out = search_cmd.search_result("q", 1, [p])
    assert out == {
        "query": "q",
        "k": 1,
        "hits": [
            {
                "rank": 1,
                "key": "k",
                "doc_id": "d",
                "title": "T",
                "authors": ["A"],
                "year": 2020,
                "url": None,
                "source": "s.md",
                "page": None,
                "section": "Sec",
                "score": 0.5,
                "text": "text",
            }
        ],
    }
