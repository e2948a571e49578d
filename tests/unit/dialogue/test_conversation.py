"""Scripted conversations: a need described in the first message gets a recommendation on the second turn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from assistant.catalog import Catalog
from assistant.dialogue import Reply, respond
from assistant.errors import UnknownQuestion, UnknownStage
from assistant.extraction import cache_clear
from assistant.llm import Message
from assistant.recommendation import DISCLAIMER
from tests.unit.dialogue.fakes import FakeBackend, assistant, user

RADIOLOGIST = {
    "en": (
        "I'm a radiologist and I want to draft CT reports; the data can't leave the hospital.",
        "Only text goes in, and we run it on our own servers.",
        "Recommendation for stage II",
    ),
    "es": (
        "Soy radióloga y quiero redactar informes de TC; los datos no pueden salir del hospital.",
        "Solo texto, y lo ejecutamos localmente en el hospital.",
        "Recomendación para la etapa II",
    ),
    "de": (
        "Ich bin Radiologe und möchte CT-Befunde zusammenfassen lassen. Die Daten dürfen das Krankenhaus nicht "
        "verlassen.",
        "Nur Text, und wir betreiben es lokal.",
        "Empfehlung für Phase II",
    ),
}


def talk(catalog: Catalog, turns: Sequence[str], **kwargs: Any) -> list[Reply]:
    """Play the user turns, feeding each reply back as the assistant's turn."""
    messages: list[dict[str, str]] = []
    replies = []
    for text in turns:
        messages.append(user(text))
        reply = respond(catalog, messages, **kwargs)
        replies.append(reply)
        messages.append(assistant(reply.text))
    return replies


@pytest.mark.parametrize("lang", sorted(RADIOLOGIST))
def test_two_user_turns_reach_a_recommendation(catalog: Catalog, lang: str) -> None:
    first, second, heading = RADIOLOGIST[lang]
    asked, answered = talk(catalog, [first, second])
    # Turn 1: what was understood, and only the questions that matter (with their ids for attribution).
    assert asked.stage == "II"
    assert asked.answers["data_sharing"].value is False
    assert "`deploy_local`" in asked.text
    assert heading not in asked.text
    assert asked.text.count("(`") <= 3
    # Turn 2: the recommendation, in the user's language, with the disclaimer.
    assert answered.recommendation is not None
    assert answered.recommendation.status == "recommended"
    assert heading in answered.text
    assert answered.recommendation.matches[0].label in answered.text
    assert answered.answers["deploy_local"].value is True
    assert answered.disclaimer in answered.text
    assert (answered.disclaimer == DISCLAIMER) == (lang == "en")


def test_questions_come_in_asking_order_with_their_ids(catalog: Catalog) -> None:
    (reply,) = talk(catalog, ["I'm a radiologist and want draft reports for chest X-rays."])
    ids = [line.split("(`")[1].rstrip("`)") for line in reply.text.splitlines() if "(`" in line]
    assert ids, reply.text
    assert len(ids) <= 3
    order = ["input_text_only", "output_text_only", "data_sharing", "deploy_local"]
    assert ids == sorted(ids, key=order.index)
    assert reply.recommendation is not None
    assert set(ids) <= set(reply.recommendation.missing)


def test_a_complete_first_message_is_answered_at_once(catalog: Catalog) -> None:
    (reply,) = talk(
        catalog,
        [
            "Radiologist: draft radiology reports. The input is text only and we only need text back. "
            "The data can't leave the hospital. We run it on premise."
        ],
    )
    assert reply.recommendation is not None and reply.recommendation.status == "recommended"
    assert "Recommendation for stage II" in reply.text
    header = (
        "| # | Model | Star | Studies (best) | Access | To run it | Reported hardware (phase) | Power | Price "
        "| API price |"
    )
    assert header in reply.text


def test_a_recommendation_with_no_model_at_all_promises_no_closest_ones(catalog: Catalog) -> None:
    # trying the page: a kiosk router kept local got "the closest ones follow", and none followed
    text = (
        "I'm an ED doctor. We want the system to read what patients type at the entrance kiosk and tell them which "
        "clinic to go to. Text in and out only, on our own servers; the data can't leave the hospital."
    )
    reply = respond(catalog, [user(text)])
    assert reply.recommendation is not None and not reply.recommendation.partial_matches
    assert "No usable model covers any task you selected" in reply.text and "closest ones follow" not in reply.text


def test_still_open_questions_are_listed_under_the_recommendation(catalog: Catalog) -> None:
    _, answered = talk(catalog, RADIOLOGIST["en"][:2])
    assert answered.missing
    assert "Still open" in answered.text
    assert f"(`{answered.missing[0]}`)" in answered.text


def test_unknown_stage_asks_for_it_with_the_five_stages(catalog: Catalog) -> None:
    (reply,) = talk(catalog, ["We want to use an LLM in our hospital."])
    assert reply.stage is None
    assert reply.recommendation is None
    for stage in ("**I**", "**II**", "**III**", "**IV**", "**V**"):
        assert stage in reply.text
    assert "radiologist" in reply.text  # example roles


def test_a_need_spanning_stages_asks_which_first(catalog: Catalog) -> None:
    replies = talk(
        catalog,
        ["I need discharge letters and also draft radiology reports.", "Let's start with stage V."],
    )
    assert replies[0].stage is None
    assert "one recommendation per stage" in replies[0].text
    assert "**II**" in replies[0].text and "**V**" in replies[0].text
    assert replies[1].stage == "V"


