"""A question that describes one of the user's documents by its subject is answered from that document."""

from __future__ import annotations

from assistant.answering import literature_passages
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
