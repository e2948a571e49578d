"""Follow-ups: what-if differences, why-not, which studies used a model, explanations, and thin evidence."""

from __future__ import annotations

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond
from assistant.followups import EXPLAIN, USAGE, WHAT_IF, WHY_NOT, classify
from assistant.questionnaire import GENERAL_QUESTIONS, GLOSSARY
from assistant.questions import read_question
from tests.unit.dialogue.fakes import FailingRetriever, FakeRetriever, assistant, passage, user

NEED = "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital."
ANSWERS = "Only text goes in, and we run it on our own servers."


def after_recommendation(catalog: Catalog, question: str, **kwargs: object) -> tuple[Reply, Reply]:
    """The recommendation after two turns, and the reply to ``question`` asked next."""
    messages = [user(NEED)]
    first = respond(catalog, messages)
    messages += [assistant(first.text), user(ANSWERS)]
    rec = respond(catalog, messages)
    messages += [assistant(rec.text), user(question)]
    return rec, respond(catalog, messages, **kwargs)  # type: ignore[arg-type]


def test_follow_ups_are_classified_in_three_languages(catalog: Catalog) -> None:
    cases = {
        "What if we deploy in the cloud?": WHAT_IF,
        "¿Y si usamos la nube?": WHAT_IF,
        "Was wäre, wenn die Daten geteilt werden dürfen?": WHAT_IF,
        "Why not GPT-4?": WHY_NOT,
        "¿Por qué no GPT-4?": WHY_NOT,
        "Warum nicht GPT-4?": WHY_NOT,
        "Which studies used RaDialog?": USAGE,
        "¿Qué estudios usaron RaDialog?": USAGE,
        "Welche Studien nutzten RaDialog?": USAGE,
        "What does QLoRA need?": EXPLAIN,
        "¿Qué es la cuantización?": EXPLAIN,
        "Was bedeutet Datenweitergabe?": EXPLAIN,
    }
    for text, kind in cases.items():
        found = classify(catalog, text)
        assert found is not None and found.kind == kind, text
    assert classify(catalog, "I'm a radiologist and want draft reports.") is None


def test_what_if_cloud_switches_prices_and_keeps_the_answers(catalog: Catalog) -> None:
    rec, reply = after_recommendation(catalog, "What if we deploy in the cloud?")
    assert reply.answers["deploy_local"].value is True  # hypothetical: nothing changed
    assert reply.recommendation == rec.recommendation
    assert "local deployment preferred = no" in reply.text
    assert "Prices switch from purchase to cloud rental." in reply.text
    assert "/h to rent" in reply.text
    assert any("hypothetically" in n for n in reply.notices)


def test_what_if_sharing_and_cloud_adds_api_models(catalog: Catalog) -> None:
    _, reply = after_recommendation(catalog, "What if the data may be shared and we use the cloud?")
    assert "Added:" in reply.text
    assert "GPT-4" in reply.text.split("Added:")[1].splitlines()[0]
    assert reply.answers["data_sharing"].value is False


def test_what_if_in_french_italian_and_portuguese(catalog: Catalog) -> None:
    # follow-ups holdout 22: "E se afinal ... nos nossos próprios servidores?" was no what-if
    for question in ("Et si on utilisait le cloud ?", "E se usassimo il cloud?", "E se usarmos a nuvem?"):
        rec, reply = after_recommendation(catalog, question)
        assert reply.recommendation == rec.recommendation, question  # hypothetical: nothing changed
        assert "local deployment preferred = no" in reply.text, question


def test_what_if_without_a_change_says_what_to_try(catalog: Catalog) -> None:
    _, reply = after_recommendation(catalog, "What if it rains tomorrow?")
    assert "could not tell which answer" in reply.text


def test_why_not_gpt4_explains_the_data_sharing_exclusion(catalog: Catalog) -> None:
    rec, reply = after_recommendation(catalog, "Why not GPT-4?")
    assert rec.recommendation is not None
    assert all(m.name != "GPT-4" for m in rec.recommendation.matches)
    assert "GPT-4" in reply.text
    assert "online API" in reply.text and "data sharing" in reply.text
    assert "if the data may be shared and cloud use is fine" in reply.text


