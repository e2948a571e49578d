"""The language model only rephrases: the guard rejects made-up models, numbers and citations; errors fall back."""

from __future__ import annotations

import pytest

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond
from assistant.guard import Facts, number_values, problems
from assistant.llm import BackendOutputError, BackendUnavailable
from tests.unit.dialogue.fakes import FakeBackend, FakeRetriever, assistant, passage, user

NEED = "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital."
ANSWERS = "Only text goes in, and we run it on our own servers."


def recommend_with(catalog: Catalog, backend: FakeBackend | None, retriever: FakeRetriever | None) -> Reply:
    """The second-turn reply (the recommendation) with the given backend and retriever."""
    messages = [user(NEED)]
    first = respond(catalog, messages, backend=backend, retriever=retriever)
    messages += [assistant(first.text), user(ANSWERS)]
    return respond(catalog, messages, backend=backend, retriever=retriever)


@pytest.fixture
def templated(catalog: Catalog) -> Reply:
    """The recommendation without a language model."""
    return recommend_with(catalog, None, None)


def evidence_for(name: str) -> FakeRetriever:
    """A retriever with one passage about ``name``."""
    return FakeRetriever([passage("card-1", f"{name} paper", f"{name} drafted reports that readers preferred.")])


def test_clean_prose_is_used(catalog: Catalog, templated: Reply) -> None:
    assert templated.recommendation is not None
    top = templated.recommendation.matches[0]
    n = len(templated.recommendation.matches)
    prose = f"Of the {n} matching models, {top.label} ranks first and readers preferred its drafts [1]."
    backend = FakeBackend([prose])
    reply = recommend_with(catalog, backend, evidence_for(top.name))
    assert prose in reply.text
    assert reply.backend == "fake"
    assert not any("without the language model" in n for n in reply.notices)
    assert [c.key for c in reply.citations] == ["card-1"]
    # Only facts went into the prompt: never the user's words.
    prompt = " ".join(m["content"] for m in backend.prompts[0])
    assert NEED not in prompt and ANSWERS not in prompt
    assert top.label in prompt


@pytest.mark.parametrize(
    ("prose", "what"),
    [
        ("We recommend MegaDoc-13B for these reports.", "model"),
        ("{top} costs $12,345 per year to run.", "number"),
        ("{top} is well supported [7].", "citation"),
        ("{top} is well supported [smith2023].", "citation"),
        ("BioBERT would be the better choice here.", "model"),
        ("See https://made-up.example.com for {top}.", "link"),
    ],
)
def test_the_guard_replaces_unsupported_prose(catalog: Catalog, templated: Reply, prose: str, what: str) -> None:
    assert templated.recommendation is not None
    top = templated.recommendation.matches[0]
    text = prose.format(top=top.label)
    reply = recommend_with(catalog, FakeBackend([text]), evidence_for(top.name))
    assert text not in reply.text
    assert "ranks" not in reply.text  # nothing of the rejected prose
    assert "The top-ranked option is" in reply.text  # the templated sentence instead
    assert reply.backend == "none"
    guard_notices = [n for n in reply.notices if "not found in the facts" in n]
    assert guard_notices and what in guard_notices[0]
    assert "MegaDoc" not in reply.text and "12,345" not in reply.text and "made-up" not in reply.text


@pytest.mark.parametrize("error", [BackendUnavailable("server down"), BackendOutputError("garbled")])
def test_backend_errors_fall_back_to_the_template_with_a_notice(
    catalog: Catalog, templated: Reply, error: Exception
) -> None:
    reply = recommend_with(catalog, FakeBackend([error]), None)
    assert reply.text == templated.text.replace(
        "_" + reply.disclaimer + "_", f"> answered without the language model: {error}\n\n_{reply.disclaimer}_"
    )
    assert f"answered without the language model: {error}" in reply.notices
    assert reply.backend == "none"


def test_rules_answers_are_never_written_by_the_language_model(catalog: Catalog) -> None:
    messages = [user(NEED)]
    first = respond(catalog, messages)
    messages += [assistant(first.text), user(ANSWERS)]
    rec = respond(catalog, messages)
    messages += [assistant(rec.text), user("Why not GPT-4?")]
    backend = FakeBackend(["GPT-5 would be allowed instead."])
    reply = respond(catalog, messages, backend=backend)
    assert backend.prompts == []  # the why-not answer comes from the rules core, word for word
    assert "GPT-5" not in reply.text
    assert "GPT-4 would match, but it is left out" in reply.text
    assert reply.answer is not None and reply.answer["source"] == "rules"


