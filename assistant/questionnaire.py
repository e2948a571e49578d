"""The questionnaire: five workflow stages, their questions in asking order, and what each task covers.

Question ids are stable (DESIGN.md). Every question and technical term has a plain-language explanation,
written by us for clinicians who are not machine-learning specialists. Which review columns a task
question covers is declared here as (stage, review task names); ``columns_for`` resolves it against a
catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from assistant.catalog import Catalog, Column
from assistant.errors import InvalidAnswer, UnknownQuestion, UnknownStage

STAGE_IDS = ("I", "II", "III", "IV", "V")
GENERAL_FIRST = ("input_text_only", "output_text_only", "data_sharing")
DEPLOY_LOCAL = "deploy_local"
IMAGE_PROCESSING = "medical_image_processing"


@dataclass(frozen=True)
class Stage:
    """One stage of the clinical workflow."""

    id: str
    number: int
    title: str
    description: str
    example_roles: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One yes/no question, with its plain-language explanation."""

    id: str
    text: str
    explanation: str
    kind: str  # "modality" | "data" | "task" | "deployment"


@dataclass(frozen=True)
class TaskScope:
    """The review task names (within one stage) that a task question covers."""

    question_id: str
    tasks: frozenset[str]


STAGES: tuple[Stage, ...] = (
    Stage(
        "I",
        1,
        "Registration and department guidance",
        "Before the visit: helping patients find the right clinic or department and register there.",
        ("outpatient service staff", "triage nurse", "patient-portal team in hospital IT"),
    ),
    Stage(
        "II",
        2,
        "Pre-diagnosis and examination",
        "Tests and imaging before a diagnosis: writing, checking, summarising and explaining examination "
        "reports, and working with the images themselves.",
        ("radiologist", "cardiologist reading ECGs", "pathologist", "sonographer", "laboratory physician"),
    ),
    Stage(
        "III",
        3,
        "Diagnosis and treatment planning",
        "Reaching a diagnosis and deciding on treatment: diagnostic support, extracting findings from "
        "records, answering medical questions, drafting treatment plans and letters.",
        ("attending physician", "oncologist", "specialist consultant", "tumour board member"),
    ),
    Stage(
        "IV",
        4,
        "Treatment and hospitalization",
        "During treatment and the hospital stay: surgical and nursing documents, risk prediction, coding "
        "and extraction from clinical notes, questions from staff and patients, summaries of the stay.",
        ("surgeon", "ward nurse", "anaesthetist", "hospitalist", "clinical coder"),
    ),
    Stage(
        "V",
        5,
        "Discharge and follow-up",
        "Leaving hospital and afterwards: discharge letters and summaries, predicting recurrence or "
        "billing groups, extracting what matters for follow-up, answering patients' questions.",
        ("discharging physician", "case manager", "general practitioner", "follow-up nurse"),
    ),
)

GENERAL_QUESTIONS: Mapping[str, Question] = MappingProxyType(
    {
        "input_text_only": Question(
            "input_text_only",
            "Is everything you will give the model text?",
            "Text means written words: notes, reports, letters, lab values typed as text, questionnaire "
            "answers, a transcript. Images (X-ray, CT, MRI, photos, slides), sound recordings, video, ECG "
            "traces and monitor time series are not text. Answer no if any of those go in.",
            "modality",
        ),
        "output_text_only": Question(
            "output_text_only",
            "Is text all you need back from the model?",
            "Answer yes if you want words back (a report, a summary, an answer, a label, a code). Answer no "
            "if you need the model to produce something else, such as an outlined region on an image "
            "(segmentation) or speech.",
            "modality",
        ),
        "data_sharing": Question(
            "data_sharing",
            "May the data you give the model be shared with third parties, published or made generally available?",
            "Sending data to a company's online service (for example a chat or API service run by an AI "
            "vendor) counts as sharing it with a third party, even when the vendor promises not to keep "
            "it. Answer no when the data contains patient information that must stay inside your "
            "organisation; the tool then leaves out models that are only reachable as an online service.",
            "data",
        ),
        DEPLOY_LOCAL: Question(
            DEPLOY_LOCAL,
            "Would you rather run the model on your own hardware (locally) than in the cloud?",
            "Local means on servers your organisation owns, inside its network: you buy the GPUs and pay "
            "for their power. Cloud means renting GPUs from a provider by the hour, or calling a vendor's "
            "API. The answer decides whether prices are shown as purchase cost or as rental cost.",
            "deployment",
        ),
    }
)