def test_why_not_a_recommended_model_gives_its_rank(catalog: Catalog) -> None:
    rec, reply = after_recommendation(catalog, "Why not RaDialog?")
    assert rec.recommendation is not None
    rank = [m.name for m in rec.recommendation.matches].index("RaDialog") + 1
    assert f"RaDialog-7B is recommended: it is number {rank} of" in reply.text


def test_why_a_model_never_reported_best_is_listed_names_what_the_studies_used_it_for(catalog: Catalog) -> None:
    # follow-ups holdout 20: "for which discharge task did the studies use LLaMA-7B?" got counts, not the task
    rec, _ = after_recommendation(catalog, "Why not RaDialog?")
    assert rec.recommendation is not None
    never_best = next(m for m in rec.recommendation.matches if m.studies and not m.best)
    _, reply = after_recommendation(
        catalog, f"Why is {never_best.name} on my list, and what did the studies use it for?"
    )
    assert "The studies used it for: " in reply.text
    usage = catalog.model(never_best.id).usage
    used = [c.subtask for c in catalog.columns if usage.get(c.id) and c.stage == "II"]
    assert used and any(f"{subtask} (stage II, " in reply.text for subtask in used)


def test_a_bare_and_with_a_model_name_asks_why_not_that_model(catalog: Catalog) -> None:
    # follow-ups holdout 29 review: "¿Y GPT-4?" after a recommendation was searched in the literature
    for question in ("And GPT-4?", "¿Y GPT-4?", "Und GPT-4?", "and the GPT-4 then?"):
        found = classify(catalog, question)
        assert found is not None and found.kind == WHY_NOT, question
        _, reply = after_recommendation(catalog, question)
        assert [part["source"] for part in reply.answer_parts] == ["rules"], question
        assert "GPT-4" in reply.text, question
    _, reply = after_recommendation(catalog, "And GPT-4?")
    assert "online API" in reply.text and "data sharing" in reply.text
    # more than a name is its own question, and a bare "and" with no model is no why-not
    for question in ("And GPT-4 at 8-bit?", "And at 8-bit?", "And the price of GPT-4?"):
        found = classify(catalog, question)
        assert found is None or found.kind != WHY_NOT, question
    assert classify(catalog, "y biobert?", alone=False) is None  # "... en su paper cuánto mejoró": said next
    # tried through the API: the need asked as a question in the turn before ("Is there a model that can ...?")
    # is no question about a model for "And GPT-4?" to ask again; "What does Llama 3 70B cost?" is
    rec, _ = after_recommendation(catalog, "Thanks.")
    need = read_question(catalog, "And GPT-4?", rec.recommendation, "", previous="Is there a model that can do this?")
    assert need.kind == "why_not"
    price = read_question(catalog, "And GPT-4?", rec.recommendation, "", previous="What does Llama 3 70B cost?")
    assert price.kind != "why_not"


def test_why_not_an_unknown_model_says_it_is_not_in_the_catalog(catalog: Catalog) -> None:
    _, reply = after_recommendation(catalog, "Why not Zorblax?")
    assert 'do not find "zorblax"' in reply.text


def test_which_studies_used_radialog_cites_only_retrieved_passages(catalog: Catalog) -> None:
    retriever = FakeRetriever(
        [
            passage("radialog-1", "RaDialog", "RaDialog generates chest X-ray reports and discusses them."),
            passage("other-1", "BioBERT", "BioBERT is a biomedical language model."),
        ]
    )
    _, reply = after_recommendation(catalog, "Which studies used RaDialog?", retriever=retriever)
    assert "RaDialog-7B in the review's data" in reply.text
    assert "stage II" in reply.text
    assert [c.key for c in reply.citations] == ["radialog-1"]  # the BioBERT passage does not name the model
    assert "[1]" in reply.text and "[2]" not in reply.text
    assert "References" in reply.text and "https://example.org/radialog-1" in reply.text
    assert any("RaDialog" in q for q in retriever.queries)