def test_guard_unit_checks() -> None:
    facts = Facts(
        text="RaDialog-7B needs 1 x NVIDIA A40 (48 GB) and costs $7,799.", citations=2, keys=frozenset({"k1"})
    )
    from corpus.catalog import load_catalog

    catalog = load_catalog()
    assert problems("RaDialog-7B needs one A40 with 48 GB and costs $7,799 [1], [2].", facts, catalog) == ()
    assert problems("It costs 7.799 USD [k1].", facts, catalog) == ()
    assert problems("It needs 2 GPUs.", facts, catalog) == ("number 2",)
    # found trying the API: "BERT, which has a star rating of 0 out of 5" (each number is somewhere in the facts)
    rated = Facts(text="BERT: used 5 times, reported best 0 times.", citations=0, keys=frozenset())
    assert problems("BERT has a star rating of 0 out of 5.", rated, catalog) == ("score 0 out of 5",)
    assert problems("BERT was used 5 times.", rated, catalog) == ()
    assert problems("See [3].", facts, catalog) == ("citation [3]",)
    assert "model GPT-4" in problems("GPT-4 is better.", facts, catalog)
    assert number_values("3,75") >= {"3.75"}
    assert number_values("7,799") >= {"7799"}


def test_prose_streams_sentence_by_sentence_and_only_the_bad_sentence_is_dropped(
    catalog: Catalog, templated: Reply
) -> None:
    from assistant.dialogue import respond_stream

    assert templated.recommendation is not None
    top = templated.recommendation.matches[0]
    good = f"{top.label} ranks first for your tasks."
    bad = "MegaDoc-13B would be cheaper."
    backend = FakeBackend([f"{good} {bad} Readers preferred its drafts [1]."])
    messages = [user(NEED)]
    messages += [assistant(respond(catalog, messages).text), user(ANSWERS)]
    pieces = [p for p in respond_stream(catalog, messages, backend=backend, retriever=evidence_for(top.name))]
    reply = pieces[-1]
    assert isinstance(reply, Reply)
    texts = [p for p in pieces if isinstance(p, str)]
    assert good in texts and " Readers preferred its drafts [1]." in texts  # each sentence sent on its own
    assert "MegaDoc" not in reply.text and reply.backend == "fake"
    assert any("model" in n and "it was left out" in n for n in reply.notices)


def test_a_sentence_judging_the_draft_is_left_out(catalog: Catalog, templated: Reply) -> None:
    # seen with the embedded model: "The draft answer is clear and concise." opened a recommendation
    from assistant.dialogue import respond_stream

    assert templated.recommendation is not None
    top = templated.recommendation.matches[0]
    good = f"{top.label} ranks first for your tasks."
    backend = FakeBackend([f"The draft answer is clear and concise. {good}"])
    messages = [user(NEED)]
    messages += [assistant(respond(catalog, messages).text), user(ANSWERS)]
    pieces = [p for p in respond_stream(catalog, messages, backend=backend, retriever=evidence_for(top.name))]
    reply = pieces[-1]
    assert isinstance(reply, Reply) and reply.backend == "fake"
    assert good in reply.text and "draft answer" not in reply.text


def test_english_prose_under_a_german_conversation_is_dropped(catalog: Catalog) -> None:
    messages = [
        user("Ich bin Radiologe und möchte CT-Befunde entwerfen lassen; die Daten dürfen das Haus nicht verlassen.")
    ]
    first = respond(catalog, messages)
    messages += [assistant(first.text), user("Nur Text rein und raus, wir betreiben es auf unseren eigenen Servern.")]
    templated = respond(catalog, messages)
    assert templated.recommendation is not None
    english = (
        f"The recommended models cover all selected tasks and {templated.recommendation.matches[0].label} is first."
    )
    reply = respond(catalog, messages, backend=FakeBackend([english]))
    assert english not in reply.text
    assert reply.backend == "none" and any("language" in n for n in reply.notices)
