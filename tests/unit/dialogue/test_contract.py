"""The reply/1 extension matches CONTRACTS.md exactly; streaming pieces add up to the reply; citations are retrieved."""

from __future__ import annotations

import json

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond, respond_stream
from assistant.recommendation import Recommendation
from tests.unit.dialogue.fakes import FakeBackend, FakeRetriever, assistant, passage, user

NEED = "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital."
ANSWERS = "Only text goes in, and we run it on our own servers."
REPLY_KEYS = {
    "schema", "backend", "stage", "answers", "missing", "recommendation", "citations", "notices", "disclaimer",
    "situation",  # CONTRACTS.md "The user's situation": null until the user says anything about it
}  # fmt: skip
# reply/1 citation keys, plus "text" (the passage; a documented extension)
CITATION_KEYS = {"n", "key", "title", "authors", "year", "url", "source", "page", "section", "text"}


def conversation() -> list[dict[str, str]]:
    """A two-turn conversation whose reply is a recommendation."""
    return [user(NEED), assistant("(`deploy_local`)"), user(ANSWERS)]


def retriever(catalog: Catalog) -> FakeRetriever:
    """Passages about the top model, plus one about nothing recommended."""
    top = respond(catalog, conversation()).recommendation
    assert top is not None
    name = top.matches[0].name
    return FakeRetriever(
        [
            passage("p-top", f"{name} study", f"{name} was evaluated on report drafting."),
            passage("p-other", "Unrelated", "A study of something else entirely."),
            passage("p-top-2", f"{name} follow-up", f"A second look at {name}."),
        ]
    )


def test_extension_has_exactly_the_contract_keys_and_types(catalog: Catalog) -> None:
    reply = respond(catalog, conversation(), retriever=retriever(catalog))
    ext = reply.extension()
    assert set(ext) == REPLY_KEYS  # no "answer": this turn asked nothing
    assert ext["situation"] is None
    assert ext["schema"] == "reply/1"
    assert ext["backend"] == "none"
    assert ext["stage"] == "II"
    assert isinstance(ext["missing"], list) and all(isinstance(q, str) for q in ext["missing"])
    assert isinstance(ext["notices"], list)
    assert isinstance(ext["disclaimer"], str) and ext["disclaimer"]
    for qid, state in ext["answers"].items():
        assert isinstance(qid, str)
        # "evidence" is the documented extension of an extracted answer: the user's words and the reader
        assert set(state) == {"value", "source", "turn"} | ({"evidence"} if state["source"] == "extracted" else set())
        if state["source"] == "extracted":
            assert set(state["evidence"]) == {"quote", "reader"} and state["evidence"]["quote"]
        assert state["value"] in (True, False, None)
        assert state["source"] in ("extracted", "clicked")
        assert state["turn"] is None or isinstance(state["turn"], int)
    rec = ext["recommendation"]
    assert rec is not None and rec["schema"] == "recommendation/1"
    assert rec == reply.recommendation.to_dict()  # type: ignore[union-attr]
    assert ext["citations"]
    for n, citation in enumerate(ext["citations"], start=1):
        assert set(citation) == CITATION_KEYS
        assert citation["n"] == n
        assert isinstance(citation["authors"], list)
    json.dumps(ext)  # plain JSON all the way down


def test_extension_before_a_recommendation(catalog: Catalog) -> None:
    ext = respond(catalog, [user("Hello")]).extension()
    assert set(ext) == REPLY_KEYS  # no "answer": this turn asked nothing
    assert ext["situation"] is None
    assert ext["stage"] is None and ext["recommendation"] is None and ext["citations"] == []


def test_citations_are_a_subset_of_the_retrieved_keys(catalog: Catalog) -> None:
    fake = retriever(catalog)
    reply = respond(catalog, conversation(), retriever=fake)
    retrieved = {p.key for batch in fake.results for p in batch}
    keys = [c.key for c in reply.citations]
    assert set(keys) <= retrieved
    assert keys == ["p-top", "p-top-2"]  # the passage that names no recommended model is not cited
    for c in reply.citations:
        assert f"[{c.n}]" in reply.text
    assert "What the literature says" in reply.text


def test_streaming_pieces_add_up_to_the_reply(catalog: Catalog) -> None:
    for messages in ([user(NEED)], conversation(), [user("")]):
        pieces = list(respond_stream(catalog, messages, retriever=retriever(catalog)))
        final = pieces[-1]
        assert isinstance(final, Reply)
        texts = pieces[:-1]
        assert len(texts) > 1 and all(isinstance(p, str) for p in texts)
        assert "".join(texts) == final.text  # type: ignore[arg-type]
        assert final == respond(catalog, messages, retriever=retriever(catalog))


def test_every_reply_carries_the_disclaimer(catalog: Catalog) -> None:
    for messages in ([user(NEED)], conversation(), [user("")], [user("Why not GPT-4?")]):
        reply = respond(catalog, messages)
        assert reply.text.rstrip().endswith(f"_{reply.disclaimer}_")
        assert isinstance(reply.recommendation, Recommendation | None)


def test_partial_matches_are_shown_with_what_they_cover_and_lack(catalog: Catalog) -> None:
    overrides = {
        "stage": "IV",
        "answers": {
            "surgery_nursing_text_generation": True,
            "disease_prediction": True,
            "clinical_text_extraction": True,
            "medical_qa": True,
            "clinical_record_summarization": True,
            "input_text_only": True,
            "output_text_only": True,
            "data_sharing": False,
            "deploy_local": True,
        },
    }
    reply = respond(catalog, [user("Our ward needs help.")], overrides=overrides)
    assert reply.recommendation is not None and reply.recommendation.status == "no_full_match"
    assert reply.kind == "recommendation"
    assert "No usable model covers every task you selected" in reply.text
    assert "| # | Model | Covers | Lacks |" in reply.text
    assert reply.recommendation.partial_matches[0].label in reply.text


def test_stream_sends_the_head_before_the_language_model_is_asked(catalog: Catalog) -> None:
    backend = FakeBackend(["A plain summary without figures."])
    stream = respond_stream(catalog, conversation(), backend=backend)
    first = next(stream)
    assert isinstance(first, str) and "Here is what I understood" in first
    assert backend.prompts == []  # the language model has not been asked yet
    rest = list(stream)
    assert backend.prompts, "the language model writes the prose"
    final = rest[-1]
    assert isinstance(final, Reply) and final.backend == "fake"
    assert first + "".join(p for p in rest[:-1] if isinstance(p, str)) == final.text
    assert "A plain summary without figures." in final.text