# Task questions per stage, in asking order, with the question text and our explanation.
_TASK_TEXT: Mapping[tuple[str, str], tuple[str, str]] = {
    ("I", "registration_recommendation"): (
        "Should the model recommend which department or clinic a patient should register with?",
        "From a patient's description of symptoms, the model suggests where to book the appointment.",
    ),
    ("II", "radiology_text_generation"): (
        "Should the model generate examination or radiology text, such as draft reports?",
        "Writing text around examinations: drafting reports from findings or from the images, ECG "
        "reports, rewriting reports into a standard structure or plain language, checking reports for "
        "errors, proposing imaging protocols, writing the clinical history.",
    ),
    ("II", "radiology_report_summarization"): (
        "Should the model summarise radiology or examination reports?",
        "Turning a long report (possibly with its images) into a short impression or summary.",
    ),
    ("II", "examination_qa"): (
        "Should the model answer questions about examinations?",
        "Answering free-text questions about a test, a finding or a report.",
    ),
    ("II", "examination_report_extraction"): (
        "Should the model pull specific information out of examination reports?",
        "Information extraction: finding and structuring facts in a report, such as a measurement, a "
        "finding's location or a follow-up recommendation.",
    ),
    ("II", "disease_diagnosis"): (
        "Should the model classify findings or triage examinations?",
        "Sorting reports or cases into categories, for instance normal versus abnormal, or by urgency.",
    ),
    ("II", IMAGE_PROCESSING): (
        "Should the model work on the medical images themselves?",
        "Classifying images, writing captions for them, or outlining structures (segmentation). Only "
        "asked when your input includes more than text.",
    ),
    ("III", "disease_diagnosis"): (
        "Should the model help diagnose or predict disease?",
        "Suggesting a diagnosis or a disease class from text, images or measurements, or predicting a "
        "condition (for example from respiratory sounds).",
    ),
    ("III", "medical_information_extraction"): (
        "Should the model extract or summarise medical information?",
        "Finding disease features or phenotypes in records, and condensing medical questions or records "
        "into summaries.",
    ),
    ("III", "medical_qa"): (
        "Should the model answer medical questions?",
        "Answering open or multiple-choice questions in text, or questions about an image (visual question answering).",
    ),
    ("III", "decision_text_generation"): (
        "Should the model draft treatment plans, decision-support suggestions or clinical letters?",
        "Generating text that supports decisions: treatment plan proposals, suggestions to improve "
        "decision-support alerts, letters to colleagues or patients.",
    ),
    ("IV", "surgery_nursing_text_generation"): (
        "Should the model write documents around surgery and nursing?",
        "Clinical letters, handoff notes between shifts, informed-consent documents and plain-language "
        "versions of consent forms.",
    ),
    ("IV", "disease_prediction"): (
        "Should the model predict risks or survival during treatment?",
        "Estimating the risk of a complication or event, or survival, from notes (and sometimes images).",
    ),
    ("IV", "clinical_text_extraction"): (
        "Should the model extract information from clinical notes?",
        "Assigning ICD codes, recognising named entities (drugs, diagnoses), disease features or "
        "postoperative complications in text.",
    ),
    ("IV", "medical_qa"): (
        "Should the model answer questions from staff or patients?",
        "Question answering in text, about images, by voice conversation or about videos.",
    ),
    ("IV", "clinical_record_summarization"): (
        "Should the model summarise clinical records or conversations?",
        "Condensing notes or doctor-patient dialogues into a short summary.",
    ),
    ("V", "disease_prediction"): (
        "Should the model predict recurrence or billing groups?",
        "Predicting whether a disease will come back, or the diagnosis-related group (DRG) of a stay.",
    ),
    ("V", "clinical_text_extraction"): (
        "Should the model extract information relevant to follow-up?",
        "Recognising phenotypes, disease features and social determinants of health (housing, work, "
        "support at home) in notes.",
    ),
    ("V", "discharge_text_generation"): (
        "Should the model write discharge documents?",
        "Discharge letters and summaries, simpler versions for patients, and removing identifying "
        "details from text (de-identification).",
    ),
    ("V", "medical_qa"): (
        "Should the model answer questions at discharge and follow-up?",
        "Answering patients' or clinicians' free-text questions after the stay.",
    ),
}

