"""Questions after a recommendation get answers: the message read as a whole, each question routed to the
most trustworthy source, literature answers grounded in the passages (checked sentence by sentence)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from assistant.asked import asked_measures, asks_for_a_figure, states_a_figure, unstated
from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond, respond_stream
from assistant.evidence import Numbering, Passage, renumber
from assistant.extraction import asked_in
from assistant.extraction_llm import code_for
from assistant.followups import find_model_mentions, find_terms, unknown_variants
from assistant.grounded import (
    NOT_FOUND,
    _publication_asked,
    _ranking_scores,
    _says,
    _scores,
    answer_stream,
    check_sentence,
    extractive,
    named_terms,
    question_parts,
    select_excerpts,
    split_sentences,
    without_titles,
)
from assistant.message import could_be_a_question, parse_message
from assistant.questionnaire import question_ids
from assistant.questions import ASPECTS, CATALOG, LITERATURE, RULES, SIZING, asks_per_month, read_question
from assistant.render import money
from assistant.replies import model_facts_text, why_not_text
from assistant.rules import recommend
from tests.unit.dialogue.fakes import FakeBackend, FakeRetriever, assistant, passage, user

NEED = "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital."
ANSWERS = "Only text goes in, and we run it on our own servers."
PAPER = passage(
    "lora-1",
    "Fine-tuning report generators",
    "We fine-tuned the model with LoRA at rank 16 on 2,000 reports. The training took 6 hours on one A100 GPU. "
    "Radiologists preferred the fine-tuned drafts in 71% of cases.",
)
OTHER = passage("flan-1", "Flan-T5", "Flan-T5 is an instruction-tuned encoder-decoder model released by Google.")


def conversation(catalog: Catalog) -> list[dict[str, str]]:
    """A conversation that has reached (and shown) a recommendation."""
    messages = [user(NEED)]
    messages += [assistant(respond(catalog, messages).text), user(ANSWERS)]
    rec = respond(catalog, messages)
    assert rec.recommendation is not None and rec.kind == "recommendation"
    return [*messages, assistant(rec.text)]


def ask(catalog: Catalog, question: str, **kwargs: object) -> Reply:
    return respond(catalog, [*conversation(catalog), user(question)], **kwargs)  # type: ignore[arg-type]


# --- reading a message ------------------------------------------------------------------------------------


def test_a_message_is_split_into_statements_questions_and_a_what_if() -> None:
    parts = parse_message("We can share de-identified data now. Does that bring in GPT-4? And what if we rented GPUs?")
    assert parts.statements == "We can share de-identified data now."
    assert parts.questions == ("Does that bring in GPT-4?",)
    assert parts.what_if == "we rented GPUs"


def test_questions_in_chinese_and_japanese_are_questions() -> None:
    # follow-ups holdout 20: a Japanese question (full-width question mark, no spaces) got the pointer and nothing
    mark = "\uff1f"  # the full-width question mark
    parts = parse_message(f"RaDialogは日本語の読影レポートにも使えますか{mark}日本語データでの精度を教えてください。")
    assert parts.questions == (f"RaDialogは日本語の読影レポートにも使えますか{mark}",)
    chinese = parse_message(f"Galactica 的训练语料里有多少是肿瘤学文献{mark}占比多少{mark}")
    assert chinese.questions == (f"Galactica 的训练语料里有多少是肿瘤学文献{mark}", f"占比多少{mark}")
    assert could_be_a_question("日本語データでの精度を教えてください") and not could_be_a_question("はい")
    assert parse_message("كم عدد وحدات معالجة الرسومات المطلوبة\u061f").questions  # the Arabic question mark


def test_a_request_that_only_says_how_to_answer_belongs_to_the_question_before_it() -> None:
    # seen on follow-ups holdout 16: "give numbers" was read as a statement, and the model took it for a need
    asked = parse_message("gpt4 vs gpt3.5, which one got reported best more often in the review? give numbers")
    assert asked.statements == "" and len(asked.questions) == 1 and asked.questions[0].endswith("give numbers")
    assert parse_message("Why not GPT-4? Explain briefly.").questions == ("Why not GPT-4? Explain briefly.",)
    assert parse_message("Why not GPT-4? Be brief please.").statements == ""
    assert parse_message("Explain LoRA. What does it cost?").questions == ("Explain LoRA.", "What does it cost?")
    assert parse_message("Dame las cifras.").questions == ("Dame las cifras.",)  # a request of its own
    stated = parse_message("We want to give patients answers about their medicines.")
    assert stated.questions == ()


def test_questions_without_a_question_mark_and_statements_that_open_with_a_question_word() -> None:
    assert parse_message("How much GPU memory would the top model need at 4-bit").questions
    assert parse_message("Explain QLoRA please.").questions == ("Explain QLoRA please.",)
    assert parse_message("¿Qué estudios usaron RaDialog?").questions
    stated = parse_message("What we need is a tool that drafts discharge letters.")
    assert stated.questions == () and stated.statements.startswith("What we need")
    assert parse_message("Was wäre, wenn die Daten geteilt werden dürfen?").what_if == "die Daten geteilt werden dürfen"


def test_a_question_with_its_verb_first_or_after_a_topic_needs_no_question_mark() -> None:
    assert parse_message("Does it run on one GPU").questions
    # a wh-word after one or two lead-in words asks; "roughly what we need is ..." states
    assert parse_message("roughly what would GPT-4 cost us per month for 1,000 summaries a day").questions
    assert parse_message("ok and what would GPT-4 cost per month").questions
    assert parse_message("Roughly what we need is a summary of the notes.").questions == ()
    # "does" or "did" before a bare noun or a name asks too
    assert parse_message("did radiologists actually prefer its reports, in what share of cases").questions
    assert parse_message("does radialog run on a cpu").questions
    topic = "the RSNA tutorial paper i uploaded - what vram do they give for mixtral 8x22b at 4bit"
    assert parse_message(topic).questions == (topic,)
    assert parse_message("radonc letters: was the 13b llama 2 better than the 8b llama 3 on rouge").questions
    assert parse_message("that llama 3 letters study - on what kind of machine did they tune it").questions
    assert parse_message("Von welchem Hersteller kommt das Modell").questions
    assert parse_message("In what we call stage II, reports are drafted.").questions == ()
    # after a topic of a few words a verb first asks, in English and German
    assert parse_message("before I take this to our head of department: is RaDialog CE marked").questions
    assert parse_message("unser Datenschutzbeauftragter fragt: ist Baichuan-7B in Deutschland zugelassen").questions
    assert parse_message("the rsna paper says 1 million tokens is roughly how many words").questions
    assert parse_message("board wants it by friday: in our trial how many notes had to be corrected").questions
    assert parse_message("oye clinicalbert cuantos parametros tiene").questions
    assert parse_message("I'd like to know how many cases they evaluated").questions
    assert parse_message("we know the model, how many GPUs does it need").questions  # "know" governs no "how"
    # a colon or a dash inside a statement still states; so does a form's label, and not knowing how many
    for statement in (
        "Text in, text out: the data cannot be shared.",
        "We run it locally - no cloud.",
        "Scope: is to summarise the reports.",
        "Datenschutz: ist uns sehr wichtig.",
        "Hosting: is not decided yet.",
        "Did not decide yet where it runs.",
        "Should run on our own servers.",
        "We do not know how many users.",
        "Count how many falls are charted in the nursing notes.",
        "No sabemos cuántos usuarios habrá.",
        "Wir wissen nicht, wie viele Nutzer es werden.",
        "Lo haremos, cuando tengamos los datos.",
        "Die Befunde, welche im KIS liegen, fassen wir zusammen.",
    ):
        assert parse_message(statement).questions == (), statement


def test_a_question_after_a_comma_or_with_its_verb_before_the_subject_needs_no_question_mark() -> None:
    assert parse_message("claude instant is on the list, what would it cost per 1k tokens").questions
    assert parse_message("in that letters study how many cases did the physicians evaluate").questions
    assert parse_message("if we train an adapter on our reports can we reuse it on mistral").questions
    for statement in (
        "We use GPT-4, which is fine.",
        "If that is the case, we would buy GPUs.",
        "The data may be shared, how we host it is not decided.",
        "When the data is ready, we will start.",
    ):
        assert parse_message(statement).questions == (), statement


def test_a_question_an_e_mail_quotes_is_not_asked() -> None:
    parts = parse_message("We want summaries of the ward notes.\n\n> Tom wrote:\n> Could it also write letters?")
    assert parts.questions == ()
    asked = parse_message("Which model is best for this?\n\n> Tom wrote:\n> Could it also write letters?")
    assert asked.questions == ("Which model is best for this?",)


def test_a_claim_someone_else_made_is_the_subject_of_the_question_asked_about_it_not_a_statement() -> None:
    claim = "A colleague claimed an open 7B model summarised radiology reports as well as GPT-3.5."
    asked = parse_message(f"{claim} Is there anything on that in the papers?")
    assert asked.statements == "" and asked.reported == (claim,) and asked.context == claim
    told = parse_message("A colleague told me LLMs can draft CT reports. I'm a radiologist and want that.")
    assert told.reported == () and told.statements.startswith("A colleague told me")  # nothing asked: a need
    assert parse_message("Un colega dice que Llama 3 resume informes. ¿Lo dice algún artículo?").reported
    assert (
        parse_message("We found that our GPUs are busy. Can we rent?").statements == "We found that our GPUs are busy."
    )


def test_a_reported_claim_changes_no_answer(catalog: Catalog) -> None:
    before = ask(catalog, "Thanks.")
    reply = ask(catalog, "Someone said an LLM summarised discharge letters in the cloud. Is that in the literature?")
    assert reply.recommendation == before.recommendation
    assert reply.answers["deploy_local"].value is True and "discharge_text_generation" not in reply.answers


@pytest.mark.parametrize(
    "message",
    [
        "The usage guidelines doc I uploaded says something about pre-training in the cloud. How many A100s?",
        "El documento que subí dice algo sobre la nube. ¿Cuántas GPU hacen falta?",
        "Der Leitfaden, den ich hochgeladen habe, erwähnt die Cloud. Wie viele GPUs braucht man?",
    ],
)
def test_what_a_document_says_in_a_message_that_asks_changes_no_answer(catalog: Catalog, message: str) -> None:
    assert parse_message(message).statements == ""
    before = ask(catalog, "Thanks.")
    reply = ask(catalog, message)
    assert reply.recommendation == before.recommendation and reply.answers["deploy_local"].value is True
    # a need of one's own that names reports is still a statement
    assert parse_message("Our radiology reports mention nodule sizes. Can you extract them?").reported == ()
    # the document named first, then what "they" say in it
    told = "About that tutorial in my folder - they mention a study where Vicuna classified reports. Which temperature?"
    assert parse_message(told).statements == ""


def test_questions_are_routed_to_the_source_that_can_answer(catalog: Catalog) -> None:
    rec = respond(catalog, conversation(catalog)[:3]).recommendation
    cases = {
        "Why not GPT-4?": RULES,
        "Why is RaDialog first?": RULES,
        "Which studies used RaDialog?": CATALOG,
        "What would GPT-4 cost per 1k tokens?": CATALOG,
        "Is RaDialog open source?": CATALOG,
        "How much GPU memory would the top model need at 4-bit?": SIZING,
        "What prompting technique did the paper I added use?": LITERATURE,
        "Does the literature say anything about de-identification?": LITERATURE,
        # a model named in a question about what a document says: the document answers
        "In the selection tool how-to doc, how many GPUs does fine-tuning PaLM-E-84B take?": LITERATURE,
        # a token price of a model the catalog prices by its hardware: a vendor's price list in the literature
        "What does Mistral Large cost per million tokens?": LITERATURE,
        # GPU-hours are in no table ("compute" measure); "consumer" questions are not about power
        "How many GPU-hours did Me LLaMA 70B take to train?": LITERATURE,
        "On consumer health questions, on how many axes did physicians prefer Med-PaLM 2?": LITERATURE,
    }
    for text, source in cases.items():
        assert read_question(catalog, text, rec).source == source, text
    top = read_question(catalog, "What does the top model cost to buy?", rec)
    assert rec is not None and top.model is not None and top.model.id == rec.matches[0].id
    # a row of the recommendation, asked after a question about another model, is still that row
    row = read_question(catalog, "And how many watts would the first model draw?", rec, previous="Why not GPT-4?")
    assert row.model is not None and row.model.id == rec.matches[0].id
    second = read_question(catalog, "and the second one, what does it cost?", rec, previous="Why not GPT-4?")
    assert second.model is not None and second.model.id == rec.matches[1].id
    subject = read_question(catalog, "Is it the best model for us?", rec, previous="Why not GPT-4?")
    assert subject.model is not None and subject.model.id == "gpt-4"
    assert read_question(catalog, "What does the paper I added say about LoRA?", rec).about_user_docs
    saved = read_question(catalog, "The best-practices piece I saved: what does it say about prompts?", rec)
    assert saved.about_user_docs
    for read_only in (  # languages the rules read name the user's documents too (a memory question, not sizing)
        "combien de mémoire faut-il pour llama 2 13b en 4 bits, selon l'article que j'ai ajouté ?",
        "quanta memoria serve per llama 2 13b a 4 bit secondo l'articolo che ho caricato?",
        "quanta memória precisa o llama 2 13b em 4 bits, segundo o artigo que eu adicionei?",
        # follow-ups holdout 25: the participle agrees with "la revue" ("ajoutée"), so a catalog fact answered
        "D'après la revue sur les LLM open source que j'ai ajoutée, GPT-4 est-il un modèle à mélange d'experts ?",
        "Secondo la review che ho caricata, GPT-4 è un modello a mixture of experts?",
        # follow-ups holdout 30: a Korean question on the review "I uploaded" was sized as GPT-3.5's service
        "제가 올린 RSNA 오픈소스 LLM 리뷰의 상용 모델 표에서 GPT-3.5 Turbo Instruct는 비디오 메모리가 몇 GB인가요?",
        "\u0412 обзоре RSNA, который я загрузил, сколько памяти нужно GPT-3.5?",
        "W przeglądzie, który dodałem, ile pamięci potrzebuje GPT-3.5?",
    ):
        question = read_question(catalog, read_only, rec)
        assert question.source == LITERATURE and question.about_user_docs, read_only


def test_a_sizing_question_reads_the_model_and_numbers_of_the_what_if_before_it(catalog: Catalog) -> None:
    message = (
        "What if we took Llama 3 8B at 4 bit instead: 12 nurses using it at the same time, each with an "
        "8,192-token context. Total GPU memory needed?"
    )
    parts = parse_message(message)
    question = read_question(catalog, parts.questions[0], None, parts.context)
    assert question.source == SIZING and question.model is not None and question.model.id == "llama3-8b"
    assert "12 nurses" in question.context


def test_model_facts_give_the_reviews_links(catalog: Catalog) -> None:
    model = next(m for m in catalog.models if m.links)
    text = model_facts_text("en", catalog, model, None, "access")
    assert model.links[0].url in text


# --- answers from the rules and the catalog ---------------------------------------------------------------


def test_a_question_after_a_shown_recommendation_gets_an_answer_and_a_pointer_not_the_table(catalog: Catalog) -> None:
    reply = ask(catalog, "What would GPT-4 cost per 1k tokens?")
    assert "still stands" in reply.text
    assert "| # |" not in reply.text  # the table is not printed again
    assert "$0.01 in / $0.03 out per 1k tokens" in reply.text
    assert reply.answer == {"source": "catalog", "citations": [], "dropped_sentences": 0, "dropped_numbers": 0}
    assert reply.extension()["answer"]["source"] == "catalog"


def test_every_question_of_a_turn_reports_where_its_answer_came_from(catalog: Catalog) -> None:
    reply = ask(catalog, "Why not GPT-4? And what would GPT-4 cost per 1k tokens?")
    parts = reply.extension()["answer_parts"]
    assert [part["source"] for part in parts] == ["rules", "catalog"]
    assert reply.extension()["answer"] == parts[0]  # reply/1's answer stays the first question's
    assert "answer_parts" not in ask(catalog, "Thanks.").extension()


def test_a_why_not_that_points_back_with_an_object_pronoun_asks_of_the_model_before(catalog: Catalog) -> None:
    # follow-ups holdout 29: "¿Y GPT-3.5? ... así que ¿por qué no me lo propones?" lost GPT-3.5 in the second
    # question and searched the literature
    reply = ask(catalog, "¿Y GPT-3.5? En la revisión también se usó, así que ¿por qué no me lo propones?")
    assert [part["source"] for part in reply.extension()["answer_parts"]][-1] == "rules"
    assert "GPT-3.5" in reply.text and "se excluye" in reply.text  # the bare "¿Y GPT-3.5?" asks the same: one answer
    german = ask(catalog, "Und GPT-4? Warum hast du es nicht empfohlen?")
    assert [part["source"] for part in german.extension()["answer_parts"]][-1] == "rules"


def test_one_sentence_asking_about_two_models_of_two_sources_gets_both_answers(catalog: Catalog) -> None:
    reply = ask(catalog, "why isn't gpt-4 on the list, and how many watts would the first model draw?")
    rec = reply.recommendation
    assert rec is not None and [part["source"] for part in reply.extension()["answer_parts"]] == ["rules", "catalog"]
    why_not, facts = reply.text.split("### Answer")[1:3]
    assert "GPT-4 would match, but it is left out" in why_not
    assert catalog.model(rec.matches[0].id).name in facts and "is an open model" in facts  # the first row's facts
    # one model's facts answer both things asked about it, in one answer
    one = ask(catalog, "GPT-3.5: how many study uses does it have, and what's its API price?")
    assert [part["source"] for part in one.extension()["answer_parts"]] == ["catalog"]


def test_a_question_never_changes_an_answer(catalog: Catalog) -> None:
    before = ask(catalog, "Thanks.")
    reply = ask(catalog, "Could we run it in the cloud if the data may be shared?")
    assert reply.answers["deploy_local"].value is True and reply.answers["data_sharing"].value is False
    assert reply.recommendation == before.recommendation


def test_an_answer_and_a_question_in_one_message_apply_the_answer_and_answer_the_question(catalog: Catalog) -> None:
    reply = ask(catalog, "Actually, the cloud is fine. Why not GPT-4?")
    assert reply.answers["deploy_local"].value is False
    assert "| # |" in reply.text  # answers changed: the recommendation is shown again
    assert "GPT-4" in reply.text.split("### Answer")[1]
    assert reply.answer is not None and reply.answer["source"] == "rules"


def test_a_what_if_with_two_changes_applies_both(catalog: Catalog) -> None:
    reply = ask(catalog, "What if the data may be shared and we run it in the cloud?")
    assert "data may be shared = yes" in reply.text and "local deployment preferred = no" in reply.text
    assert "GPT-4" in reply.text.split("Added:")[1].splitlines()[0]
    assert reply.answers["data_sharing"].value is False  # hypothetical: nothing changed for real


def test_a_what_if_with_a_workload_shows_no_empty_sizing_block(catalog: Catalog) -> None:
    reply = ask(catalog, "What if we rented GPUs instead, for 1,000 reports a day of 2,000 tokens?")
    assert "local deployment preferred = no" in reply.text
    assert "With -" not in reply.text and "what it takes to run" not in reply.text


def test_a_follow_up_before_any_recommendation_shows_it_as_it_stands(catalog: Catalog) -> None:
    messages = [user(NEED)]
    messages += [assistant(respond(catalog, messages).text), user("Why not GPT-4?")]
    reply = respond(catalog, messages)
    assert reply.text.startswith("You have not seen a recommendation yet")
    assert "| # |" in reply.text and "GPT-4" in reply.text.split("### Answer")[1]


# --- answers from the literature ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "turn",
    [
        "quick one from their paper, in what share of cases did the radiologists prefer the fine-tuned drafts",
        "before I take this to the board: radiologists preferred the fine-tuned drafts in how many cases",
        "our head of department asks if radiologists preferred the fine-tuned drafts",
        # saying again what was already answered changes nothing either
        "as I said we run it on our own servers. in what share of cases did radiologists prefer the fine-tuned drafts",
    ],
)
def test_after_the_recommendation_a_turn_that_changes_nothing_is_answered_as_a_question(
    catalog: Catalog, turn: str
) -> None:
    reply = ask(catalog, turn, retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.answer is not None and reply.answer["source"] == "extractive"
    assert "71% of cases" in reply.text and "| # |" not in reply.text


class ReadingRecorder(FakeBackend):
    """A backend that records every message the extraction gives the model to read (and reads nothing)."""

    def __init__(self, replies: Sequence[str] = ()) -> None:
        super().__init__(replies)
        self.read: list[str] = []

    def complete_json(self, messages, schema, *, max_tokens=512):  # type: ignore[no-untyped-def]
        self.read.append(str(messages[-1]["content"]))
        return {}


@pytest.mark.parametrize(
    "turn",
    [
        "from the lora paper i uploaded: share of cases where radiologists preferred the fine-tuned drafts",
        "ok that looks like the pick. quick one from their paper, in what % of cases were the tuned drafts preferred",
    ],
)
def test_after_the_recommendation_a_turn_that_only_asks_is_not_read_as_a_need_by_the_model(
    catalog: Catalog, turn: str
) -> None:
    # the model took such a turn's topic for a need ("medical question answering: yes") and made the user wait
    reader = ReadingRecorder()
    reply = ask(catalog, turn, backend=reader, retriever=FakeRetriever([OTHER, PAPER]))
    assert reader.read and not any(turn[:20] in text for text in reader.read)
    assert reply.answer is not None and reply.kind != "recommendation"  # answered as a question


def test_after_the_recommendation_a_statement_that_frames_a_question_is_not_read_by_the_model(
    catalog: Catalog,
) -> None:
    # seen on follow-ups holdout 22: the model read "Going with a hosted API worries me ..." for seconds before
    # the first word of the answer could be sent, and took it for a need
    reader = ReadingRecorder()
    turn = (
        "Going with a hosted API worries me a bit for the long run. Did the radiologists prefer the fine-tuned "
        "drafts in the lora paper?"
    )
    reply = ask(catalog, turn, backend=reader, retriever=FakeRetriever([OTHER, PAPER]))
    assert reader.read and not any("worries me" in text for text in reader.read)
    assert reply.answer is not None and "71% of cases" in reply.text and "| # |" not in reply.text


class YesToTheLastListed(ReadingRecorder):
    """A model that reads every turn as "yes" to the question the assistant asked last, citing its last clause."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def complete_json(self, messages, schema, *, max_tokens=512):  # type: ignore[no-untyped-def]
        self.read.append(str(messages[-1]["content"]))
        return {"tasks": [[self.code, True, str(messages[-1]["content"]).count("\n[")]]}