def test_no_task_yet_asks_for_the_tasks_of_the_stage(catalog: Catalog) -> None:
    (reply,) = talk(catalog, ["I work in discharge and follow-up (stage V)."])
    assert reply.stage == "V"
    assert reply.recommendation is not None and reply.recommendation.status == "need_more_info"
    assert "`discharge_text_generation`" in reply.text
    assert "`medical_qa`" in reply.text


def test_a_correction_changes_the_answer_and_says_so(catalog: Catalog) -> None:
    first, second, _ = RADIOLOGIST["en"]
    replies = talk(catalog, [first, second, "Actually, the cloud is fine; we can rent GPUs."])
    before, after = replies[1], replies[2]
    assert before.answers["deploy_local"].value is True
    assert after.answers["deploy_local"].value is False
    assert after.answers["deploy_local"].turn == 4  # the index of the correcting message in the request
    assert "Updated:" in after.text
    assert after.recommendation is not None
    for model in after.recommendation.matches:
        for phase in model.resources.phases.values():
            assert phase is None or phase.purchase_usd_total is None  # cloud: rental prices only
    assert "to buy" not in after.text


def test_clicked_answers_override_extracted_ones(catalog: Catalog) -> None:
    messages = [user(RADIOLOGIST["en"][0])]
    plain = respond(catalog, messages)
    assert plain.answers["data_sharing"].value is False
    clicked = respond(catalog, messages, overrides={"answers": {"data_sharing": True, "deploy_local": False}})
    state = clicked.answers["data_sharing"]
    assert (state.value, state.source, state.turn) == (True, "clicked", None)
    assert clicked.extension()["answers"]["deploy_local"] == {"value": False, "source": "clicked", "turn": None}
    assert clicked.recommendation is not None
    assert clicked.recommendation.answers["data_sharing"] is True


def test_a_clicked_stage_overrides_the_extracted_one(catalog: Catalog) -> None:
    reply = respond(catalog, [user(RADIOLOGIST["en"][0])], overrides={"stage": "3"})
    assert reply.stage == "III"


def test_a_clicked_null_clears_an_extracted_answer(catalog: Catalog) -> None:
    reply = respond(catalog, [user(RADIOLOGIST["en"][0])], overrides={"answers": {"data_sharing": None}})
    assert reply.answers["data_sharing"] == type(reply.answers["data_sharing"])(None, "clicked", None)
    assert reply.recommendation is not None and reply.recommendation.answers["data_sharing"] is None


@pytest.mark.parametrize(
    ("overrides", "error"),
    [({"answers": {"not_a_question": True}}, UnknownQuestion), ({"stage": "VI"}, UnknownStage)],
)
def test_bad_overrides_are_refused_with_the_parameter(
    catalog: Catalog, overrides: Mapping[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        respond(catalog, [user("hello")], overrides=overrides)


def test_a_bare_yes_answers_the_question_asked(catalog: Catalog) -> None:
    messages = [user(RADIOLOGIST["en"][0])]
    asked = respond(catalog, messages)
    last_id = [line for line in asked.text.splitlines() if "(`" in line][-1].split("(`")[1].rstrip("`)")
    messages += [assistant(asked.text), user("yes")]
    reply = respond(catalog, messages)
    assert reply.answers[last_id].value is True


class _ReadsSharingAsForbidden(FakeBackend):
    """A model that reads clause 2 as 'the data may not be shared', the opposite of what the rules read there
    (a model's "may share" on a clause with a negator is dropped before the readers are compared)."""

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        share = [False, 2] if "vendor" in str(messages[-1]["content"]) else None
        return {"text_in": None, "text_out": None, "share": share, "local": None, "tasks": []}


def test_the_readers_disagreeing_makes_the_assistant_ask_quoting_the_words(catalog: Catalog) -> None:
    cache_clear()
    text = "We write discharge letters. De-identified notes may go to the vendor."
    reply = respond(catalog, [user(text)], backend=_ReadsSharingAsForbidden())
    assert "data_sharing" not in reply.answers  # neither reading is taken
    first_question = reply.text.split("1. ", 1)[1].split("\n", 1)[0]
    assert "may go to the vendor" in first_question and "`data_sharing`" in first_question
    task = reply.answers["discharge_text_generation"].to_dict()
    assert task["evidence"]["quote"] and task["evidence"]["quote"].casefold() in text.casefold()
    # the user's answer settles it
    answer = "No, we cannot share the data."
    later = respond(catalog, [user(text), assistant(reply.text), user(answer)], backend=_ReadsSharingAsForbidden())
    assert later.answers["data_sharing"].value is False
    evidence = later.answers["data_sharing"].to_dict()["evidence"]
    assert evidence["quote"].casefold() in answer.casefold() and later.answers["data_sharing"].turn == 2


@pytest.mark.parametrize("correction", ["Correction: this is for stage V.", "It's stage V.", "This is for stage V."])
def test_a_stage_named_after_the_recommendation_moves_it_and_reads_the_need_again(
    catalog: Catalog, correction: str
) -> None:
    # intake holdout 22's conversations: a stage correction after a recommendation was taken for a question
    # ("the indexed literature does not say"), so the stage never moved and the conversation was lost
    need = (
        "On the ward we want to extract the medication list from the inpatient notes. Input and output are text. "
        "It must run on our own GPU servers and the data cannot leave the hospital."
    )
    first = respond(catalog, [user(need)])
    assert first.stage == "IV" and first.kind == "recommendation"
    moved = respond(catalog, [user(need), assistant(first.text), user(correction)])
    assert (moved.kind, moved.stage) == ("recommendation", "V")
    assert moved.answers["clinical_text_extraction"].value is True  # the first message read again for stage V
    assert moved.recommendation is not None and moved.recommendation.stage == "V"