# Which review tasks (the "Task" header of the review's tables) each task question covers, per stage.
TASK_SCOPES: Mapping[str, tuple[TaskScope, ...]] = MappingProxyType(
    {
        "I": (TaskScope("registration_recommendation", frozenset({"Textual question answering"})),),
        "II": (
            TaskScope("radiology_text_generation", frozenset({"Text generation"})),
            TaskScope("radiology_report_summarization", frozenset({"Text summarization"})),
            TaskScope("examination_qa", frozenset({"Textual question answering"})),
            TaskScope("examination_report_extraction", frozenset({"Information extraction"})),
            TaskScope("disease_diagnosis", frozenset({"Disease diagnosis"})),
            TaskScope(IMAGE_PROCESSING, frozenset({"Medical image processing"})),
        ),
        "III": (
            TaskScope("disease_diagnosis", frozenset({"Disease diagnosis", "Disease prediction"})),
            TaskScope("medical_information_extraction", frozenset({"Information extraction", "Text summarization"})),
            TaskScope("medical_qa", frozenset({"Textual question answering", "Multimodal question answering"})),
            TaskScope("decision_text_generation", frozenset({"Text generation"})),
        ),
        "IV": (
            TaskScope("surgery_nursing_text_generation", frozenset({"Text generation"})),
            TaskScope("disease_prediction", frozenset({"Disease prediction"})),
            TaskScope("clinical_text_extraction", frozenset({"Information extraction"})),
            TaskScope("medical_qa", frozenset({"Textual question answering", "Multimodal question answering"})),
            TaskScope("clinical_record_summarization", frozenset({"Text summarization"})),
        ),
        "V": (
            TaskScope("disease_prediction", frozenset({"Disease prediction"})),
            TaskScope("clinical_text_extraction", frozenset({"Information extraction"})),
            TaskScope("discharge_text_generation", frozenset({"Text generation"})),
            TaskScope("medical_qa", frozenset({"Textual question answering"})),
        ),
    }
)

GLOSSARY: Mapping[str, str] = MappingProxyType(
    {
        "textual data": GENERAL_QUESTIONS["input_text_only"].explanation,
        "data sharing": GENERAL_QUESTIONS["data_sharing"].explanation,
        "local deployment": "Running the model on hardware your organisation owns and operates, inside "
        "its network. You pay once for the GPUs and then for power and upkeep.",
        "cloud deployment": "Running the model on GPUs rented by the hour from a provider, or calling a "
        "vendor's API. No purchase, but the data leaves your network.",
        "open model": "A model whose weights can be downloaded, so it can run on your own hardware.",
        "api model": "A model offered only as an online service: you send data to the vendor and pay per "
        "token. It needs data sharing and cloud use.",
        "restricted model": "A model described in papers whose weights were never released; it cannot be "
        "used, so it is never recommended.",
        "star": "A star marks a model that studies reported as the best performer in at least one "
        "matching sub-task of every task you selected. It reflects published comparisons, not a guarantee.",
        "evidence": "How many times studies in the review used the model for the sub-tasks you selected. A "
        "study that covers two sub-tasks counts twice, because the review's data cannot tell them apart. "
        "The number in brackets after it counts the studies that reported the model best.",
        "sub-task": "One concrete clinical job in the review, such as report summarisation or ICD coding, "
        "for one kind of input (text, 2D image, 3D image, audio...).",
        "pre-training": "Training a model from scratch on a very large text collection. Needs many GPUs "
        "for weeks; hospitals almost never do it.",
        "fine-tuning": "Further training of an existing model on your own examples so that it fits your "
        "task. Needs fewer GPUs than pre-training, but more than just using the model.",
        "inference": "Using a trained model to produce answers. The cheapest phase; this is what running "
        "the model in production means.",
        "gpu": "The graphics processor that runs the model. Its memory (GB) limits which model sizes fit.",
        "tdp": "Thermal design power: the power in watts a GPU is rated to draw under load, used here to "
        "estimate electricity needs.",
        "quantization": "Storing a model's numbers with fewer bits (for example 4-bit instead of 16-bit) "
        "so it needs less GPU memory, at a small cost in quality.",
        "qlora": "A way of fine-tuning a quantized (4-bit) model by training small added matrices only. "
        "It lets a large model be fine-tuned on one or a few GPUs.",
        "rag": "Before the model answers, a search finds passages in your own "
        "documents (guidelines, protocols) and puts them in the prompt, so the answer can rest on them "
        "without retraining the model.",
        "memory estimate": "When no study reported inference hardware, memory is estimated from the "
        "parameter count: about 2 bytes per parameter at 16-bit and half a byte at 4-bit, plus 20% for "
        "working memory.",
        "parameters": "The number of learned weights in a model, in billions (B) or millions (M). More "
        "parameters usually mean better quality and more memory.",
    }
)


_STAGE_FORMS: Mapping[str, str] = MappingProxyType(
    {**{s.id: s.id for s in STAGES}, **{str(s.number): s.id for s in STAGES}}
)


def parse_stage(value: object) -> str:
    """The stage id (I..V) for a stage given as a roman numeral or 1..5, any case."""
    stage = _STAGE_FORMS.get(value) if isinstance(value, str) else None  # the hot path: already an id
    if stage is None:
        stage = _STAGE_FORMS.get(str(value).strip().upper())
    if stage is None:
        raise UnknownStage(f"unknown stage {value!r}", param="stage", value=value, valid=STAGE_IDS)
    return stage


def stage_info(stage: str) -> Stage:
    """The stage's title, description and example roles."""
    stage_id = parse_stage(stage)
    return next(s for s in STAGES if s.id == stage_id)


