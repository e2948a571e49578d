"""A question that describes one of the user's documents by its subject is answered from that document."""

from __future__ import annotations

import pytest

from assistant.answering import literature_passages
from assistant.catalog import Catalog
from assistant.described import described_documents, descriptor_words
from assistant.evidence import Passage
from assistant.questions import LITERATURE, Question
from tests.unit.dialogue.fakes import FakeRetriever, passage


def _in(doc_id: str, p: Passage) -> Passage:
    return Passage(**{**p.__dict__, "doc_id": doc_id, "kind": "user"})


LETTERS = [
    _in("letters", passage("l1", "004.txt", "Physician letters were drafted by a fine-tuned LLaMA-3 model.")),
    _in("letters", passage("l2", "004.txt", "QLoRA ran on a single 48 GB GPU workstation for the letters.")),
]
REVIEW = [
    _in("review", passage("r1", "001.txt", "Fine-tuning adapts a pretrained model to new data.")),
    _in("review", passage("r2", "001.txt", "Discharge letters and reports are common inputs.")),
    _in("review", passage("r3", "001.txt", "LoRA and QLoRA save memory during fine-tuning.")),
]


def test_the_words_a_document_is_described_by_are_read_before_and_after_the_noun() -> None:
    assert descriptor_words("In the letters paper I uploaded, which method?") == {"letter"}
    assert descriptor_words("The paper I added about physician letters: which method?") == {"physician", "letter"}
    # a hyphenated name is read word by word; a primer or a tutorial is a document too
    assert descriptor_words("The demystifying-LLMs-for-medicine primer I added: which GPU?") == {
        "demystifying", "llm", "medicine"
    }  # fmt: skip
    assert descriptor_words("Was sagt die Studie zu Arztbriefen?") == {"arztbriefen"}
    assert descriptor_words("What does the paper I added say about LoRA?") == frozenset()
    assert descriptor_words("Which model did the best in this study of ECG triage?") == {"ecg", "triage"}


def test_the_document_most_of_whose_passages_hold_the_description_is_the_one_meant() -> None:
    question = "In the letters paper I added, which fine-tuning method did they use?"
    assert described_documents(question, [*REVIEW, *LETTERS]) == {"letters"}  # the review says "letters" once
    assert described_documents("Which fine-tuning method did the paper use?", [*REVIEW, *LETTERS]) == frozenset()
    assert described_documents("In the fine-tuning paper, what?", [*REVIEW, *LETTERS]) == {"review"}


def test_the_answer_reads_only_the_described_document_also_when_the_statement_before_the_question_describes_it() -> (
    None
):
    question = Question(
        "What hardware does it report?",
        LITERATURE,
        "literature",
        about="The letters paper I added has a section on training.",
        about_user_docs=True,
    )
    found = literature_passages(FakeRetriever([*REVIEW, *LETTERS]), question, "en", [])
    assert {p.doc_id for p in found} == {"letters"}
    plain = Question("What hardware does the paper I added report?", LITERATURE, "literature", about_user_docs=True)
    assert {p.doc_id for p in literature_passages(FakeRetriever([*REVIEW, *LETTERS]), plain, "en", [])} == {
        "letters",
        "review",
    }


def _card(key: str, section: str, text: str) -> Passage:
    found = passage(key, "PMC-LLaMA", text)
    return Passage(
        **{**found.__dict__, "doc_id": "pmc-card", "source": "pmc-llama.md", "kind": "card", "section": section}
    )


COMPUTE = _card("c1", "Compute", "Pre-training ran on 32 A100 GPUs.")
DATA = _card("c2", "Clinical tasks and data", "Instruction tuning on 202M tokens of medical dialogues.")
OTHERS = [passage(f"o{i}", f"Other {i}", f"Llama {i} reads 4,096 tokens of context.") for i in range(12)]
TOKENS = "pmc-llama instruction tuning: how many tokens?"


@pytest.mark.parametrize(
    "first_search",
    [
        # follow-ups holdout 20: the card's data section (202M tokens) ranked below ten passages on other
        # models' context lengths, so only its compute section competed
        [COMPUTE, *OTHERS],
        # follow-ups holdout 25: found 14th by the first search, it was neither added nor kept among the ten
        [COMPUTE, *OTHERS, DATA],
    ],
)
def test_every_section_of_the_named_models_card_competes_for_the_answer(
    catalog: Catalog, first_search: list[Passage]
) -> None:
    question = Question(TOKENS, LITERATURE, "literature", catalog.model("pmc-llama-13b"))
    found = literature_passages(FakeRetriever(first_search, [*OTHERS, COMPUTE, DATA]), question, "en", [])
    assert [p.key for p in found[:2]] == ["c1", "c2"] and len(found) == 10


def test_a_model_named_in_the_messages_other_sentence_is_searched_with_the_question(catalog: Catalog) -> None:
    # follow-ups holdout 29: "RaDialog è nella mia lista. Nella versione estesa ..., di quanto migliora ...?" was
    # searched without the name, so RaDialog's card was never among the candidates
    question = Question(
        "Nella versione estesa, di quanto migliora?", LITERATURE, "literature", catalog.model("radialog-7b")
    )
    retriever = FakeRetriever([COMPUTE, *OTHERS])
    literature_passages(retriever, question, "it", [])
    assert retriever.queries[0].startswith("RaDialog")
    named = Question(
        "What does RaDialog's extended version add?", LITERATURE, "literature", catalog.model("radialog-7b")
    )
    again = FakeRetriever([COMPUTE, *OTHERS])
    literature_passages(again, named, "en", [])
    assert again.queries[0].count("RaDialog") == 1  # named already: not added twice


def test_a_question_about_no_model_is_searched_once_as_before() -> None:
    plain = Question("how many tokens?", LITERATURE, "literature")
    assert "c2" not in {p.key for p in literature_passages(FakeRetriever([COMPUTE, *OTHERS], [DATA]), plain, "en", [])}