def test_a_recommendation_asks_none_of_the_questions_it_still_lists(catalog: Catalog) -> None:
    # seen on follow-ups holdout 22: after a recommendation whose "still open" list ended with medical
    # questions, "Going with a hosted API worries me" was kept as the model's "yes" to that question
    messages = conversation(catalog)
    listed = asked_in(messages[-1]["content"])
    assert listed is not None and listed in question_ids("II")  # the recommendation lists open tasks
    code = code_for("II", listed)
    assert code is not None
    # the phrase rules read something in the turn (our own servers), so the model reads it too
    turn = "We run it on our own servers. Our budget committee meets again in the spring."
    reply = respond(catalog, [*messages, user(turn)], backend=YesToTheLastListed(code))
    assert listed not in reply.answers or reply.answers[listed].value is not True
    assert "| # |" not in reply.text


def test_after_the_recommendation_a_thanks_before_a_question_is_not_read_by_the_model(catalog: Catalog) -> None:
    # a model took "thanks." for a yes to a task the recommendation still listed, and the table came back
    reader = ReadingRecorder()
    turn = "thanks. the lora paper - did the radiologists prefer the fine-tuned drafts, in what share of cases"
    reply = ask(catalog, turn, backend=reader, retriever=FakeRetriever([OTHER, PAPER]))
    assert reader.read and not any("thanks" in text.lower() for text in reader.read)
    assert reply.answer is not None and "| # |" not in reply.text


def test_after_the_recommendation_a_turn_that_states_an_answer_is_still_read_by_the_model(catalog: Catalog) -> None:
    # a later turn that states something the rules read is still the model's to read as well
    stated = ReadingRecorder()
    ask(catalog, "We may share de-identified data with third parties now. What else changes?", backend=stated)
    assert any("share de-identified data" in text for text in stated.read)