def task_scopes(stage: str) -> tuple[TaskScope, ...]:
    """The stage's task questions with the review tasks they cover, in asking order."""
    return TASK_SCOPES[parse_stage(stage)]


def question_ids(stage: str) -> tuple[str, ...]:
    """Every question id of a stage, in asking order."""
    return (*GENERAL_FIRST, *(t.question_id for t in task_scopes(stage)), DEPLOY_LOCAL)


def questions(stage: str) -> tuple[Question, ...]:
    """The stage's questions, in asking order, with their texts and explanations."""
    stage_id = parse_stage(stage)
    return tuple(question(stage_id, qid) for qid in question_ids(stage_id))


def question(stage: str, question_id: str) -> Question:
    """One question of a stage (UnknownQuestion if the id is not asked in that stage)."""
    stage_id = parse_stage(stage)
    if question_id in GENERAL_QUESTIONS:
        return GENERAL_QUESTIONS[question_id]
    if (stage_id, question_id) in _TASK_TEXT:
        text, explanation = _TASK_TEXT[(stage_id, question_id)]
        return Question(question_id, text, explanation, "task")
    raise UnknownQuestion(
        f"question {question_id!r} is not asked in stage {stage_id}",
        param=question_id,
        value=question_id,
        valid=question_ids(stage_id),
    )


def all_question_ids() -> tuple[str, ...]:
    """Every question id of any stage, each once, in first-asked order."""
    seen: dict[str, None] = {}
    for stage in STAGE_IDS:
        seen.update(dict.fromkeys(question_ids(stage)))
    return tuple(seen)


def parse_answer(value: object, *, param: str = "answer") -> bool | None:
    """yes / no / unknown (also true/false/null, y/n, 1/0) as True / False / None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    if text in ("unknown", "null", "none", "", "?"):
        return None
    raise InvalidAnswer(
        f"answer {value!r} for {param} is not yes/no/unknown", param=param, value=value, valid=("yes", "no", "unknown")
    )


def validate_answers(stage: str, answers: Mapping[str, object]) -> dict[str, bool | None]:
    """Every question of the stage mapped to True / False / None, refusing ids the stage does not ask."""
    stage_id = parse_stage(stage)
    ids = question_ids(stage_id)
    for qid in answers:
        if qid not in ids:
            known = qid in all_question_ids()
            why = f"is not asked in stage {stage_id}" if known else "is not a question id"
            raise UnknownQuestion(f"question {qid!r} {why}", param=qid, value=qid, valid=ids)
    return {qid: parse_answer(answers.get(qid), param=qid) for qid in ids}


@lru_cache(maxsize=256)  # the catalog is hashable by identity; the rules ask this on every recommendation
def columns_for(catalog: Catalog, stage: str, question_id: str) -> tuple[Column, ...]:
    """The catalog columns a task question covers (before any modality filter)."""
    stage_id = parse_stage(stage)
    scope = next((t for t in task_scopes(stage_id) if t.question_id == question_id), None)
    if scope is None:
        question(stage_id, question_id)  # raises UnknownQuestion for ids the stage does not ask
        return ()
    return tuple(c for c in catalog.columns if c.stage == stage_id and c.task in scope.tasks)


def uncovered_columns(catalog: Catalog) -> tuple[Column, ...]:
    """Columns that no task question of their stage covers."""
    covered = {c.id for s in STAGE_IDS for t in task_scopes(s) for c in columns_for(catalog, s, t.question_id)}
    return tuple(c for c in catalog.columns if c.id not in covered)


def task_examples(catalog: Catalog, stage: str, question_id: str) -> tuple[str, ...]:
    """The distinct sub-task names a task question covers, as examples for the user."""
    return tuple(dict.fromkeys(c.subtask for c in columns_for(catalog, stage, question_id)))


def questionnaire_dict(catalog: Catalog, stage: str | None = None) -> dict[str, object]:
    """The questionnaire as JSON-ready data: stages, their questions in order, explanations, examples, terms."""
    stage_ids = (parse_stage(stage),) if stage is not None else STAGE_IDS
    stages = []
    for stage_id in stage_ids:
        info = stage_info(stage_id)
        items = []
        for q in questions(stage_id):
            item: dict[str, object] = {"id": q.id, "text": q.text, "explanation": q.explanation, "kind": q.kind}
            if q.kind == "task":
                item["examples"] = list(task_examples(catalog, stage_id, q.id))
                item["columns"] = [c.id for c in columns_for(catalog, stage_id, q.id)]
            items.append(item)
        stages.append(
            {
                "id": info.id,
                "title": info.title,
                "description": info.description,
                "example_roles": list(info.example_roles),
                "questions": items,
            }
        )
    return {"schema": "questionnaire/1", "stages": stages, "glossary": dict(GLOSSARY)}
