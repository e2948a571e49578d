"""The questionnaire: asking order, explanations, which columns each task question covers."""

from __future__ import annotations

import pytest

from assistant.catalog import Catalog
from assistant.errors import InvalidAnswer, UnknownQuestion, UnknownStage
from assistant.questionnaire import (
    GLOSSARY,
    STAGES,
    columns_for,
    parse_answer,
    parse_stage,
    question_ids,
    questionnaire_dict,
    questions,
    uncovered_columns,
    validate_answers,
)

ASKING_ORDER = {
    "I": ["registration_recommendation"],
    "II": [
        "radiology_text_generation",
        "radiology_report_summarization",
        "examination_qa",
        "examination_report_extraction",
        "disease_diagnosis",
        "medical_image_processing",
    ],
    "III": ["disease_diagnosis", "medical_information_extraction", "medical_qa", "decision_text_generation"],
    "IV": [
        "surgery_nursing_text_generation",
        "disease_prediction",
        "clinical_text_extraction",
        "medical_qa",
        "clinical_record_summarization",
    ],
    "V": ["disease_prediction", "clinical_text_extraction", "discharge_text_generation", "medical_qa"],
}


@pytest.mark.parametrize("stage", list(ASKING_ORDER))
def test_asking_order_is_the_designs(stage: str) -> None:
    expected = ["input_text_only", "output_text_only", "data_sharing", *ASKING_ORDER[stage], "deploy_local"]
    assert list(question_ids(stage)) == expected


def test_every_stage_question_and_term_is_explained() -> None:
    assert [s.id for s in STAGES] == ["I", "II", "III", "IV", "V"]
    for stage in STAGES:
        assert stage.description and stage.example_roles
        for q in questions(stage.id):
            assert q.text.endswith("?") and len(q.explanation) > 40
    for term in ("textual data", "data sharing", "local deployment", "cloud deployment", "qlora", "star"):
        assert len(GLOSSARY[term]) > 40


def test_the_only_uncovered_column_is_stage_iii_3d_segmentation(catalog: Catalog) -> None:
    assert [c.id for c in uncovered_columns(catalog)] == ["iii.image-segmentation.image3d-text"]


@pytest.mark.parametrize(
    ("stage", "qid", "subtasks"),
    [
        ("I", "registration_recommendation", {"Outpatient registration recommendation"}),
        (
            "II",
            "radiology_text_generation",
            {
                "Report generation",
                "ECG report generation",
                "Report standardization",
                "Report reprocessing",
                "Report simplification",
                "Report error check",
                "Imaging protocol generation",
                "Clinical history generation",
            },
        ),
        ("II", "radiology_report_summarization", {"Report summarization"}),
        ("II", "examination_qa", {"Open question answering"}),
        ("II", "examination_report_extraction", {"Report extraction"}),
        ("II", "disease_diagnosis", {"Text classification", "Clinical triage classification"}),
        ("II", "medical_image_processing", {"Image classification", "Image caption", "Image segmentation"}),
        (
            "III",
            "disease_diagnosis",
            {"Diagnosis conclusion generation", "Respiratory health prediction", "Disease classification"},
        ),
        (
            "III",
            "medical_information_extraction",
            {"Disease feature extraction", "Disease phenotype extraction", "Medical question summarization"},
        ),
        (
            "III",
            "medical_qa",
            {"Multi-choice question answering", "Open question answering", "Visual question answering"},
        ),
        (
            "IV",
            "medical_qa",
            {
                "Open question answering",
                "Visual question answering",
                "Voice conversations",
                "Video question answering",
                "Multi-choice question answering",
            },
        ),
        ("IV", "clinical_record_summarization", {"Dialogue summarization"}),
        ("V", "medical_qa", {"Open question answering"}),
        (
            "V",
            "discharge_text_generation",
            {
                "Discharge letter generation",
                "Discharge summary generation",
                "Discharge summary simplification",
                "Text deidentification",
            },
        ),
    ],
)
def test_task_questions_cover_the_issues_columns(catalog: Catalog, stage: str, qid: str, subtasks: set[str]) -> None:
    assert {c.subtask for c in columns_for(catalog, stage, qid)} == subtasks
    assert all(c.stage == stage for c in columns_for(catalog, stage, qid))


def test_radiology_text_generation_has_all_eleven_columns(catalog: Catalog) -> None:
    assert len(columns_for(catalog, "II", "radiology_text_generation")) == 11


@pytest.mark.parametrize(("given", "stage"), [("ii", "II"), ("2", "II"), (3, "III"), (" v ", "V"), ("I", "I")])
def test_stage_forms(given: object, stage: str) -> None:
    assert parse_stage(given) == stage


@pytest.mark.parametrize("bad", ["VI", "0", "six", ""])
def test_unknown_stage_names_the_value_and_the_valid_ones(bad: str) -> None:
    with pytest.raises(UnknownStage) as err:
        parse_stage(bad)
    assert repr(bad) in str(err.value) and "I, II, III, IV, V" in str(err.value)
    assert err.value.param == "stage"


def test_answers_are_validated_against_the_stage() -> None:
    with pytest.raises(UnknownQuestion, match="'medical_qa' is not asked in stage I; valid: input_text_only"):
        validate_answers("I", {"medical_qa": "yes"})
    with pytest.raises(UnknownQuestion, match="'nonsense' is not a question id"):
        validate_answers("II", {"nonsense": True})
    with pytest.raises(InvalidAnswer, match="'maybe' for data_sharing is not yes/no/unknown"):
        validate_answers("II", {"data_sharing": "maybe"})
    answers = validate_answers("V", {"data_sharing": "No", "medical_qa": True})
    assert answers["data_sharing"] is False and answers["medical_qa"] is True and answers["deploy_local"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("Y", True), (True, True), ("no", False), ("false", False), ("unknown", None), (None, None)],
)
def test_answer_forms(value: object, expected: bool | None) -> None:
    assert parse_answer(value) is expected


def test_questionnaire_json_lists_stages_questions_and_examples(catalog: Catalog) -> None:
    data = questionnaire_dict(catalog)
    stages = data["stages"]
    assert isinstance(stages, list) and len(stages) == 5
    ii = questionnaire_dict(catalog, "2")["stages"]
    assert isinstance(ii, list)
    task = next(q for q in ii[0]["questions"] if q["id"] == "radiology_report_summarization")
    assert task["examples"] == ["Report summarization"]
    assert task["columns"] == ["ii.report-summarization.text", "ii.report-summarization.image2d-text"]