def test_qlora_is_explained_from_the_glossary_with_retrieved_evidence(catalog: Catalog) -> None:
    retriever = FakeRetriever([passage("qlora-1", "QLoRA", "QLoRA fine-tunes a 65B model on one 48 GB GPU.")])
    _, reply = after_recommendation(catalog, "What does QLoRA need?", retriever=retriever)
    assert GLOSSARY["qlora"] in reply.text
    assert [c.key for c in reply.citations] == ["qlora-1"]
    assert "one 48 GB GPU" in reply.text


def test_evidence_that_does_not_cover_it_is_said_not_invented(catalog: Catalog) -> None:
    unrelated = FakeRetriever([passage("cards-1", "Flan-T5", "Flan-T5 is an instruction-tuned model.")])
    _, reply = after_recommendation(catalog, "What is QLoRA?", retriever=unrelated)
    assert "does not cover this" in reply.text
    assert reply.citations == ()
    _, low = after_recommendation(
        catalog, "What is QLoRA?", retriever=FakeRetriever([passage("q", "QLoRA", "QLoRA ...", score=-1.0)])
    )
    assert "does not cover this" in low.text and low.citations == ()


def test_a_failing_retriever_degrades_with_a_notice(catalog: Catalog) -> None:
    _, reply = after_recommendation(catalog, "Which studies used RaDialog?", retriever=FailingRetriever())
    assert "RaDialog-7B in the review's data" in reply.text
    assert any("index offline" in n for n in reply.notices)


def test_questions_about_a_question_get_its_explanation_and_the_pending_questions(catalog: Catalog) -> None:
    messages = [user(NEED)]
    first = respond(catalog, messages)
    messages += [assistant(first.text), user("What counts as sharing data?")]
    reply = respond(catalog, messages)
    assert GENERAL_QUESTIONS["data_sharing"].explanation in reply.text
    assert "The open questions are still:" in reply.text
    assert "`deploy_local`" in reply.text


def test_what_is_textual_data(catalog: Catalog) -> None:
    reply = respond(catalog, [user("What is textual data?")])
    assert GLOSSARY["textual data"] in reply.text


def test_follow_ups_answer_in_spanish(catalog: Catalog) -> None:
    messages = [user("Soy radióloga y quiero redactar informes de TC; los datos no pueden salir del hospital.")]
    first = respond(catalog, messages)
    messages += [assistant(first.text), user("Solo texto, y lo ejecutamos localmente en el hospital.")]
    rec = respond(catalog, messages)
    messages += [assistant(rec.text), user("¿Por qué no GPT-4?")]
    reply = respond(catalog, messages)
    assert "GPT-4 coincidiría, pero se excluye" in reply.text


def test_a_first_message_phrased_as_what_if_is_read_as_a_description(catalog: Catalog) -> None:
    reply = respond(catalog, [user("What if I, a radiologist, want draft CT reports?")])
    assert reply.kind != "what_if"
    assert reply.stage == "II"


def test_a_bare_what_if_does_not_crash(catalog: Catalog) -> None:
    _, reply = after_recommendation(catalog, "What if?")
    assert "could not tell which answer" in reply.text


def test_why_not_followed_by_a_clause_is_not_a_model_name(catalog: Catalog) -> None:
    # "why don't they work in our case?" asks about the models already named, not about one called "valen ..."
    assert classify(catalog, "¿Por qué no valen en nuestro caso?") is None
    for text in ("Why not Pixtral?", "Why not the new Mistral Large?", "¿Por qué no Gemini?"):
        found = classify(catalog, text)
        assert found is not None and found.kind == WHY_NOT, text


def test_a_german_what_if_with_two_changes_applies_both(catalog: Catalog) -> None:
    # found trying the API: the subjunctive "teilen dürften" was not read, so only the cloud was applied
    _, reply = after_recommendation(catalog, "Und wenn wir die Daten teilen dürften und in die Cloud gingen?")
    assert "Hinzu kommen:" in reply.text and "GPT-4" in reply.text.split("Hinzu kommen:")[1].splitlines()[0]