@pytest.mark.parametrize("turn", ["ok great, thanks!", "Thanks.", "got it", "Please go on.", "great, thanks a lot"])
def test_a_thanks_after_the_recommendation_is_not_answered_from_the_literature(catalog: Catalog, turn: str) -> None:
    reply = ask(catalog, turn, retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.answer is None


def test_a_reply_after_the_recommendation_is_not_answered_from_the_literature(catalog: Catalog) -> None:
    assert ask(catalog, "I don't know.", retriever=FakeRetriever([OTHER, PAPER])).answer is None


def test_a_thanks_after_the_recommendation_gets_a_pointer_not_the_same_table_again(catalog: Catalog) -> None:
    messages = [*conversation(catalog), user("ok, thanks")]
    reply = respond(catalog, messages)
    assert reply.kind == "pointer" and "| # |" not in reply.text and "still stands" in reply.text
    assert reply.recommendation is not None  # the extension still carries it
    again = respond(catalog, [*messages, assistant(reply.text), user("great")])
    assert again.kind == "pointer"  # the table shown before the pointer is the one that counts


def test_an_answer_said_again_after_the_recommendation_is_acknowledged_not_searched_for(catalog: Catalog) -> None:
    # seen trying the product: "as I said, the data can't leave the hospital" was answered as a literature
    # question ("the indexed literature does not say")
    reply = ask(catalog, "As I said, the data can't leave the hospital.", retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.kind == "pointer" and reply.answer is None and not reply.answer_parts
    assert "nothing changes" in reply.text and "data may be shared: no" in reply.text
    assert "| # |" not in reply.text and "still stands" in reply.text
    both = ask(catalog, "Once more: we draft CT reports and run on our own servers.")
    assert "examination text generation: yes" in both.text and "local deployment preferred: yes" in both.text
    asked_too = ask(catalog, "The data can't leave the hospital. Why is GPT-4 not on the list?")
    assert asked_too.kind == "why_not" and "nothing changes" not in asked_too.text


def test_a_new_answer_that_leaves_the_list_as_it_was_is_acknowledged(catalog: Catalog) -> None:
    # trying the API: "Only text in and out, and no data leaves the hospital." after a recommendation that held
    # without those answers got only "Your recommendation above still stands"
    messages = [user("Summarise the nursing handover notes on the ward; it runs on our own servers.")]
    first = respond(catalog, messages)
    # (summarising the notes implies text in and out: the rules take them, the user is not asked)
    assert first.kind == "recommendation" and first.answers["input_text_only"].value is True
    messages += [assistant(first.text), user("Only text in and out, and no data leaves the hospital.")]
    reply = respond(catalog, messages)
    assert reply.kind == "pointer" and "| # |" not in reply.text
    assert "Noted (data may be shared: no);" in reply.text  # text in and out were known: not new
    # trying a fresh `make start`: an answer given again beside a new one is not "noted" as new
    again = respond(catalog, [*messages, assistant(reply.text), user("Text in, text out; no risk prediction needed.")])
    assert "Noted (prediction: no);" in again.text  # the text answers said again are not listed


def test_a_turn_that_changes_an_answer_is_applied_not_answered(catalog: Catalog) -> None:
    reply = ask(catalog, "actually the cloud is fine for us now", retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.answers["deploy_local"].value is False
    assert reply.answer is None and "| # |" in reply.text


def test_without_a_language_model_the_best_sentences_are_quoted_with_their_citation(catalog: Catalog) -> None:
    reply = ask(catalog, "Which LoRA rank did they fine-tune with?", retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.answer is not None and reply.answer["source"] == "extractive"
    assert "> We fine-tuned the model with LoRA at rank 16 on 2,000 reports. [1]" in reply.text
    assert [c.key for c in reply.citations] == ["lora-1"] and reply.answer["citations"] == [1]


def test_a_language_model_answer_keeps_the_sentences_that_rest_on_the_passages(catalog: Catalog) -> None:
    backend = FakeBackend(
        [
            "They used LoRA at rank 16 [1]. It ran on 8 GPUs for 3 days [1]. Radiologists preferred the drafts in "
            "71% of cases [1]. It also beats GPT-4 [2]."
        ]
    )
    reply = ask(catalog, "How was the report generator fine-tuned?", retriever=FakeRetriever([PAPER]), backend=backend)
    assert reply.answer is not None and reply.answer["source"] == "retrieval"
    assert "They used LoRA at rank 16 [1]." in reply.text and "71% of cases [1]." in reply.text
    assert "8 GPUs" not in reply.text and "3 days" not in reply.text  # numbers no passage holds
    assert "beats GPT-4" not in reply.text  # cites a passage that was not given
    assert reply.answer["dropped_sentences"] == 2 and reply.answer["dropped_numbers"] == 2
    assert reply.backend == "fake"


def test_when_every_sentence_fails_the_quotes_answer(catalog: Catalog) -> None:
    backend = FakeBackend(["The model needs 80 GB of memory."])  # no citation, no such number
    reply = ask(catalog, "How was the report generator fine-tuned?", retriever=FakeRetriever([PAPER]), backend=backend)
    assert reply.answer is not None and reply.answer["source"] == "extractive"
    assert reply.answer["dropped_sentences"] == 1 and "80 GB" not in reply.text


def test_an_english_sentence_without_its_citation_or_with_the_wrong_one_is_cited_to_the_passage_holding_it(
    catalog: Catalog,
) -> None:
    written = "They fine-tuned it with LoRA at rank 16. The fine-tuned model was preferred in 71% of cases [1 ]."
    backend = FakeBackend([written.replace("[1 ]", "[2]")])
    question = "How was the report generator fine-tuned, and was the fine-tuned model preferred?"
    reply = ask(catalog, question, retriever=FakeRetriever([PAPER]), backend=backend)
    assert reply.answer is not None and reply.answer["source"] == "retrieval"
    assert "LoRA at rank 16 [1]." in reply.text  # no citation: given the one that holds it
    assert reply.answer["dropped_sentences"] == 1  # it cites an excerpt it was not given: no second chance
    # a sentence that shares no word with the question is an excerpt echoed, not an answer
    echo = FakeBackend(["Radiologists preferred the fine-tuned drafts."])
    reply = ask(catalog, "Which LoRA rank did they use?", retriever=FakeRetriever([PAPER]), backend=echo)
    assert reply.answer is not None and reply.answer["source"] == "extractive"
    # what no passage holds is still dropped, cited or not
    invented = FakeBackend(["It ran on 8 GPUs for 3 days. The drafts were preferred in 71% of cases [1]."])
    reply = ask(catalog, "How was the report generator fine-tuned?", retriever=FakeRetriever([PAPER]), backend=invented)
    assert "8 GPUs" not in reply.text and reply.answer is not None and reply.answer["dropped_sentences"] == 1


def test_nothing_relevant_gives_the_refusal_with_the_closest_passages(catalog: Catalog) -> None:
    reply = ask(catalog, "What is the hospital's parking fee policy?", retriever=FakeRetriever([OTHER]))
    assert reply.answer is not None and reply.answer["source"] == "refusal"
    assert "The indexed literature does not say." in reply.text
    assert "- Flan-T5 (2023) [1]" in reply.text


def test_the_model_saying_the_excerpts_do_not_answer_gives_the_quotes(catalog: Catalog) -> None:
    backend = FakeBackend(["NOT IN THE EXCERPTS"])
    reply = ask(catalog, "How was the report generator fine-tuned?", retriever=FakeRetriever([PAPER]), backend=backend)
    assert reply.answer is not None and reply.answer["source"] == "extractive"  # relevance was decided already
    assert "NOT IN THE EXCERPTS" not in reply.text and "> We fine-tuned the model with LoRA" in reply.text


def test_a_written_answer_is_followed_by_the_sentences_it_rests_on_that_it_does_not_already_say(
    catalog: Catalog,
) -> None:
    backend = FakeBackend(["Radiologists preferred the fine-tuned drafts in 71% of cases [1]."])
    question = "Did radiologists prefer the fine-tuned drafts, and how many hours did the training take?"
    reply = ask(catalog, question, retriever=FakeRetriever([PAPER]), backend=backend)
    assert reply.answer is not None and reply.answer["source"] == "retrieval"
    answer, _, evidence = reply.text.partition("Where the answer rests (quoted as written):")
    assert "Radiologists preferred the fine-tuned drafts in 71% of cases [1]." in answer
    assert "> The training took 6 hours on one A100 GPU. [1]" in evidence  # the half the answer left out
    assert "71%" not in evidence  # what the answer already says is not quoted again
    assert reply.answer["citations"] == [1]


def test_an_english_sentence_that_adds_nothing_its_passage_holds_is_dropped(catalog: Catalog) -> None:
    backend = FakeBackend(["Insurance covers the report generator in the Excerpt [1]. They used LoRA at rank 16 [1]."])
    reply = ask(catalog, "How was the report generator fine-tuned?", retriever=FakeRetriever([PAPER]), backend=backend)
    assert reply.answer is not None and reply.answer["dropped_sentences"] == 1
    assert "Insurance" not in reply.text and "They used LoRA at rank 16 [1]." in reply.text


def test_a_sentence_that_only_says_the_question_back_is_dropped_in_any_language(catalog: Catalog) -> None:
    excerpts, _ = select_excerpts("LoRA rank", [PAPER], None)
    question = "¿Con qué rango de LoRA se ajustó el generador de informes?"
    echo = "Con el rango de LoRA se ajustó el generador de informes [1]."
    assert check_sentence(echo, excerpts, catalog, question=question, lang="es") == (False, 0)
    assert check_sentence("Se usó LoRA con rango 16 [1].", excerpts, catalog, question=question, lang="es") == (True, 0)
    vacuous = "The paper recommends using LoRA rank tricks [1]."
    assert check_sentence(vacuous, excerpts, catalog, question="Which LoRA rank tricks does the paper recommend?",
                          lang="en") == (False, 0)  # fmt: skip


def test_a_question_naming_the_users_documents_prefers_them(catalog: Catalog) -> None:
    card = passage("card-lora", "LoRA card", "LoRA fine-tuning adds small rank matrices to a frozen model.")
    own = passage("own-lora", "My paper", "LoRA at rank 16 was used for the report model in our study.")
    own = own.__class__(**{**own.__dict__, "kind": "user"})
    reply = ask(catalog, "What does the paper I added say about LoRA?", retriever=FakeRetriever([card, own]))
    assert [c.key for c in reply.citations] == ["own-lora"]


def test_the_answer_streams_after_the_deterministic_part_one_checked_sentence_at_a_time(catalog: Catalog) -> None:
    backend = FakeBackend(["They used LoRA at rank 16 [1]. Radiologists preferred the drafts in 71% of cases [1]."])
    messages = [*conversation(catalog), user("How was the report generator fine-tuned?")]
    pieces = list(respond_stream(catalog, messages, backend=backend, retriever=FakeRetriever([PAPER])))
    texts = [p for p in pieces if isinstance(p, str)]
    assert "still stands" in texts[0]  # the deterministic part comes first
    assert (
        "They used LoRA at rank 16 [1]." in texts and " Radiologists preferred the drafts in 71% of cases [1]." in texts
    )


def test_a_what_if_is_read_by_the_model_after_the_first_piece_is_sent(catalog: Catalog) -> None:
    # the model's reading of the supposed change takes seconds on two cores: the pointer goes out before it
    events: list[str] = []

    class Recording(FakeBackend):
        def complete_json(self, messages, schema, *, max_tokens=512):  # type: ignore[no-untyped-def]
            events.append("read: " + " ".join(str(m["content"]) for m in messages))
            return {}

    messages = [*conversation(catalog), user("What if we rented two H100s instead?")]
    for piece in respond_stream(catalog, messages, backend=Recording()):
        if isinstance(piece, str) and piece.strip():
            events.append("sent: " + piece)
    pointer = next(i for i, e in enumerate(events) if e.startswith("sent:") and "still stands" in e)
    supposed = next(i for i, e in enumerate(events) if e.startswith("read:") and "rented two H100s" in e)
    assert pointer < supposed
    assert any(e.startswith("sent:") and "2 x H100" in e for e in events[supposed:])  # then the what-if's answer


# --- the pieces ---------------------------------------------------------------------------------------------


def test_check_sentence_needs_a_given_citation_and_numbers_from_the_cited_passage(catalog: Catalog) -> None:
    excerpts, relevance = select_excerpts("LoRA rank", [PAPER], None)
    assert relevance != "not relevant" and excerpts[0].n == 1
    assert check_sentence("LoRA rank 16 was used [1].", excerpts, catalog) == (True, 0)
    assert check_sentence("LoRA rank 16 was used.", excerpts, catalog) == (False, 0)
    assert check_sentence("LoRA rank 16 was used [2].", excerpts, catalog) == (False, 0)
    assert check_sentence("LoRA rank 32 on 4 GPUs [1].", excerpts, catalog) == (False, 2)
    assert check_sentence("It needs 80 GB [1].", excerpts, catalog, facts="inference needs 80 GB") == (True, 0)


def test_a_figure_the_table_gives_for_another_model_size_is_dropped(catalog: Catalog) -> None:
    # seen on follow-ups holdout 16: "for Llama 2 13B ... the video RAM requirement is 3.9 GB" (3.9 is the 7B's)
    row = passage(
        "rsna-t2",
        "Open-source LLMs in radiology",
        "Llama 2 Chat (Meta): Video RAM Requirement (GB) 13 [§] (7B), 24 [§] (13B), 72 [§] (70B); "
        "Video RAM Requirement (4-Bit Quantized) 3.9 (7B), 7.3 (13B), 36.0 (70B).",
    )
    excerpts, _ = select_excerpts("How much video RAM does Llama 2 13B need at 4 bits?", [row], None)
    assert check_sentence("For Llama 2 13B at 4 bits the requirement is 3.9 GB [1].", excerpts, catalog) == (False, 1)
    assert check_sentence("Llama 2 13B needs 13 GB of video RAM [1].", excerpts, catalog) == (False, 1)
    assert check_sentence("For Llama 2 13B at 4 bits the requirement is 7.3 GB [1].", excerpts, catalog) == (True, 0)
    assert check_sentence("Llama 2 70B needs 36.0 GB at 4 bits and 72 GB without [1].", excerpts, catalog)[0]


def test_numbering_keeps_one_number_per_passage_and_renumbers_local_citations() -> None:
    numbering = Numbering()
    assert numbering.register([PAPER, OTHER]) == [1, 2]
    assert numbering.register([OTHER, passage("x", "X", "x x x")]) == [2, 3]
    assert renumber("see [1] and [2], [1, 2]", [2, 3]) == "see [2] and [3], [2, 3]"


def test_answer_stream_cites_in_the_replys_numbering(catalog: Catalog) -> None:
    numbering = Numbering()
    numbering.register([OTHER])
    backend = FakeBackend(["They used LoRA at rank 16 [1]."])
    pieces = list(answer_stream("LoRA rank?", [PAPER], catalog=catalog, lang="en", backend=backend, scorer=None,
                                register=numbering.register))  # fmt: skip
    assert pieces[0] == "They used LoRA at rank 16 [2]."
    final = pieces[-1]
    assert not isinstance(final, str) and final.cited == (2,) and final.source == "retrieval"


def test_a_model_that_says_the_excerpts_do_not_answer_gets_the_quotes_instead(catalog: Catalog) -> None:
    # seen on a question set written by others: the small model refused excerpts that held the answer ("48 GB")
    class WeakScorer:
        """Like a small embedding model: the right sentence only just above the line (relevance WEAK)."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.47 if "GB" in t else 0.2 for t in texts]

    paper = passage("letters-1", "Letters", "Fine-tuning ran on one workstation with a 48 GB GPU. It took a day.")
    question = "what hardware did they manage the finetuning on?"
    assert select_excerpts(question, [paper], WeakScorer())[1] == "weak"
    backend = FakeBackend([NOT_FOUND])
    pieces = list(answer_stream(question, [paper], catalog=catalog, lang="en", backend=backend, scorer=WeakScorer(),
                                register=Numbering().register))  # fmt: skip
    final = pieces[-1]
    assert not isinstance(final, str) and final.source == "extractive" and "48 GB GPU" in pieces[0]


# --- sizing --------------------------------------------------------------------------------------------------


def test_a_memory_question_is_answered_by_the_sizing_calculator_for_the_top_model(catalog: Catalog) -> None:
    reply = ask(catalog, "How much GPU memory would the top model need to run at 4-bit?")
    assert reply.recommendation is not None and reply.answer is not None
    assert reply.answer["source"] == "sizing"
    top = reply.recommendation.matches[0]
    assert top.name in reply.text and "4.25 bits per weight" in reply.text
    assert "tell me which GPUs you have" in reply.text  # the fit cannot be judged without them: it asks


def test_a_llama_cpp_quantisation_named_outright_is_the_one_sized(catalog: Catalog) -> None:
    # follow-ups holdout 20: "GGUF Q4_0" was sized as GGUF's default, Q4_K_M
    reply = ask(catalog, "Me LLaMA 70B als GGUF Q4_0: wie viel Speicher brauchen allein die Gewichte?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "q4_0 (4.5 Bit pro Gewicht)" in reply.text
    assert "q4_k_m" in ask(catalog, "How much memory does Me LLaMA 70B need as a GGUF?").text
    assert "int8" in ask(catalog, "How much memory does Me LLaMA 70B need as GGUF Q8_0?").text
    assert "awq" in ask(catalog, "How much memory does Me LLaMA 70B need in GPTQ?").text  # a 4-bit GPU format


def test_an_amount_of_memory_for_a_hypothetical_use_is_sized_not_the_studies_hardware(catalog: Catalog) -> None:
    # follow-ups holdout 20: "used" in "if a single nurse used it" read as the studies' reported hardware
    hypothetical = "if one nurse used llama2 7b at 4-bit with a 16,000-token context, how much gpu memory in total?"
    reply = ask(catalog, hypothetical)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "sized at that, not at the 16,000 asked for" in reply.text
    reported = read_question(catalog, "which GPU was LLaMA 2 7B fine-tuned on, and how much memory did it have?", None)
    assert reported.source == CATALOG


def test_one_card_named_by_its_memory_alone_is_checked_for_the_fit(catalog: Catalog) -> None:
    # follow-ups holdout 23: "would one 24 gb card cope" got the memory and a request to name the GPUs
    question = "llama2 7b in 8-bit for six nurses at once, 2,048 tokens each: memory all in? would one 24 gb card cope"
    reply = ask(catalog, question)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "one 24 GB card (21.6 GB of it usable): fits, 14.47 GB needed" in reply.text
    assert "`clinadvisor size llama2-7b`" in reply.text  # the source line still names the model
    assert "tell me which GPUs" not in reply.text
    big = ask(catalog, "Would Llama 2 70B at 16-bit run on a single 48GB GPU?")
    assert "one 48 GB card (43.2 GB of it usable): does not fit" in big.text
    spanish = ask(catalog, "¿Cabe LLaMA 2 7B a 4 bits en una tarjeta de 16 GB?")
    assert "una tarjeta de 16 GB (14.4 GB utilizables): cabe" in spanish.text
    # trying the API: an offer of A800s stated before took the place of the card the question named
    offered = "We were offered A800 40GB cards. Llama 2 7B at 8-bit for six users at once: would a single 24GB card do?"
    reply = ask(catalog, offered)
    assert "one 24 GB card (21.6 GB of it usable)" in reply.text and "on A800" not in reply.text


@pytest.mark.parametrize(
    ("question", "sized"),
    [
        ("Angenommen, wir wollten Llama 2 7B komplett nachtrainieren (alle Parameter, kein LoRA): wie viel "
         "GPU-Speicher?", "volle Feinabstimmung (alle Gewichte)"),
        ("How much memory to fine-tune all the weights of Llama 2 7B?", "full fine-tuning (every weight)"),
        ("How much memory to fine-tune Llama 2 7B with LoRA?", "fine-tuning with LoRA"),
        ("How much memory to fine-tune Llama 2 7B?", "fine-tuning with QLoRA"),
    ],
)  # fmt: skip
def test_the_fine_tuning_method_a_question_names_is_the_one_sized(catalog: Catalog, question: str, sized: str) -> None:
    # follow-ups holdout 23: "alle Parameter, kein LoRA" was sized as LoRA, and "nachtrainieren" not as training
    reply = ask(catalog, question)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert f"{sized}: " in reply.text, reply.text


def test_a_named_gpus_monthly_cost_bought_and_rented_is_answered_without_a_model(catalog: Catalog) -> None:
    # follow-ups holdout 20: "GPU" and "cloud" in the question were explained instead
    reply = ask(
        catalog,
        "Say we bought one RTX 4090 and ran it around the clock - what's the monthly cost including electricity, "
        "compared with renting a similar GPU in the cloud?",
    )
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert "buying $87.12 (amortised, with power); renting $1,372.40" in reply.text
    assert "per month" not in ask(catalog, "What does an RTX 4090 cost?").text


def test_the_price_of_the_card_a_statement_names_is_answered_not_the_catalog_described(catalog: Catalog) -> None:
    # follow-ups holdout 23: "what purchase price ... does your catalog have for that one?" described the catalog
    reply = ask(catalog, "We were offered NVIDIA A800 40GB cards. What price and power does your catalog give it?")
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert "240 W (TDP) and $10,600 to buy" in reply.text and "270 studies" not in reply.text
    assert "270 studies" in ask(catalog, "Where does your catalog come from?").text  # no card named: the catalog


def test_a_model_outside_the_review_is_sized_by_its_own_name(catalog: Catalog) -> None:
    reply = ask(catalog, "If we self-hosted MedGemma 27B instead, at 4 bits, how much memory would the weights need?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "MedGemma-27B-text-it in awq" in reply.text and "clinadvisor size MedGemma-27B-text-it" in reply.text


def test_the_fullest_name_wins_over_a_shorter_catalog_name(catalog: Catalog) -> None:
    question = read_question(
        catalog, "Could we run Llama 3.3 70B Instruct in 4-bit for 10 users at 8k tokens each?", None
    )
    assert question.source == SIZING and question.sizing_model == "Llama-3.3-70B-Instruct"
    reply = ask(
        catalog, "How many A40 cards for Llama 3.3 70B Instruct in 4-bit, 10 simultaneous users at 8k tokens each?"
    )
    assert "10 users at once with 8,000 tokens of context each" in reply.text
    assert "on A40: 2 GPUs needed" in reply.text
    # follow-ups holdout 31: the memory on each card, asked as often as the count ("how much memory per card?")
    total = re.search(r"= about ([\d.]+) GB of GPU memory", reply.text)
    each = re.search(r"2 GPUs needed, about ([\d.]+) GB on each", reply.text)
    assert total and each and abs(float(each[1]) - float(total[1]) / 2) < 1 and float(each[1]) < 48
    one = ask(catalog, "How much memory would Llama 3.3 70B Instruct need in 4-bit for one user on an H200?")
    assert "1 user at a time with" in one.text and "1 GPU needed; " in one.text and "GB on each" not in one.text


def test_a_model_named_in_the_statements_is_the_one_a_sizing_question_means(catalog: Catalog) -> None:
    parts = parse_message(
        "Sizing check: Llama 3.1 70B, 20 concurrent tumour-board users, 8,192 tokens of context each. "
        "What's the KV cache on top of the weights?"
    )
    question = read_question(catalog, parts.questions[0], None, parts.statements)
    assert question.source == SIZING  # a figure is asked, not the definition of a KV cache
    assert question.model is not None and question.model.id == "llama3-1-70b"
    reply = ask(catalog, f"{parts.statements} {parts.questions[0]}")
    assert "20 users at once with 8,192 tokens of context each" in reply.text


def test_how_many_of_a_named_gpu_is_a_sizing_question(catalog: Catalog) -> None:
    reply = ask(catalog, "We'd host Mistral 7B ourselves in fp16, 50 concurrent users at 8k context. How many H100s?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "50 users at once with 8,000 tokens of context each" in reply.text and "on H100" in reply.text


def test_how_many_people_at_the_same_time_is_a_sizing_question(catalog: Catalog) -> None:
    # follow-ups holdout 21: "a session open" read as the access question ("is it open?")
    statement = "Say we serve RaDialog at 4-bit on its single A40 48 GB."
    question = "How many radiologists could each have a 4,096-token session open at the same time?"
    assert read_question(catalog, question, None, statement).source == SIZING
    reply = ask(catalog, f"{statement} {question}")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "4,096 tokens of context" in reply.text and "A40" in reply.text
    assert read_question(catalog, "Is RaDialog open?", None).aspect == "access"
    # follow-ups holdout 27: a session length written before "sessions" hid the sessions
    statement = "Say we ran Llama 2 13B at 4 bit on a single L40S."
    question = "How many 4,096-token sessions could it hold at the same time?"
    assert read_question(catalog, question, None, statement).source == SIZING


def test_the_speed_of_a_vendors_service_is_not_a_sizing_question(catalog: Catalog) -> None:
    question = read_question(catalog, "What's the latency of Claude-instant in milliseconds?", None)
    assert question.model is not None and question.model.id == "claude-instant-v1-0"
    assert question.source == LITERATURE  # no hardware to size; only the literature could say


def test_a_family_name_written_like_a_name_finds_its_one_model(catalog: Catalog) -> None:
    from assistant.followups import find_model_mentions

    assert [m.models[0].id for m in find_model_mentions(catalog, "Is Claude-instant API-only?")] == [
        "claude-instant-v1-0"
    ]
    assert find_model_mentions(catalog, "what about radiology reports?") == ()  # a plain word names no model


def test_a_second_question_inherits_the_subject_of_the_first(catalog: Catalog) -> None:
    parts = parse_message("Is Claude-instant open weights or API-only? What does it charge per 1k input tokens?")
    first, second = parts.questions
    question = read_question(catalog, second, None, parts.statements, previous=first)
    assert question.model is not None and question.model.id == "claude-instant-v1-0"
    assert question.source == CATALOG and question.aspect == "price"
    docs = read_question(catalog, "and what did they find?", None, "", previous="In the paper I added, who took part?")
    assert docs.source == LITERATURE and docs.about_user_docs and docs.follows.startswith("In the paper I added")
    spanish = read_question(catalog, "¿Y cuánto cobra por cada 1k tokens?", None, "", previous=first)
    assert spanish.model is not None and spanish.model.id == "claude-instant-v1-0"  # "¿Y ...?" goes on too
    alone = read_question(catalog, "What is a context window?", None, "", previous="In the paper I added, who?")
    assert not alone.follows  # a question that does not go on from the last one keeps its own subject
    # follow-ups holdout 9 review: "y biobert? en su paper cuánto mejoró ...": "su" (its) points back too
    possessive = read_question(catalog, "en su paper cuánto mejoró en QA", None, "", previous="y biobert?")
    assert possessive.model is not None and possessive.model.id.startswith("biobert")
    # follow-ups holdout 30: "flan-t5 scaling paper: journal version? which journal" lost its subject
    fragment = read_question(catalog, "which journal", None, "", previous="flan-t5 scaling paper: journal version?")
    assert fragment.source == LITERATURE and fragment.follows.startswith("flan-t5 scaling paper")


def test_which_stage_the_need_was_put_in_is_answered_from_the_recommendation(catalog: Catalog) -> None:
    for question, expected in [
        ("Which stage am I in?", "stage II"),
        ("¿En qué etapa del flujo clínico has clasificado mi caso?", "etapa II"),
        ("In welche Stufe haben Sie meinen Fall eingeordnet?", " II,"),  # (the reply keeps the chat's language)
    ]:
        reply = ask(catalog, question)
        assert reply.answer is not None and reply.answer["source"] == "rules", question
        assert expected in reply.text, question
    assert read_question(catalog, "What is stage IV?", None).kind == "stage"  # a stage named is explained
    assert read_question(catalog, "and stage 2, which tasks does it cover?", None).kind == "stage"
    # a disease's stage in a question about a patient is no workflow stage (and no question for the catalog)
    clinical = "for a 68 yo with stage iii nsclc, would you go concurrent chemoradiation or surgery first?"
    assert read_question(catalog, clinical, None).kind not in ("stage", "sizing")  # nor a number of users
    assert read_question(catalog, "how much memory for 20 concurrent users on llama 2 7b?", None).kind == "sizing"


def test_the_reviews_sub_tasks_are_counted_per_stage_from_the_catalog(catalog: Catalog) -> None:
    # issue 8's catalog-shape questions ("how many sub-tasks does the review count under stage V?") were answered
    # from passages, or not at all when the question named the review
    one = ask(catalog, "Which sub-tasks does the review list under stage V?")
    assert one.answer is not None and one.answer["source"] == "catalog"
    assert "cover 10 sub-tasks" in one.text and "Discharge summary generation" in one.text
    every = ask(catalog, "How many sub-tasks does each stage have in the review?")
    assert every.answer is not None and every.answer["source"] == "catalog"
    assert "Sub-tasks per stage in the review: I 1, II 16, III 13, IV 16, V 10." in every.text
    # the counts are the catalog's own: they add up to the review's 56
    assert sum(int(n) for n in re.findall(r"\b[IV]+ (\d+)", every.text.split("per stage in the review:")[1])) == 56
    assert read_question(catalog, "What does the review say about stage III lung cancer?", None).kind != "stage"


def test_the_star_is_explained_in_german_too(catalog: Catalog) -> None:
    reply = ask(catalog, "Was bedeutet das Sternchen (*) hinter einem Modellnamen?")
    assert reply.answer is not None and reply.answer["source"] == "catalog"


def test_two_questions_with_one_answer_get_it_once(catalog: Catalog) -> None:
    reply = ask(catalog, "What would Qwen3-14B need at 4-bit for 6 pathologists at the same time? and would it fit?")
    assert reply.text.count("Qwen3-14B in awq") == 1
    assert "6 users at once" in reply.text


def test_the_situation_said_in_the_conversation_sizes_the_answer_and_the_recommendation(catalog: Catalog) -> None:
    messages = [*conversation(catalog), user("We have two A100 80GB GPUs and about 30 users at the same time.")]
    stated = respond(catalog, messages)
    assert stated.situation is not None and stated.situation.gpus is not None
    assert stated.situation.gpus.count == 2 and stated.situation.users == 30
    assert stated.extension()["situation"]["gpus"] == {"name": stated.situation.gpus.name, "count": 2}
    rec = stated.recommendation
    assert rec is not None and rec.matches[0].to_run is not None
    assert rec.matches[0].to_run.fp16.users == 30
    messages += [assistant(stated.text), user("Would RaDialog fit on them?")]
    reply = respond(catalog, messages)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "30 users at once" in reply.text and "fits your 2 x A100 80GB" in reply.text


def test_a_sizing_question_that_goes_on_from_the_turn_before_keeps_its_model_and_precision(catalog: Catalog) -> None:
    # tried through the CLI: "And with 12 radiologists using it simultaneously, 8k context?" after a sizing
    # answer got "the indexed literature does not say", and that answer asked how many people use it at once
    first = "How much GPU memory would the top model need at 4-bit for 30 users at once?"
    messages = [*conversation(catalog), user(first)]
    sized = respond(catalog, messages)
    assert sized.answer is not None and sized.answer["source"] == "sizing"
    assert "30 users at once" in sized.text and "tell me which GPUs you have" in sized.text
    assert "how many people use it at once" not in sized.text  # it was said
    messages += [assistant(sized.text), user("And with 12 radiologists using it simultaneously, 8k context?")]
    reply = respond(catalog, messages)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert reply.recommendation is not None
    top = reply.recommendation.matches[0]
    assert top.name in reply.text and "4.25 bits per weight" in reply.text  # the 4-bit of the question before
    assert "12 users at once" in reply.text and "the 8,000 asked for" in reply.text  # its own numbers win
    assert "12 users at once" not in sized.text
    messages += [assistant(reply.text), user("And at 8-bit?")]
    eight = respond(catalog, messages)
    assert eight.answer is not None and eight.answer["source"] == "sizing" and "int8" in eight.text
    assert top.name in eight.text and "12 users at once" in eight.text  # the chain of questions before it
    # a new load alone, without "at once" or a sizing word (tried through the API: the literature answered it)
    messages += [assistant(eight.text), user("And with 20 radiologists?")]
    twenty = respond(catalog, messages)
    assert twenty.answer is not None and twenty.answer["source"] == "sizing" and "20 users at once" in twenty.text


def test_why_a_model_used_for_none_of_the_tasks_is_missing_says_what_the_studies_used_it_for(catalog: Catalog) -> None:
    # follow-ups holdout 22: "RadFM is a radiology model, why isn't it on my list?" got only "no study used it for
    # summarisation"; the studies used it on images, which is what the user needs to hear
    rec = recommend(catalog, "II", {"radiology_report_summarization": True, "input_text_only": True})
    radfm = catalog.model("radfm-14b")
    text = why_not_text("en", catalog, rec, radfm)
    assert "no study in the review used it for" in text
    assert "The studies used it for: Report generation (II, image (3D) + text -> text, 4)" in text


def test_a_french_what_if_that_asks_a_monthly_cost_for_a_named_model_is_sized(catalog: Catalog) -> None:
    # found by the item-for-item run of all follow-up sets: once "et si" opened a what-if, "combien" was no
    # amount asked, so f17-38 got the top models' hardware instead of Llama 3 8B's monthly rent
    reply = ask(catalog, "Et si on louait une A100 40GB pour Llama 3 8B en 16 bits, ça coûterait combien par mois ?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "LLaMA3 8B" in reply.text and "$2,956.50" in reply.text


def test_a_clicked_situation_wins_and_a_bad_one_names_its_field(catalog: Catalog) -> None:
    from assistant.errors import InvalidInput

    messages = [*conversation(catalog), user("We have two A100 80GB GPUs.")]
    clicked = {"situation": {"gpus": {"name": "RTX 4090", "count": 1}}}
    reply = respond(catalog, messages, overrides=clicked)
    assert reply.situation is not None and reply.situation.gpus is not None and reply.situation.gpus.count == 1
    assert "4090" in reply.situation.gpus.name
    with pytest.raises(InvalidInput) as bad:
        respond(catalog, messages, overrides={"situation": {"gpus": {"name": "Quantum 9000", "count": 1}}})
    assert bad.value.param == "situation.gpus.name"


def test_a_hardware_what_if_shows_the_fit_on_the_supposed_gpus_and_changes_nothing(catalog: Catalog) -> None:
    reply = ask(catalog, "What if we bought one RTX 4090 and had 10 users?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "With 1 x RTX 4090, 10 users at once" in reply.text
    assert "does not fit your 1 x RTX 4090" in reply.text or "fits your 1 x RTX 4090" in reply.text
    assert reply.situation is None  # hypothetical: the conversation's situation is unchanged
    assert any("hypothetically" in n for n in reply.notices)


def test_api_prices_below_a_cent_keep_their_digits(catalog: Catalog) -> None:
    assert money(0.0005) == "$0.0005" and money(7799.0) == "$7,799" and money(3.75) == "$3.75"
    reply = ask(catalog, "What does GPT-3.5 cost per token?")
    assert "$0.00 in" not in reply.text


def test_a_citation_streamed_after_the_full_stop_stays_with_its_sentence() -> None:
    from assistant.sentences import SentenceBuffer

    buffer = SentenceBuffer()
    done: list[str] = []
    for piece in ["It reasons step by step", ".", " [", "1", "]", " Then", " it answers", ".", " [", "a]", " x"]:
        done += buffer.feed(piece)
    assert done == ["It reasons step by step. [1]", "Then it answers."]
    assert buffer.rest() == "[a] x"


def test_a_spanish_question_is_searched_in_english_and_answered_in_spanish(catalog: Catalog) -> None:
    from assistant.translation import to_english

    backend = FakeBackend(["How was the report generator fine-tuned?", "Usaron LoRA con rango 16 [1]."])
    retriever = FakeRetriever([PAPER])
    messages = [*conversation(catalog), user("¿Cómo se ajustó el generador de informes?")]
    reply = respond(catalog, messages, backend=backend, retriever=retriever)
    assert any("How was the report generator fine-tuned?" in q for q in retriever.queries)  # searched in English
    assert reply.answer is not None and reply.answer["source"] == "retrieval"
    assert "Usaron LoRA con rango 16 [1]." in reply.text  # answered in the user's language
    assert to_english("What is LoRA?", "en", backend) is None  # English questions are not translated


def test_a_french_question_in_a_conversation_held_in_english_is_searched_in_english(catalog: Catalog) -> None:
    # follow-ups holdouts 20 and 25: replies to French are written in English, so the conversation's language
    # stayed English and the question was never translated for the search
    backend = FakeBackend(["How was the report generator fine-tuned?", "They used LoRA with rank 16 [1]."])
    retriever = FakeRetriever([PAPER])
    reply = ask(catalog, "Comment le générateur de comptes rendus a-t-il été affiné ?", backend=backend,
                retriever=retriever)  # fmt: skip
    assert any("How was the report generator fine-tuned?" in q for q in retriever.queries)
    assert reply.answer is not None and reply.answer["source"] == "retrieval"


def test_a_restricted_models_reason_names_its_access_label(catalog: Catalog) -> None:
    reply = ask(catalog, "Why isn't RadOnc-GPT on my list?")
    assert "restricted: weights never released" in reply.text


def test_a_generic_word_joined_to_an_ordinary_one_names_nothing() -> None:
    assert named_terms("How many end up as API-only after the corrections?", "en") == []
    assert named_terms("Is Med-PaLM LLM-based, like GPT-4?", "en") == ["Med-PaLM", "GPT-4"]
    # a suffix that makes a name into a kind: the passages name Reflexion, not "Reflexion-style"
    assert named_terms("We'd use Reflexion-style prompts. What does that cost?", "en") == ["Reflexion"]
    # follow-ups holdout 25: a thing of the model's, hyphenated to its name, names the model
    assert named_terms("Could the first LLaVA-Med-checkpoint be loaded on its own?", "en") == ["LLaVA-Med"]


def test_a_version_written_apart_from_its_name_is_part_of_the_name(catalog: Catalog) -> None:
    assert "Claude 3.7" in named_terms("Is Claude 3.7 Sonnet in your price list?", "en")
    assert named_terms("What does Table 2.3 of version 1.2 say?", "en") == ["Table"]  # numbered parts name nothing
    # seen on follow-ups holdout 19: another version's prices were quoted for a version no passage names
    card = passage("claude-card", "Claude 3.5 Sonnet", "API price the tool shows for Claude 3.5 Sonnet: 0.003 USD per "
                   "1,000 input tokens and 0.015 USD per 1,000 output tokens.")  # fmt: skip
    reply = ask(catalog, "Is Claude 3.7 Sonnet in your price list? What would it cost per 1,000 tokens?",
                retriever=FakeRetriever([card]))  # fmt: skip
    assert reply.answer is not None and reply.answer["source"] == "refusal", reply.text
    known = ask(catalog, "What does Claude 3.5 Sonnet cost per 1,000 tokens?", retriever=FakeRetriever([card]))
    assert "0.003" in known.text
    # asked beside a catalog model, the unknown version does not borrow that model's facts
    assert unknown_variants(catalog, "What would Claude 3.7 Sonnet cost?") == ("Claude 3.7",)
    assert unknown_variants(catalog, "Claude 3.5 Sonnet or Gemini 1.5, and Table 2.3?") == ()
    both = ask(catalog, "What would Claude 3.7 Sonnet cost per 1,000 tokens, and why isn't GPT-4 on the list?",
               retriever=FakeRetriever([card]))  # fmt: skip
    assert [part["source"] for part in both.extension()["answer_parts"]] == ["refusal", "rules"]
    # the catalog's plain "Gemini" row is not Gemini 2.5 Pro; Gemini 1.5 is still found
    assert not find_model_mentions(catalog, "What does Gemini 2.5 Pro charge per million tokens?")
    assert find_model_mentions(catalog, "What does Gemini 1.5 charge per million tokens?")


def test_a_reference_lists_author_line_is_no_sentence() -> None:
    text = "Liu Z, Zhong A, Li Y, et al. QLoRA was used with 4 bits, as Smith J reported."
    assert split_sentences(text) == ["QLoRA was used with 4 bits, as Smith J reported."]


def test_a_cards_long_source_tag_does_not_hide_its_sentence() -> None:
    # follow-ups holdout 27: "Accepted at CVPR 2025 [paper page: https://...]" was dropped as mostly an address
    text = "- Accepted at CVPR 2025 [paper page: https://uni-medical.github.io/gmai-web/projects/slide-chat/]"
    assert split_sentences(text) == ["Accepted at CVPR 2025"]
    assert split_sentences("- Code and weights: https://github.com/some-lab/some-model-weights-release") == []


def test_no_sentence_ends_at_an_abbreviation_a_figure_follows() -> None:
    # follow-ups: "Published in: CVPR 2025, pp. 5134-5143" was quoted as "Published in: CVPR 2025, pp."
    text = "Published in: CVPR 2025, pp. 5134-5143 (arXiv 2410.11761). Fig. 2 shows the same effect."
    assert split_sentences(text) == [
        "Published in: CVPR 2025, pp. 5134-5143 (arXiv 2410.11761).",
        "Fig. 2 shows the same effect.",
    ]


def test_where_a_paper_appeared_and_who_wrote_it_are_quoted_first(catalog: Catalog) -> None:
    # follow-ups holdout 27: "which conference was it accepted at?" was refused while the card said "Accepted at
    # CVPR 2025": a short sentence scores low against the question it answers exactly. The venue and the authors
    # come from the document's metadata too: a body seldom says them
    body = passage(
        "card-slides",
        "SlideReader: a whole-slide pathology assistant",
        "SlideReader reads whole pathology slides and answers questions about them. It was trained on slide "
        "captions and question answer pairs about pathology slides.",
    )
    body = body.__class__(**{**body.__dict__, "kind": "card", "venue": "CVPR 2025, pp. 5134-5143"})
    guide = passage("guide", "A guide", "A general guide that mentions SlideReader only once, in passing.")
    guide = guide.__class__(**{**guide.__dict__, "kind": "card", "venue": "Some Journal 2024"})
    retriever = FakeRetriever([body, guide])
    about = "SlideReader, the model that reads pathology slides and answers questions?"
    venue = ask(catalog, f"Which conference accepted {about}", retriever=retriever)
    assert venue.answer is not None and venue.answer["source"] == "extractive"
    assert "> Published in: CVPR 2025, pp. 5134-5143 [1]" in venue.text
    assert "Some Journal" not in venue.text  # a guide that names SlideReader once is not the paper asked about
    authors = ask(catalog, f"Who wrote {about}", retriever=retriever)
    assert "Authors: A. Author, B. Author" in authors.text
    # the authors as the subject of something else ask nothing about who they are (follow-ups holdout 24)
    question = "How often did the authors find SlideReader best on pathology slides?"
    found_best = ask(catalog, question, retriever=retriever)
    assert "Authors:" not in found_best.text
    # asked in other languages (follow-ups holdout 28: "我保存的那篇 ... 是谁写的, 第一作者是谁")
    for asked in ("那篇论文是谁写的", "¿Quiénes son los autores del artículo?", "In welcher Zeitschrift erschien es?",
                  "wer hat das RaDialog-Paper geschrieben?", "¿Quién escribió el artículo de RadFM?"):  # fmt: skip
        facts = _publication_asked(asked)
        assert _says(facts, "Authors: A. Author") or _says(facts, "Published in: Nature Medicine")
    plain = ask(catalog, "What does SlideReader do with the pathology slides it reads?", retriever=retriever)
    assert "CVPR" not in plain.text.split("References")[0]  # not asked: the venue is not quoted first


def test_an_opinion_asked_is_declined_with_the_closest_passages(catalog: Catalog) -> None:
    reply = ask(catalog, "Just your honest opinion: would you trust OpenAI or Google more?",
                retriever=FakeRetriever([OTHER, PAPER]))  # fmt: skip
    assert reply.answer is not None and reply.answer["source"] == "refusal"
    assert "no opinion" in reply.text and reply.citations


@pytest.mark.parametrize(
    "question",
    [
        "for a 68 yo with stage iii nsclc, would you go concurrent chemoradiation or surgery first?",
        "62-jähriger Raucher, 8-mm-Rundherd im CT von heute. Reicht eine Kontrolle in 12 Monaten?",
        "My patient with a pressure ulcer on the sacrum: which dressing?",
        # follow-ups holdout 29: a Portuguese question on one patient's diuretic got passages
        "Doente com insuficiência cardíaca e creatinina a subir: devo suspender a furosemida na alta?",
    ],
)
def test_a_question_about_one_patients_care_is_declined(catalog: Catalog, question: str) -> None:
    reply = ask(catalog, question, retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.answer is not None and reply.answer["source"] == "refusal"
    declined = {"en": "individual patient", "de": "einzelner Patientinnen"}
    assert any(words in reply.text for words in declined.values())


def test_a_cohorts_ages_are_no_patient_case(catalog: Catalog) -> None:
    question = read_question(catalog, "The study had 120 patients aged 18-65 years old. What was the accuracy?", None)
    assert question.kind != "patient_case"
    ward = "Our ward has many 80-year-old patients. Which model drafts the falls notes?"
    assert read_question(catalog, ward, None).kind != "patient_case"
    cohort = "Patients with heart failure were studied in the paper I added: what did the model predict?"
    assert read_question(catalog, cohort, None).kind != "patient_case"


def test_rag_is_a_glossary_term(catalog: Catalog) -> None:
    assert find_terms("which libraries set up retrieval-augmented generation?") == ("rag",)
    assert "RAG (retrieval-augmented generation)**: Before the model answers" in ask(catalog, "What is RAG?").text


def test_a_tables_header_row_is_no_sentence_but_its_data_rows_are() -> None:
    table = "| Model | Parameters | Memory (GB) | Context |\n| Llama 2 Chat 70B | 70 | 72 | 4096 |"
    assert split_sentences(table) == ["| Llama 2 Chat 70B | 70 | 72 | 4096 |"]


@pytest.mark.parametrize(
    ("text", "named", "other"),
    [
        (  # an acronym the passage spells out
            "GPT-3.5 Turbo linked to the American College of Radiology appropriateness guidelines outperformed "
            "radiologists in applying these guidelines.",
            "Did GPT-3.5 with the ACR guidelines outperform radiologists?",
            "Did GPT-3.5 with the FDA guidelines outperform radiologists?",
        ),
        (  # a GPU named in the plural
            "Fine-tuning PaLM-E-84B needs 8 H100 GPUs, which cost 88 USD an hour to rent.",
            "How many H100s does fine-tuning PaLM-E-84B need?",
            "How many B200s does fine-tuning PaLM-E-84B need?",
        ),
        (  # a name typed without its hyphen
            "Radiology-Llama2 reached a ROUGE-1 of 0.4834 on MIMIC-CXR.",
            "radiology-llama2 rouge1 on mimic cxr??",
            "radiology-llama2 rouge2 on mimic cxr??",
        ),
        (  # a times sign typed as an x
            "Mixtral 8\u00d722B needs about 282 GB of GPU memory at 16-bit and 141 GB at 4-bit.",
            "how much GPU memory does mixtral 8x22b need at 4bit",
            "how much GPU memory does mixtral 8x13b need at 4bit",
        ),
    ],
)
def test_a_name_written_in_another_form_is_covered_and_another_name_is_not(text: str, named: str, other: str) -> None:
    source = passage("p-1", "Open-source LLMs in radiology", text)
    assert select_excerpts(named, [source], None)[1] != "not relevant"
    assert select_excerpts(other, [source], None)[1] == "not relevant"


def test_a_question_about_what_a_document_named_before_it_says_asks_the_literature(catalog: Catalog) -> None:
    context = "The RSNA open-source LLM review I added has a table of GPU memory needs."
    question = read_question(catalog, "What does it list for Llama 2 Chat 70B at 4 bits?", None, context=context)
    assert question.source == LITERATURE and question.about_user_docs and question.about == context
    alone = read_question(catalog, "How much memory would Llama 2 Chat 70B need at 4 bits?", None)
    assert alone.source == SIZING
    guide = "In the selection tool's own usage guide, what hourly price does it quote for fine-tuning PaLM-E-84B?"
    assert read_question(catalog, guide, None).source == LITERATURE


def test_a_two_part_question_gets_a_quote_for_each_part() -> None:
    assert question_parts("Which method did they use for the letters, and what hardware did it run on?") == [
        "Which method did they use for the letters",
        "what hardware did it run on",
    ]
    assert question_parts("What LoRA rank and learning rate did they use?") == [
        "What LoRA rank and learning rate did they use"
    ]
    letters = passage(
        "letters-1",
        "Physician letters",
        "The physician letters were generated by a fine-tuned model. Physicians rated the letters highly. "
        "The letters method was QLoRA fine-tuning. The letters covered diagnoses and treatments. "
        "Training ran on a single 48 GB GPU workstation.",
    )

    class TopicScorer:
        """Like a small embedding model: the letters topic dominates any query that names it."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            word = "letters" if "letters" in query else "gpu"
            return [0.9 if word in t.lower() else 0.1 for t in texts]

    question = "Which fine-tuning method did they use for the physician letters, and which GPU was the training on?"
    excerpts, _ = select_excerpts(question, [letters], TopicScorer())
    answer = extractive(question, excerpts, "en", TopicScorer())
    assert "QLoRA" in answer.text and "48 GB" in answer.text


def test_a_question_that_wants_a_figure_is_answered_with_the_sentence_that_gives_one() -> None:
    study = passage(
        "reader-1",
        "A reader study of report drafts",
        "Radiologists read the tuned drafts next to hand-written ones. Each radiologist said which of the drafts "
        "they preferred. Preferences of radiologists were recorded case by case in 2023. Tuned drafts won in "
        "71% of cases.",
    )

    class SubjectScorer:
        """Like a small embedding model: the more of the subject's words a sentence has, the higher it scores."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.4 + 0.05 * sum(w in t.lower() for w in ("radiologist", "prefer", "draft")) for t in texts]

    question = "in what % of cases did radiologists prefer the drafts"
    excerpts, _ = select_excerpts(question, [study], SubjectScorer())
    answer = extractive(question, excerpts, "en", SubjectScorer())
    assert "71% of cases" in answer.text
    # a year or a reference's volume and issue is no figure of that kind, except for a question that asks when
    assert not states_a_figure("Published in Radiology 2023;308(1):e230970.", question)
    assert states_a_figure("Submitted on 24 Oct 2024 (v1)", "when was v1 submitted")
    assert asks_for_a_figure("wie viele Tokens nimmt es") and not asks_for_a_figure("which techniques do they name")


def test_a_count_asked_is_answered_by_the_sentence_that_counts_that_thing() -> None:
    # seen on a question set written by others: "how many tasks" answered with a count of studies
    card = passage(
        "meds-1",
        "An instruction set for medicine",
        "The instruction dataset of the tuned model was used by 8 studies in the review. With its instruction "
        "dataset the tuned model scored 71% on an exam. The tuned model's instruction dataset holds 13.5 million "
        "samples. It gathers 58 corpora over 122 tasks.",
    )

    class FlatScorer:
        """Like a small embedding model that reads every sentence about the model as about equally close."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.6 for _ in texts]

    question = "how many tasks does the instruction dataset of the tuned model cover?"
    texts = split_sentences(card.text)
    scores, _ = _scores(FlatScorer(), question, texts)
    ranking = _ranking_scores(question, texts, scores)
    assert max(range(len(texts)), key=lambda j: ranking[j]) == 3  # "... over 122 tasks", though it shares fewer words
    excerpts, _ = select_excerpts(question, [card], FlatScorer())
    assert "122 tasks" in extractive(question, excerpts, "en", FlatScorer()).text


def test_a_question_in_a_language_replies_are_not_written_in_keeps_the_other_languages_line() -> None:
    # seen on a question set written by others: an Italian question, answered in English, was held to the
    # English line of the English embedding model and refused
    class Flat:
        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.4 for _ in texts]

    texts = ["Training data: 129B tokens for continued pretraining."]
    _, italian = _scores(Flat(), "e me llama, con quanti token hanno fatto il pretraining continuo?", texts, "en")
    _, english = _scores(Flat(), "and me llama, how many tokens did they pretrain it on?", texts, "en")
    assert italian < english


def test_a_sentence_giving_the_count_asked_makes_a_chatty_question_relevant() -> None:
    # seen on a question set written by others: the review's "270 studies" refused for a long, chatty question
    stated = passage("rev-1", "A review for clinicians", "It is meant for clinicians. Evidence base: 270 studies.")
    unstated = passage("rev-1", "A review for clinicians", "It is meant for clinicians. Evidence is summed per task.")

    class LowScorer:
        """Like a small embedding model reading a long question: everything scores below the line."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.33 for _ in texts]

    question = "how big is the evidence base behind these picks, like how many studies did the review go through?"
    assert select_excerpts(question, [stated], LowScorer())[1] != "not relevant"
    assert select_excerpts(question, [unstated], LowScorer())[1] == "not relevant"


def test_a_reference_line_is_not_quoted_as_an_answer_unless_the_question_asks_about_publication() -> None:
    review = passage(
        "rsna-1",
        "A tutorial on open models in radiology",
        "Radiology: Volume 314: Number 1 - January 2025 - radiology.rsna.org. Setting the temperature of the "
        "model to 0 makes it answer the same way each time. Temperature changes how varied the outputs are. "
        "A low temperature suits classification. Other settings matter less.",
    )

    class NameScorer:
        """Like a small embedding model taken in by a shared name: the journal's line scores highest."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            return [0.7 if "rsna" in t.lower() else 0.6 if "temperature" in t.lower() else 0.5 for t in texts]

    question = "what temperature does the RSNA tutorial suggest for the same answer every time"
    excerpts, _ = select_excerpts(question, [review], NameScorer())
    first = extractive(question, excerpts, "en", NameScorer()).text.splitlines()[1:3]
    assert all("Volume 314" not in line for line in first)
    asked = "in which volume and issue of the RSNA journal was the tutorial published"
    excerpts, _ = select_excerpts(asked, [review], NameScorer())
    assert "Volume 314" in extractive(asked, excerpts, "en", NameScorer()).text


def test_a_question_without_a_subject_is_about_the_one_model_the_message_names(catalog: Catalog) -> None:
    question = "¿Cuántas GPUs y de qué tipo hacen falta para el ajuste fino?"
    spanish = read_question(catalog, question, None, context="LLaMA 7B aparece en mi lista.")
    assert spanish.source == CATALOG and spanish.model is not None and spanish.model.name == "LLaMA"
    two = read_question(catalog, question, None, context="LLaMA 7B y RaDialog aparecen en mi lista.")
    assert two.model is None  # two models named: which one is meant is not guessed


def test_a_question_pointing_back_at_a_statement_is_read_and_answered_with_it(catalog: Catalog) -> None:
    claim = "Someone told me the report generator was fine-tuned with LoRA at rank 16."
    question = read_question(catalog, "Is that in the literature?", None, context=claim)
    assert question.source == LITERATURE and question.about == claim
    reply = ask(catalog, f"{claim} Is that in the literature?", retriever=FakeRetriever([OTHER, PAPER]))
    assert reply.answer is not None and reply.answer["source"] == "extractive"
    assert "LoRA at rank 16" in reply.text


def test_a_documents_title_in_the_question_picks_the_document_not_the_sentence() -> None:
    title = "Best Practices for Large Language Models in Radiology"
    paper = passage(
        "bp-1",
        title,
        "Best practices for large language models in radiology are reviewed here. "
        "Model cards and versioning are recommended for transparency.",
    )
    question = f"The '{title}' paper I added: what does it recommend for transparency?"
    assert without_titles(question, [paper]) == "the paper i added: what does it recommend for transparency?"
    assert without_titles("What does 'the paper' say?", [paper]) == "What does 'the paper' say?"
    possessives = "How often did they prefer RaDialog's reports over the other model's drafts?"
    assert without_titles(possessives, [paper]) == possessives  # an apostrophe inside a word quotes nothing
    excerpts, _ = select_excerpts(question, [paper], None)
    assert extractive(question, excerpts, "en", None).text.splitlines()[1].startswith("> Model cards and versioning")


def test_a_several_part_question_is_relevant_when_one_part_is() -> None:
    assert question_parts("What method did they take, and on what machine did it train?") == [
        "What method did they take",
        "what machine did it train",
    ]
    letters = passage("l-1", "Letters", "QLoRA fine-tuning was the method. It ran on one 48 GB workstation.")

    class PartScorer:
        """A whole two-part question matches every sentence weakly; each part matches its own sentence well."""

        def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
            if "machine" in query and "method" in query:
                return [0.3 for _ in texts]
            word = "method" if "method" in query else "workstation"
            return [0.8 if word in t else 0.1 for t in texts]

    question = "What method did they take, and on what machine did it train?"
    excerpts, relevance = select_excerpts(question, [letters], PartScorer())
    assert relevance != "not relevant"
    assert len(excerpts[0].sentences) == 2


def test_the_nth_model_of_the_list_is_the_one_a_question_means(catalog: Catalog) -> None:
    reply = ask(catalog, "and the second model on that list - how much GPU memory would it need at 8-bit?")
    assert reply.recommendation is not None and len(reply.recommendation.matches) >= 2
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    second = reply.recommendation.matches[1]
    assert f"{second.name} {second.size or ''}".strip() in reply.text and "int8" in reply.text


@pytest.mark.parametrize(
    ("question", "row"),
    [
        ("and the fourth one on my list - has it ever been reported best?", 4),
        ("the sixth on my list: how often was it reported best?", 6),
        ("el quinto de la lista: ¿cuántos estudios lo usaron?", 5),
    ],
)
def test_an_ordinal_up_to_the_tenth_points_at_that_row_in_the_languages_read(
    catalog: Catalog, question: str, row: int
) -> None:
    # follow-ups holdout 20: "the ninth one on my list" was not read as a row
    reply = ask(catalog, question)
    assert reply.recommendation is not None and len(reply.recommendation.matches) >= row
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert reply.recommendation.matches[row - 1].name in reply.text


def test_a_row_past_the_end_of_the_list_gets_what_the_list_holds(catalog: Catalog) -> None:
    # tried through the API: "the sixth one on my list" of a one-model list quoted GPT-3.5's counts
    reply = ask(catalog, "and the tenth one on my list, how often was it reported best?")
    assert reply.recommendation is not None and len(reply.recommendation.matches) < 10
    assert reply.answer is not None and reply.answer["source"] == "rules"
    assert "Your recommendation has no model number 10." in reply.text
    assert reply.recommendation.matches[0].label in reply.text


@pytest.mark.parametrize(
    ("question", "row"),
    [
        ("and the 3rd one on my list - has it ever been reported best?", 3),
        ("What about model #4, how often was it reported best?", 4),
        ("number 5 on the list: how many studies used it?", 5),
    ],
)
def test_a_row_by_its_number_points_at_that_row(catalog: Catalog, question: str, row: int) -> None:
    reply = ask(catalog, question)
    assert reply.recommendation is not None and len(reply.recommendation.matches) >= row
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert reply.recommendation.matches[row - 1].name in reply.text


def test_what_about_a_row_asks_why_that_model_is_listed(catalog: Catalog) -> None:
    # tried through the API: "what about row #2?" quoted unrelated passages of the literature
    reply = ask(catalog, "what about row #2?")
    assert reply.recommendation is not None and len(reply.recommendation.matches) >= 2
    assert reply.answer is not None and reply.answer["source"] == "rules"
    assert f"{reply.recommendation.matches[1].label} is recommended: it is number 2 of" in reply.text


@pytest.mark.parametrize("question", ["and the 12th model, how often was it reported best?", "what about #12?"])
def test_a_numbered_row_past_the_end_of_the_list_gets_what_the_list_holds(catalog: Catalog, question: str) -> None:
    # ordinals were read up to the tenth in words only: "the 12th" got another model's figures
    reply = ask(catalog, question)
    assert reply.recommendation is not None and len(reply.recommendation.matches) < 12
    assert reply.answer is not None and reply.answer["source"] == "rules"
    assert "Your recommendation has no model number 12." in reply.text


def test_a_number_of_gigabytes_or_a_model_size_is_no_row() -> None:
    from assistant.questions import _row_pointed_at

    for text in ("a 7b model at 4 bits", "would it fit in 24 gb", "model 13b", "number 30 users"):
        assert _row_pointed_at(text) is None, text


def test_papers_a_model_was_trained_on_are_not_the_studies_that_used_it(catalog: Catalog) -> None:
    # "how many papers" read as the review's study count when the question asked about the training text
    for question in ("How many papers was PMC-LLaMA trained on?", "PMC-LLaMA: how many papers are in its corpus?"):
        assert read_question(catalog, question, None).source == LITERATURE, question
    assert read_question(catalog, "How many papers used PMC-LLaMA?", None).kind == "usage"


def test_the_cheapest_and_the_dearest_gpu_come_from_the_catalogs_price_table(catalog: Catalog) -> None:
    # follow-ups holdout 21: "which GPU is the cheapest?" got what the tool rests on
    priced = sorted((s for s in catalog.gpus.values() if s.purchase_usd), key=lambda s: s.purchase_usd or 0)
    reply = ask(
        catalog, "Of the GPUs your catalog has purchase prices for, which is the cheapest, and what does it cost?"
    )
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert f"{priced[0].name}: ${priced[0].purchase_usd:,.0f}" in reply.text
    for question in ("¿Cuál es la tarjeta gráfica más cara del catálogo?", "Quale scheda grafica costa di più?"):
        dearest = ask(catalog, question)
        assert dearest.text.index(priced[-1].name) < dearest.text.index(priced[-2].name), question
        assert priced[0].name not in dearest.text


def test_how_many_rows_carry_hardware_figures_is_a_question_about_the_tool(catalog: Catalog) -> None:
    # follow-ups holdout 21: "how many of the review's 330 model rows come with GPU data?" was refused
    reply = ask(catalog, "How many of the review's 330 model rows actually come with any GPU data?")
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    with_hardware = sum(1 for m in catalog.models if m.phases)
    assert 0 < with_hardware < len(catalog.models)
    assert f"{with_hardware} of the {len(catalog.models)} model rows carry hardware figures" in reply.text


def test_a_document_the_user_added_named_in_dutch(catalog: Catalog) -> None:
    question = "In de primer die ik heb toegevoegd: op basis van welke criteria kiezen ze een LLM?"
    assert read_question(catalog, question, None).about_user_docs


def test_a_question_about_a_models_data_that_names_a_glossary_term_is_for_the_literature(catalog: Catalog) -> None:
    # follow-ups holdout 21: "what is that set called?" about OphGLM's fine-tuning set got the glossary's
    # "fine-tuning"; a question about the term itself still gets it
    context = "Our eye clinic looked at OphGLM."
    about_the_data = "In which language is its fine-tuning set described, and what is that set called?"
    assert read_question(catalog, about_the_data, None, context).source == LITERATURE
    assert read_question(catalog, "What is fine-tuning, and did OphGLM use it?", None).kind == "explain"


def test_your_data_is_the_catalog_not_a_document_cited(catalog: Catalog) -> None:
    # follow-ups holdout 20: "laut euren Daten" (according to your data) sent a catalog question to the literature
    german = "Clinical-T5-770M: auf welcher Hardware wurde es vortrainiert, und was hat die laut euren Daten gekostet?"
    assert read_question(catalog, german, None).source == CATALOG
    assert read_question(catalog, "According to your data, what did Clinical-T5-770M cost?", None).source == CATALOG
    assert read_question(catalog, "According to the review, what did Clinical-T5-770M cost?", None).source == LITERATURE


def test_a_question_about_formats_that_names_no_model_and_asks_no_amount_goes_to_the_literature(
    catalog: Catalog,
) -> None:
    methods = read_question(catalog, "gguf vs awq - which of the two can spill over into normal system RAM?", None)
    assert methods.source == LITERATURE
    amount = read_question(catalog, "How much memory would 30 users need at 4-bit?", None)
    assert amount.source == SIZING


def test_the_monthly_rent_of_a_model_without_reported_hardware_is_the_calculators_estimate(catalog: Catalog) -> None:
    assert not catalog.model("mmedins-llama-3-8b").phases  # no study reported its hardware
    reply = ask(catalog, "what would it cost per month to rent GPUs for mmedins llama 3 8b?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "renting $" in reply.text and "the reference type, as you named none" in reply.text
    reported = read_question(catalog, "Clinical Camel: what hardware does inference need and what does it cost?", None)
    assert reported.source == CATALOG  # a size of it has reported hardware: the catalog's price


def test_whether_an_encoder_can_write_is_answered_from_its_architecture(catalog: Catalog) -> None:
    text = "BERT and RoBERTa are on the list - can they actually draft a discharge letter?"
    question = read_question(catalog, text, None)
    assert (question.source, question.kind) == (RULES, "can_write")
    assert [m.id for m in question.named] == ["bert", "roberta"]
    reply = ask(catalog, question.text)
    assert reply.answer is not None and reply.answer["source"] == "rules"
    assert "BERT is an encoder-only model" in reply.text and "RoBERTa is an encoder-only model" in reply.text
    assert read_question(catalog, "Could BERT do that, or does it only classify?", None).kind == "can_write"
    # a model that writes is not asked about its architecture: how well it writes is for the literature
    assert read_question(catalog, "Can Llama 2 draft discharge letters as well as GPT-4?", None).kind != "can_write"


def test_why_a_model_is_recommended_names_the_sub_tasks_studies_found_it_best_at(catalog: Catalog) -> None:
    rec = respond(catalog, conversation(catalog)[:-1]).recommendation
    assert rec is not None
    reported = next(m for m in rec.matches if m.best)
    reply = ask(catalog, f"why is {reported.name} {reported.size or ''} recommended?")
    assert "Studies reported it best at:" in reply.text
    model = catalog.model(reported.id)
    best = [c.subtask for c in catalog.columns if (u := model.usage.get(c.id)) is not None and u.best]
    assert any(subtask in reply.text for subtask in best)


def test_a_sentence_a_document_repeats_is_quoted_once() -> None:
    repeated = "Renting eight of these GPUs in the cloud costs 88 dollars an hour."
    first = passage("guide-1", "Usage guide", f"{repeated} The example uses a radiologist.")
    second = passage("guide-2", "Usage guide", f"Step three repeats the example. {repeated}")
    excerpts, _ = select_excerpts("How much does renting the GPUs cost per hour?", [first, second], None)
    answer = extractive("How much does renting the GPUs cost per hour?", excerpts, "en", None)
    assert answer.text.count(repeated) == 1


def test_a_remark_on_the_literature_or_a_tag_question_is_no_statement_of_need(catalog: Catalog) -> None:
    remark = parse_message("GPT-4 was the most used model in that JMIR review. Why isn't it in my recommendation?")
    assert remark.statements == "" and remark.reported == ("GPT-4 was the most used model in that JMIR review.",)
    tagged = parse_message("why's there a star next to llama2 7b? its just one study isnt it")
    assert tagged.statements == "" and tagged.questions[-1] == "its just one study isnt it"
    # what the user needs, their situation and their own models stay statements
    assert parse_message("The model should write letters. Which one?").statements == "The model should write letters."
    assert parse_message("Llama 3.1 70B, 20 concurrent users. KV cache?").statements.startswith("Llama 3.1 70B")
    assert parse_message("We run Llama 3 on our own GPUs. How much memory?").statements.startswith("We run")
    before = ask(catalog, "Thanks.")
    for message in ("GPT-4 was the most used model in that review. Why is it not on my list?",
                    "why's there a star next to llama2 7b? its just one study isnt it"):  # fmt: skip
        assert ask(catalog, message).recommendation == before.recommendation


def test_a_models_catalog_facts_count_its_study_uses_and_cite_the_cards(catalog: Catalog) -> None:
    card = passage("gpt35-card", "GPT-3.5", "GPT-3.5 is used through OpenAI's API; its weights were never released.")
    retriever = FakeRetriever([card])
    reply = ask(catalog, "GPT-3.5: how many study uses does it have, and what's its API price?", retriever=retriever)
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    model = catalog.model("gpt-3-5-175b")
    used = sum(u.studies for u in model.usage.values())
    assert f"used it {used} time(s)" in reply.text and "cannot be downloaded" in reply.text
    assert reply.answer["citations"] and "GPT-3.5 is used through OpenAI's API" in reply.text


@pytest.mark.parametrize(
    "question",
    ["¿Qué GPU usaron los estudios con ClinicalBERT?", "Welche GPU nutzten die Studien mit ClinicalBERT?"],
)
def test_which_gpu_the_studies_used_is_the_reported_hardware_in_spanish_and_german(
    catalog: Catalog, question: str
) -> None:
    asked = read_question(catalog, question, None)
    assert (asked.source, asked.kind, asked.aspect) == (CATALOG, "model_fact", "hardware")


def test_a_monthly_rent_on_a_named_gpu_is_the_calculators_even_with_reported_hardware(catalog: Catalog) -> None:
    assert catalog.model("radialog-7b").phases  # studies reported its hardware (and the catalog prices that)
    asked = read_question(catalog, "How much would renting a single A100 80GB cost us per month to run RaDialog?", None)
    assert asked.source == SIZING
    assert read_question(catalog, "What does RaDialog's hardware cost?", None).source == CATALOG


# The statements around a question find the document; the question's own words pick the sentence that answers.
DRAFTS = passage(
    "drafts-1",
    "Report drafts study",
    "Radiologists preferred the fine-tuned drafts of reports in 71% of cases. Radiologists rated the fine-tuned "
    "drafts of reports as fluent. The fine-tuned drafts of reports needed fewer edits by radiologists. "
    "Radiologists found errors in few of the drafts of reports. Training took 6 hours on one A100 GPU.",
)


def test_a_question_read_with_the_statements_it_refers_to_is_answered_by_its_own_words(catalog: Catalog) -> None:
    message = (
        "The report drafts paper is about radiologists who preferred fine-tuned drafts of reports. "
        "What GPU was it trained on?"
    )
    reply = ask(catalog, message, retriever=FakeRetriever([DRAFTS]))
    assert reply.answer is not None and reply.answer["source"] == "extractive"
    assert "> Training took 6 hours on one A100 GPU. [1]" in reply.text


def test_own_words_that_say_almost_nothing_leave_the_statement_as_the_subject(catalog: Catalog) -> None:
    message = "The report drafts paper says radiologists found errors in few of the drafts. Is that in the literature?"
    reply = ask(catalog, message, retriever=FakeRetriever([DRAFTS]))
    assert reply.answer is not None and "> Radiologists found errors in few of the drafts of reports. [1]" in reply.text


def test_an_api_models_monthly_bill_for_a_stated_workload_comes_from_the_calculator(catalog: Catalog) -> None:
    reply = ask(catalog, "if we push about 500 letters a day of 2000 tokens each thru gpt-4 whats the monthly api bill")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    price = catalog.api_prices["gpt-4"]
    assert price.usd_per_1k_input_tokens is not None and price.usd_per_1k_output_tokens is not None
    half = 500 * 2000 * 30.42 / 2 / 1000  # thousands of tokens read, and as many written
    bill = half * price.usd_per_1k_input_tokens + half * price.usd_per_1k_output_tokens
    assert f"${bill:,.2f}" in reply.text and "500 requests a day of 2,000 tokens" in reply.text
    many = ask(catalog, "about 1,000 letters a day through gpt-4, ~3,000 tokens per request: the monthly api bill?")
    assert "1,000 requests a day of 3,000 tokens" in many.text  # the length said apart, the count grouped


def test_a_catalog_answer_quotes_the_sentence_of_its_evidence_that_answers_the_question(catalog: Catalog) -> None:
    card = passage(
        "llava-card",
        "LLaVA-Med",
        "LLaVA-Med is a vision-language assistant for biomedicine. It adapts LLaVA to biomedical figures and their "
        "captions. The whole model trains in under 15 hours on eight A100 GPUs.",
    )
    reply = ask(catalog, "how long did llava med take to train and on what gpus", retriever=FakeRetriever([card]))
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert '"The whole model trains in under 15 hours on eight A100 GPUs." [1]' in reply.text


def test_what_no_table_holds_about_a_model_is_asked_of_the_literature_which_may_say_it_does_not_say(
    catalog: Catalog,
) -> None:
    rec = respond(catalog, conversation(catalog)[:3]).recommendation
    cases = {
        "how much energy in kWh did it take to pretrain ClinicalBERT": LITERATURE,  # the tables hold watts
        "what were the CO2 emissions of training MEDITRON 70B": LITERATURE,
        "btw what did it cost openai to train gpt-4 in the first place": LITERATURE,  # the tables hold token prices
        "What would GPT-4 cost per 1k tokens?": CATALOG,
        "How much power does ClinicalBERT draw?": CATALOG,
        "Stromverbrauch Me LLaMA-70B?": CATALOG,  # German for the power it draws, which the tables hold
    }
    for text, source in cases.items():
        assert read_question(catalog, text, rec).source == source, text
    reply = ask(catalog, "what did it cost openai to train gpt-4", retriever=FakeRetriever([DRAFTS, OTHER]))
    assert reply.answer is not None and reply.answer["source"] == "refusal"


def test_they_after_a_statement_naming_the_users_paper_are_its_authors(catalog: Catalog) -> None:
    rec = respond(catalog, conversation(catalog)[:3]).recommendation
    context = "there's a paper in my uploads on fine-tuning llama for radiation oncology letters."
    question = read_question(catalog, "what gpu did they fine-tune on?", rec, context=context)
    assert question.source == LITERATURE and question.about_user_docs
    # without the user's paper named, the model's hardware is the catalog's to answer
    plain = read_question(catalog, "what gpu did they fine-tune llama on?", rec, context="we like llama.")
    assert plain.source == CATALOG


def test_a_document_named_before_a_dash_is_searched_for_what_the_question_asks_of_it(catalog: Catalog) -> None:
    question = read_question(catalog, "the report drafts paper I added - what GPU was the training run on", None)
    assert question.source == LITERATURE and question.about_user_docs
    assert (question.about, question.text) == ("the report drafts paper I added", "what GPU was the training run on")
    own, other = (p.__class__(**{**p.__dict__, "kind": "user"}) for p in (DRAFTS, OTHER))
    retriever = FakeRetriever([other, own])
    reply = ask(catalog, "the report drafts paper I added - what GPU was the training run on", retriever=retriever)
    # the paper's own passages are searched again by the question alone: the description finds its opening
    assert "what GPU was the training run on" in retriever.queries
    assert reply.answer is not None and "> Training took 6 hours on one A100 GPU. [1]" in reply.text


def test_a_paper_named_before_a_comma_is_the_topic_of_the_question_after_it(catalog: Catalog) -> None:
    # seen on a question set written by others: the statement ranked the paper's summary sentences first
    text = "there was a paper about doctor letters in radiation oncology, how did the clinicians score the benefit?"
    question = read_question(catalog, text, None)
    assert question.source == LITERATURE
    assert (question.about, question.own_words) == (
        "there was a paper about doctor letters in radiation oncology",
        "how did the clinicians score the benefit?",
    )
    # a comma that closes no document's name splits nothing
    plain = read_question(catalog, "for radiology reports, which open model needs the least memory?", None)
    assert plain.about == ""
    # nor does one after a phrase opened by a preposition: that phrase is part of the question
    across = read_question(catalog, "Across the whole review, how many uses does GPT-4 have?", None)
    assert across.about == "" and across.text.startswith("Across the whole review")


def test_a_question_about_the_users_paper_is_also_searched_by_its_own_words(catalog: Catalog) -> None:
    def own(key: str, text: str) -> Passage:
        found = passage(key, "Open models in radiology", text)
        return found.__class__(**{**found.__dict__, "kind": "user"})

    opening = own("review-1", "This review covers open models in radiology. It compares open and proprietary models.")
    dates = own("review-2", "The open models review was received April 10, 2024 and accepted July 24, 2024.")
    retriever = FakeRetriever([opening], [dates])  # the description finds the opening; the question, the dates
    reply = ask(catalog, "the open models review I added - when was it accepted", retriever=retriever)
    assert "when was it accepted" in retriever.queries
    assert reply.answer is not None and "accepted July 24, 2024. [" in reply.text


def test_a_sizing_answer_gives_the_hardware_and_power_studies_reported(catalog: Catalog) -> None:
    # LLaMA2 7B was fine-tuned on one Quadro RTX 8000 (295 W) in the review's data
    reply = ask(catalog, "What hardware would fine-tuning LLaMA2 7B take, and how much power does it draw?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "1 x NVIDIA Quadro RTX 8000, 48 GB in all, 295 W" in reply.text


# --- seen on follow-ups holdout 16 (a development set since) -------------------------------------------------


def test_an_api_bill_is_priced_from_the_workload_the_message_states_before_the_question(catalog: Catalog) -> None:
    message = "We'd send about 500 letters a day, ~2000 tokens each incl. the output. Monthly GPT-4 API bill?"
    reply = ask(catalog, message)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    # 500 x 2,000 tokens a day x 30.42 days, half of them written, at the catalog's GPT-4 prices
    from assistant.sizing import DAYS_PER_MONTH

    price = catalog.api_prices["gpt-4"]
    assert price.usd_per_1k_input_tokens is not None and price.usd_per_1k_output_tokens is not None
    thousands = 500 * 2000 * DAYS_PER_MONTH.value / 1000 / 2
    bill = thousands * (price.usd_per_1k_input_tokens + price.usd_per_1k_output_tokens)
    assert money(bill) in reply.text


def test_a_what_if_that_rents_gpus_says_what_they_cost_a_month(catalog: Catalog) -> None:
    hourly = next(r.usd_per_hour for r in catalog.rental_rates if r.basis == "gpu_type" and r.key == "H100")
    reply = ask(catalog, "What if we just rent a single H100 around the clock instead, what's that per month?")
    assert f"{money(hourly * 730)} a month" in reply.text
    two = ask(catalog, "What if we rented two H100s, what would that cost?")
    assert f"{money(2 * hourly * 730)} a month" in two.text
    # a what-if about hardware that asks no price gets no price lines
    assert "a month" not in ask(catalog, "What if we had a single H100?").text
    # a GPU's facts give the month around the clock beside the hourly rate
    assert f"{money(hourly * 730)} a month around the clock" in ask(catalog, "What does an H100 cost to rent?").text


@pytest.mark.parametrize(
    ("message", "sized"),
    [
        # follow-ups holdout 17: the top models' fit was shown instead of the model the what-if names
        ("hypothetically, if we ran Llama 2 70B in 8-bit for 20 nurses at the same time, 4096-token context each, "
         "on A100 80GB cards - how many cards, and how much of that is the weights?",
         "LLaMA2 70B in int8 (8 bits per weight), 20 users at once with 4,096 tokens"),
        # follow-ups holdout 25: "Total GPU memory, please." (no question) after the what-if got the top models' fit
        ("What if we swapped in Mistral 7B quantised to 4-bit AWQ and let 10 radiologists each keep an "
         "8,192-token session open at the same time? Total GPU memory, please.",
         "Mistral 7B in awq (4.25 bits per weight), 10 users at once"),
    ],
)  # fmt: skip
def test_a_what_if_that_asks_an_amount_for_a_model_it_names_is_sized_for_that_model(
    catalog: Catalog, message: str, sized: str
) -> None:
    reply = ask(catalog, message)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert sized in reply.text and "what it takes to run the top models" not in reply.text
    assert "your answers are unchanged" in reply.text  # still hypothetical


def test_a_what_if_that_asks_no_amount_shows_the_top_models_fit(catalog: Catalog) -> None:
    assert "what it takes to run the top models" in ask(catalog, "What if we had two A100 80GB cards?").text


def test_sizing_answers_give_the_kv_cache_per_token(catalog: Catalog) -> None:
    # follow-ups holdout 25 asked it in German; Mistral 7B: 2 x 32 layers x 8 KV heads x 128 x 2 bytes
    reply = ask(catalog, "How much GPU memory would Mistral 7B need at 4-bit for 10 users?")
    assert "KV cache per token of context: 131,072 bytes (128 KiB)" in reply.text


def test_a_what_if_whose_amount_a_question_of_its_own_asks_is_sized_once(catalog: Catalog) -> None:
    # trying the API: the question and the what-if each gave the same sizing
    asked = ask(catalog, "Suppose we went with Llama 2 13B in 8-bit, 12 nurses at once. How much GPU memory in total?")
    assert asked.text.count("memory: weights") == 1 and "LLaMA2 13B in int8" in asked.text


def test_which_entries_of_the_list_are_online_services_only_is_answered_from_the_list(catalog: Catalog) -> None:
    # follow-ups holdout 25: "which entries are hosted services only" was answered with loose passages
    messages = [user("I want to draft discharge letters from the ward notes. Text in, text out; the data may be "
                     "shared and the cloud is fine.")]  # fmt: skip
    first = respond(catalog, messages)
    assert first.recommendation is not None and first.kind == "recommendation"
    messages += [assistant(first.text), user("On my list, which entries are hosted services only?")]
    reply = respond(catalog, messages)
    assert reply.answer is not None and reply.answer["source"] == "rules"
    shown = first.recommendation.matches
    online = [m.label for m in shown if m.access == "API"]
    own = [m.label for m in shown if m.access == "Open"]
    assert online and own
    listed = reply.text.split("online services")[1]
    assert all(label in listed for label in online) and not any(label in listed for label in own)
    german = respond(catalog, [*messages[:-1], user("Welche davon laufen nur als Online-Dienst?")])
    assert german.answer is not None and german.answer["source"] == "rules"


def test_a_first_message_asking_which_model_is_best_at_a_task_asks_for_that_task(catalog: Catalog) -> None:
    # trying the API: the task was read, then lost when the history was read again under the stage found
    text = "What's the best model for summarising our radiology reports? Everything stays on our own servers."
    first = respond(catalog, [user(text)])
    assert first.answers["radiology_report_summarization"].value is True
    # after a recommendation, the same question changes no answer (a later turn's questions are not read)
    later = ask(catalog, "Which model is best at summarising radiology reports?")
    assert "radiology_report_summarization" not in later.answers
    # tried through the API: "Is there a model that can ...?" got the recommendation and, below it, "the indexed
    # literature does not say": the recommendation is the answer to such a first question
    for asked in ("Is there a model that can summarise our CT reports? Text only.",
                  "Gibt es ein Modell, das unsere CT-Befunde zusammenfasst? Nur Text."):  # fmt: skip
        reply = respond(catalog, [user(asked)])
        assert reply.recommendation is not None and reply.answer is None, asked


def test_how_often_each_model_the_question_before_named_was_reported_best(catalog: Catalog) -> None:
    # follow-ups holdout 22: "quante volte ciascuno ..." after a question naming two models went to the literature
    for first, second in (
        ("Why does RaDialog-7B have the asterisk and LLaMA2 doesn't?", "How many times was each reported best?"),
        ("Perché RaDialog-7B ha l'asterisco e LLaMA2 no?", "Quante volte ciascuno è stato indicato come il migliore?"),
    ):
        question = read_question(catalog, second, None, previous=first)
        assert (question.kind, {m.id for m in question.named}) == ("best_count", {"radialog-7b", "llama2"}), second
    assert ASPECTS["star"].search("perche ha l'asterisco?")


def test_how_often_models_were_reported_best_is_answered_from_the_reviews_counts(catalog: Catalog) -> None:
    for text in (
        "gpt4 vs gpt3.5, which one got reported best more often in the review? give numbers",
        "¿Cuántas veces fue GPT-4 el mejor modelo?",
        "Wie oft wurde GPT-4 in der Review als bestes Modell genannt?",
    ):
        question = read_question(catalog, text, None)
        assert (question.source, question.kind) == (CATALOG, "best_count"), text
    # seen on follow-ups holdout 17: a price asked beside the count is answered by the model's facts, which give both
    both = read_question(catalog, "GPT-4o: what per-1k-token prices does the tool print, and how often was it "
                         "reported best?", None)  # fmt: skip
    assert (both.kind, both.aspect) == ("model_fact", "price")
    assert "reported it best" in ask(catalog, both.text).text
    # a name with several rows in the review counts each row (seen trying the API: "medalpaca" gave only one)
    family = read_question(catalog, "how often did medalpaca come out best in the review?", None)
    assert {m.id for m in family.named} >= {"medalpaca", "medalpaca-7b", "medalpaca-13b"}
    # why a model ranks where it does is the rules' question, whatever it says of the counts
    why = read_question(catalog, "Why is GPT-3.5 above GPT-4 when GPT-4 was reported best more often?", None)
    assert why.kind != "best_count"
    reply = ask(catalog, "gpt4 vs gpt3.5, which one got reported best more often in the review? give numbers")
    counts = {}
    for model_id in ("gpt-4", "gpt-3-5-175b"):
        model = catalog.model(model_id)
        assert model is not None
        used, best = sum(u.studies for u in model.usage.values()), sum(u.best for u in model.usage.values())
        counts[model_id] = best
        assert f"{model.label}: reported best in {best} of its {used} uses" in reply.text
    assert counts["gpt-4"] > counts["gpt-3-5-175b"]
    assert reply.text.index("GPT-4:") < reply.text.index("GPT-3.5")  # the most often best first
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    # the cards that say the same are quoted under the counts, cited
    card = passage("gpt4-card", "GPT-4: catalog profile", "GPT-4 was reported best in 103 of its 137 uses.")
    cited = ask(catalog, "How often was GPT-4 reported best?", retriever=FakeRetriever([card]))
    assert "GPT-4: catalog profile" in cited.text and cited.answer is not None and cited.answer["citations"]


def test_a_service_sold_by_subscription_gives_the_price_tables_words_for_each_model_named(catalog: Catalog) -> None:
    # seen on follow-ups holdout 18: the reply said "no API price" and answered only the first model named
    reply = ask(catalog, "Gemini Ultra and Bing Chat have no token prices in your table. What do they cost?")
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert "19.99 USD per month" in reply.text and "119 USD per month" in reply.text
    assert "lists no API price" not in reply.text
    # only names joined by "and", "or" or a comma are asked about together
    question = read_question(catalog, "could we use mistral 7b instead of llama, what licence is mistral under", None)
    assert [m.label for m in question.named] == ["Mistral-7B"]


def test_a_version_the_catalog_lacks_is_not_answered_with_the_version_it_has(catalog: Catalog) -> None:
    from assistant.followups import unknown_variants

    assert unknown_variants(catalog, "is gpt-4.1 or GPT-4-turbo cheaper?") == ("gpt-4.1", "GPT-4-turbo")
    assert unknown_variants(catalog, "GPT-4o, gpt4 and GPT-4's price; Llama 2 7B at 4-bit on an a100") == ()
    question = read_question(
        catalog, "What would gpt-4.1 cost per million tokens?", None, context="We use GPT-4 for the letters now."
    )
    assert question.source == LITERATURE and question.model is None
    # the model the rest of the message names still answers a question that names none ("what does it cost?")
    assert read_question(catalog, "What does it cost?", None, context="We use GPT-4 now.").model is not None


@pytest.mark.parametrize(
    "question",
    [
        "Sur combien d'études ça repose ?",  # follow-ups holdout 23: answered from the literature ("does not say")
        "Su quanti studi si basa?",
        "Em quantos estudos se baseia?",
        "Op hoeveel onderzoeken is dat gebaseerd?",
    ],
)
def test_how_many_studies_in_other_languages_is_the_catalogs_count(catalog: Catalog, question: str) -> None:
    asked = read_question(catalog, question, None, "Baichuan 2 est dans ma liste.")
    assert (asked.kind, asked.model.id if asked.model else None) == ("usage", "baichuan-2")


def test_a_rental_price_asked_by_someone_who_runs_locally_is_given(catalog: Catalog) -> None:
    # follow-ups holdout 23: the user runs models on their own servers, so only the purchase price was shown
    reply = ask(catalog, "PEGASUS-568M: if we rented its fine-tuning GPU in the cloud, what's the hourly rate?")
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert "$4.05/h to rent" in reply.text
    assert "to rent" not in ask(catalog, "What hardware did PEGASUS-568M need?").text  # local: purchase and power


@pytest.mark.parametrize(
    "turn",
    [
        # follow-ups holdout 23: read as a need ("prediction: yes") and the table came back changed
        "O ClinicalBERT aparece na previsão de DRG na fase de alta. Qual foi a acurácia dele nessa tarefa?",
        "ClinicalBERT figure dans la prédiction des GRD. Quelle était sa précision ?",
        # follow-ups holdout 24: "as far as I know" had made the remark the user's own words
        "ClinicalBERT was also used for DRG prediction, and as far as I know it's open. So why isn't it on my list?",
    ],
)
def test_a_remark_about_a_model_beside_a_question_is_not_read_as_a_need(catalog: Catalog, turn: str) -> None:
    reader = ReadingRecorder()
    reply = ask(catalog, turn, backend=reader, retriever=FakeRetriever([OTHER, PAPER]))
    assert not any("ClinicalBERT" in text for text in reader.read)
    assert "| # |" not in reply.text and "disease_prediction" not in reply.answers
    assert parse_message("We now want DRG prediction too. Which models cover it?").statements  # our own need


def test_a_statement_of_the_gpus_beside_a_question_stays_a_statement() -> None:
    # a GPU's name looks like a model's version ("A100"): the hardware is the user's situation, not a remark
    assert parse_message("2 A100 in house. Which model fits?").statements == "2 A100 in house."
    assert parse_message("Two L40S in the basement. Which model fits?").statements == "Two L40S in the basement."


def test_a_what_if_that_asks_an_amount_of_it_goes_on_from_the_question_before(catalog: Catalog) -> None:
    # trying the API: "And if we did a complete fine-tune of it, all weights, how much memory?" after a question
    # about Qwen3-8B was read as a what-if that changed no answer ("I could not tell which answer ...")
    messages = conversation(catalog)
    first = "Could 3 pharmacists at the same time use Qwen3-8B at 4-bit on one 12 GB card?"
    sized = respond(catalog, [*messages, user(first)])
    assert "one 12 GB card (10.8 GB of it usable): fits, 7.45 GB needed" in sized.text
    then = "And if we did a complete fine-tune of it, all weights, how much memory?"
    reply = respond(catalog, [*messages, user(first), assistant(sized.text), user(then)])
    assert "full fine-tuning (every weight): about 149.49 GB" in reply.text
    assert "does not fit, 149.49 GB needed" in reply.text  # the training is what must fit, not the serving


def test_several_answers_each_name_the_question_they_answer(catalog: Catalog) -> None:
    reply = ask(catalog, "why isn't gpt-4 on the list, and how many watts would the first model draw?")
    headings = [line for line in reply.text.splitlines() if line.startswith("### Answer")]
    assert len(headings) == 2
    assert "gpt-4" in headings[0] and "watts" in headings[1]  # each quotes the part it answers


def test_which_models_were_left_out_lists_every_model_the_answers_keep_off_the_list(catalog: Catalog) -> None:
    for question in ("Which models were left out because they are API-only?", "¿Cuáles se quedaron fuera?"):
        reply = ask(catalog, question)
        rec = reply.recommendation
        assert rec is not None and reply.answer is not None and reply.answer["source"] == "rules", question
        listed = {m.label for m in rec.matches}
        lines = [line for line in reply.text.splitlines() if line.startswith("- ")]
        assert any(line.startswith("- GPT-4:") for line in lines), question
        assert not any(line[2:].split(":")[0] in listed for line in lines)  # none of them is on the list


def test_a_sizing_question_naming_a_size_the_top_model_lacks_is_not_sized_as_the_top_model(catalog: Catalog) -> None:
    reply = ask(catalog, "the review's table also has a huge pixtral model. 124B version: how much gpu memory at 4bit?")
    rec = reply.recommendation
    assert rec is not None
    top = catalog.model(rec.matches[0].id)
    assert top is not None and f"for {top.label}" not in reply.text and f"{top.label} in " not in reply.text
    assert reply.answer is not None and reply.answer["source"] != "sizing"


def test_a_price_asked_in_french_with_renting_named_gets_the_rental_price(catalog: Catalog) -> None:
    question = "BART 406M est dans ma liste. Si on louait le GPU de son fine-tuning, ça coûterait combien de l'heure ?"
    read = read_question(catalog, question, None)
    assert read.source == CATALOG and read.aspect == "price"
    assert "/h to rent" in ask(catalog, question).text  # local answers, but renting asked: both prices


def test_which_models_were_left_out_before_any_list_says_there_is_none_yet(catalog: Catalog) -> None:
    # trying the CLI: asked before any task was named, it said no model had been left off "your list"
    messages = [user("GP practice here; text in and out, and the cloud is fine."), user("which ones got left out?")]
    reply = respond(catalog, messages)
    assert "There is no recommendation yet" in reply.text and "every such model is on your list" not in reply.text


def test_a_monthly_price_asked_in_french_is_per_month(catalog: Catalog) -> None:
    # trying the CLI: "combien par mois" got the card's purchase price only
    assert asks_per_month("si on louait un A100, combien par mois ?")
    assert "per month" in ask(catalog, "si on louait un A100 pour le premier modèle, combien par mois ?").text


def test_the_first_model_of_a_list_that_holds_none_is_not_sized_from_the_literature(catalog: Catalog) -> None:
    # trying the API: sending children to a clinic from typed triage notes, data kept in, run in the cloud: only
    # API-only models cover it, so the list is empty and "the first model" is none
    need = (
        "Paediatric ED: the model reads the triage nurse's typed notes and suggests which specialty clinic to book. "
        "Only text. The data must not be shared, and we'd run it in the cloud."
    )
    first = respond(catalog, [user(need)])
    assert first.recommendation is not None and not first.recommendation.matches
    assert not first.recommendation.partial_matches
    question = "How much GPU memory would the first model need for 8 nurses at the same time?"
    reply = respond(catalog, [user(need), assistant(first.text), user(question)])
    assert "holds no model to size" in reply.text and "From the indexed literature" not in reply.text


def test_which_models_did_not_make_the_cut_is_the_left_out_question(catalog: Catalog) -> None:
    reply = ask(catalog, "Which models didn't make the cut, and what kept them out?")
    assert reply.answer is not None and reply.answer["source"] == "rules" and "- GPT-4:" in reply.text


def test_a_memory_question_about_the_first_model_in_polish_is_sized(catalog: Catalog) -> None:
    # trying the API after a fresh make start: it went to the literature ("pamięci", "pierwszy model" unknown)
    question = "Ile pamięci GPU potrzebuje pierwszy model dla 5 pielęgniarek jednocześnie, z kontekstem 8 192 tokenów?"
    reply = ask(catalog, question)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "5 users at once" in reply.text  # (the first model here is an encoder: its context is capped)


@pytest.mark.parametrize(
    "question",
    [
        "How many models match my answers in total?",
        "Combien de modèles correspondent à mes critères au total ?",
        "Quanti modelli restano in tutto?",
        "表示されているのは上位10件だけですが、条件に合うモデルは全部で何件ありますか\uff1f",
        "符合我条件的模型一共有多少个\uff1f",
    ],
)
def test_how_many_models_the_list_holds_is_asked_in_the_languages_read(catalog: Catalog, question: str) -> None:
    # follow-ups holdout 25: the Japanese count question got the literature's refusal
    reply = ask(catalog, question)
    assert reply.recommendation is not None and reply.answer is not None and reply.answer["source"] == "rules"
    assert f"{len(reply.recommendation.matches)} models" in reply.text


@pytest.mark.parametrize(
    "question",
    [
        "In which sub-tasks was RaDialog-7B never the best?",
        "In quali sottocompiti RaDialog-7B non è mai risultato il migliore?",
    ],
)
def test_a_question_about_a_models_sub_tasks_gets_its_per_sub_task_counts(catalog: Catalog, question: str) -> None:
    # follow-ups holdout 25: asked in Italian, it got the literature's refusal
    reply = ask(catalog, question)
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert "Report summarization (text): used 1 time(s), reported best 0 time(s)" in reply.text


def test_counts_asked_for_one_sub_task_are_that_sub_tasks(catalog: Catalog) -> None:
    # follow-ups holdout 26: asked for the de-identification studies, the answer gave each model's totals only
    reply = ask(catalog, "For the de-identification studies specifically, was GPT-3.5 ever reported best? And GPT-4?")
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    gpt35 = next(m for m in catalog.find_models("GPT-3.5") if m.usage)
    column = catalog.columns_named("de-identification")[0]
    usage = gpt35.usage[column.id]
    assert (
        f"{gpt35.label}: stage V, {column.task} / {column.subtask} (text): used {usage.studies} time(s)" in reply.text
    )


def test_a_sub_task_is_found_by_its_name_written_as_people_write_it(catalog: Catalog) -> None:
    assert {c.subtask for c in catalog.columns_named("the de-identification studies")} == {"Text deidentification"}
    assert catalog.columns_named("how well does it answer questions?") == ()


def test_a_fit_asked_right_after_a_sizing_question_sizes_the_same_load(catalog: Catalog) -> None:
    # follow-ups holdout 26: "Cabe numa RTX 4090?" (no "it", no "and") sized one user at 16-bit instead
    reply = ask(
        catalog,
        "Se 16 enfermeiros usarem o LLaMA2-7B em 4 bits ao mesmo tempo, cada um com 2.048 tokens de contexto, "
        "quanta memória de GPU é precisa no total? Cabe numa RTX 4090 de 24 GB?",
    )
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    fit = reply.text.split("Cabe numa RTX 4090")[1]
    assert "16 users at once with 2,048 tokens" in fit and "does not fit your 1 x RTX 4090" in fit


def test_a_japanese_sizing_question_reads_its_precision_and_load(catalog: Catalog) -> None:
    question = (
        "「LLaMA 70B」をfp16で、同時に5人・各4,096トークンで動かす場合、GPUメモリは合計どのくらい必要ですか\uff1f"
    )
    reply = ask(catalog, question)
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "in fp16" in reply.text and "5 users at once with 4,096 tokens" in reply.text


def test_how_much_memory_asked_in_chinese_is_no_count_of_models(catalog: Catalog) -> None:
    # trying the API: "需要多少显存" (how much memory) beside "模型" was answered with the list's count
    reply = ask(catalog, "同时8人使用第一个模型\uff0c4位量化\uff0c需要多少显存\uff1f")
    assert reply.answer is not None and reply.answer["source"] == "sizing"


def test_a_count_asked_before_there_is_a_list_says_there_is_none_yet(catalog: Catalog) -> None:
    # trying the API: "0 cover some of them: ." before any task was known
    messages = [user("We have no servers, so a hosted service is fine.")]
    first = respond(catalog, messages, overrides={"stage": "I"})
    assert first.recommendation is not None and first.recommendation.status == "need_more_info"
    asked = [*messages, assistant(first.text), user("How many models match my answers?")]
    reply = respond(catalog, asked, overrides={"stage": "I"})
    assert reply.answer is not None and reply.answer["source"] == "rules"
    assert "no recommendation yet" in reply.text and "0 cover" not in reply.text


def test_the_speed_of_an_api_is_no_question_of_its_access(catalog: Catalog) -> None:
    # follow-ups holdout 27: "the latency of the GPT-4 API" got the access fact ("GPT-4 is an API model")
    for question in (
        "What's the average latency of the GPT-4 API from a server in Europe, in milliseconds?",
        "Quelle est la latence moyenne de l'API de GPT-4 depuis un serveur en Europe, en millisecondes ?",
    ):
        assert read_question(catalog, question, None).source == LITERATURE
    assert read_question(catalog, "Is GPT-4 an API model?", None).aspect == "access"


# --- follow-ups holdout 30 -----------------------------------------------------------------------------------


def test_what_about_a_model_then_a_question_asks_that_question_of_it(catalog: Catalog) -> None:
    # "Med42-v2 is on our list, but what about the older Med42 70B: which GPUs ...?" got why Med42-v2 is listed
    messages = [user("I'm an oncologist; I want treatment plan suggestions drafted. The cloud is fine.")]
    messages += [assistant(respond(catalog, messages).text), user("Only text in and out; the data may be shared.")]
    messages += [assistant(respond(catalog, messages).text)]
    question = (
        "Med42-v2 is on our list, but what about the older Med42 70B: which GPUs does your catalog give for "
        "running it, and what's the total purchase price?"
    )
    reply = respond(catalog, [*messages, user(question)])
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    assert "2 x NVIDIA A40" in reply.text
    assert "$15,598 to buy" in reply.text  # the purchase asked for, though the deployment is the cloud
    sized = respond(catalog, [*messages, user(
        "Suppose we swapped the LLaMA2 for Llama 2 13B at 4-bit (AWQ) and pasted in about 8,000 tokens of prior "
        "reports. What's the total GPU memory?"
    )])  # fmt: skip
    # an amount asked of the model the what-if names (the one named last), not what a GPU is
    assert sized.answer_parts[0]["source"] == "sizing" and "LLaMA2 13B in awq" in sized.text


def test_a_model_is_named_by_its_name_before_the_bracket(catalog: Catalog) -> None:
    found = find_model_mentions(catalog, "PhenoGPT, the Falcon-based 7B one: what GPU is listed for it?")
    assert [m.id for mention in found for m in mention.models] == ["phenogpt-falcon-7b"]
    assert [m.id for mention in find_model_mentions(catalog, "PaLM2 price") for m in mention.models] == ["palm2"]


def test_a_measure_no_source_holds_is_a_question_for_the_literature_which_does_not_say(catalog: Catalog) -> None:
    # "uptime SLA for the claude 3.5 sonnet api?" was answered with the model's access; "the median age of the
    # patients" with sentences that gave none; "how many TPU chips did Google use" with a sizing estimate
    sla = read_question(catalog, "uptime SLA for the claude 3.5 sonnet api?", None)
    assert sla.source == LITERATURE
    tpus = read_question(catalog, "How many TPU chips did Google use to fine-tune Med-PaLM 2?", None)
    assert tpus.source == LITERATURE
    age = "In the physician-letter paper, what was the median age of the patients?"
    assert "age" in {m.name for m in asked_measures(age)}
    assert unstated(age, ["The study fine-tunes LLaMA-3 models for physician letters."], english=True) == "age"
    assert unstated(age, ["The median age of the patients was 64 years."], english=True) is None


def test_a_context_said_in_turkish_and_a_written_share_are_read_for_sizing(catalog: Catalog) -> None:
    # a Turkish "2.048 token" context ("2.048 tokens of context each"): the context was the default 4,096
    turkish = ask(catalog, "LLaMA2-7B'yi 4 bit (AWQ) olarak tek bir RTX A4000 kart\u0131nda "
                  "çal\u0131şt\u0131r\u0131rsak, her biri 2.048 token bağlaml\u0131 kaç "
                  "eşzamanl\u0131 oturum aç\u0131labilir?")  # fmt: skip
    assert turkish.answer is not None and turkish.answer["source"] == "sizing"
    assert "2,048 tokens of context" in turkish.text
    # "only 30% of those tokens were generated output": the bill was priced half read, half written
    bill = "If Google Bard drafted 1,000 discharge letters a day at roughly 1,000 tokens each, and only 30% of "
    thirty = ask(catalog, bill + "those tokens were generated output, what would the monthly API bill be?")
    half = ask(catalog, bill.split(", and only")[0] + ", what would the monthly API bill be?")
    assert "(70% read, 30% written)" in thirty.text and "(50% read, 50% written)" in half.text
    cost = [float(re.search(r"about \$([\d,.]+) a month", r.text).group(1).replace(",", "")) for r in (thirty, half)]
    assert cost[0] < cost[1]  # written tokens cost more than read ones


def test_an_abbreviation_does_not_end_the_question() -> None:
    # follow-ups holdout 31: "Does the Savage et al. open-source review ...?" was answered as two questions
    parts = parse_message(
        "Our physicist insists a 4-bit 70B always loses. Does the Savage et al. review I added take a position, "
        "e.g. on a 70B vs. a 13B? Thanks."
    )
    assert parts.questions == ("Does the Savage et al. review I added take a position, e.g. on a 70B vs. a 13B?",)


def test_a_question_about_two_gpus_answers_for_each(catalog: Catalog) -> None:
    # follow-ups holdout 31: the A40 named second got no line
    reply = ask(
        catalog,
        "For the ward server we're torn between an RTX A6000 and an A40, both 48 GB. What purchase price and "
        "power rating does your catalog give for each?",
    )
    assert reply.answer is not None and reply.answer["source"] == "catalog"
    for gpu in ("RTX A6000", "A40"):
        spec = catalog.gpus[f"NVIDIA {gpu}"]
        assert f"NVIDIA {gpu}:" in reply.text and money(spec.purchase_usd or 0) in reply.text


@pytest.mark.parametrize(
    "question",
    [
        "Of the models on my list, does any of them have a star?",
        "¿Alguno lleva estrella?",
        "Hat eines der Modelle einen Stern?",
        "Est-ce qu'un de ces modèles a une étoile ?",
    ],
)
def test_which_models_on_the_list_carry_a_star_is_answered_from_the_recommendation(
    catalog: Catalog, question: str
) -> None:
    # follow-ups holdout 31: "¿alguno lleva estrella?" named no model and was searched in the literature
    reply = ask(catalog, question)
    assert reply.recommendation is not None and reply.answer is not None and reply.answer["source"] == "rules"
    starred = [m.label for m in reply.recommendation.matches if m.star]
    others = [m.label for m in reply.recommendation.matches if not m.star]
    assert starred and others  # the conversation's list has both kinds
    answer = reply.text.split("\n\n")[1]
    assert answer.startswith(f"{len(starred)} ") and answer.split(": ", 1)[1].rstrip(".").split(", ") == starred


def test_a_price_or_power_asked_is_shown_whatever_the_deployment(catalog: Catalog) -> None:
    # follow-ups holdout 31: in the cloud, a question asking the power and the purchase price got neither
    need = user(
        "Hospitalist: draft discharge letters from text notes, text out. De-identified data may be shared and we "
        "run it in the cloud."
    )
    cloud = respond(catalog, [need])
    assert cloud.answers["deploy_local"].value is False
    question = "LLaMA-7B: what hardware was it fine-tuned on, how much power does it draw, what would buying it cost?"
    answer = respond(catalog, [need, assistant(cloud.text), user(question)]).text
    phase = catalog.model("llama-7b").phases["fine_tuning"]
    assert f"power {phase.power_w_total:,.0f} W" in answer and money(phase.purchase_usd_total or 0) in answer


def test_a_size_written_after_a_name_picks_that_size(catalog: Catalog) -> None:
    # found trying the API: "Llama 3.1 8B" was sized as the catalog's LLaMA3.1 70B row
    from assistant.followups import find_model_mentions

    assert [m.id for m in find_model_mentions(catalog, "Llama 3.1 8B at 4-bit")[0].models] == ["llama-3-1-instruct-8b"]
    assert find_model_mentions(catalog, "Llama 3.1 13B") == ()  # a size the catalog does not hold names nothing
    reply = ask(catalog, "How much memory would Llama 3.1 8B need at 4-bit for 12 users at 8k tokens each?")
    assert reply.answer is not None and reply.answer["source"] == "sizing"
    assert "8B in awq" in reply.text and "70B" not in reply.text


def test_the_people_a_sizing_question_is_for_are_its_load(catalog: Catalog) -> None:
    # found trying the API: "would the top one fit on our 4090 at 4-bit for 3 pharmacists?" was sized for 1 user
    assert "3 users at once" in ask(catalog, "Would the top one fit on an RTX 4090 at 4-bit for 3 pharmacists?").text
    # a statement's head count is no load (the users at once are asked for instead)
    assert "1 user at a time" in ask(catalog, "How much memory would Mistral 7B need? We have 200 clinicians.").text
