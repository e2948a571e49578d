"""The reply's "to run it" column, its note, the encoder mark and the newer-models section, in three languages."""

from __future__ import annotations

import pytest

from assistant.catalog import Catalog
from assistant.i18n import LANGUAGES, STRINGS
from assistant.replies import recommendation_block
from assistant.rules import recommend
from assistant.situation import Situation

KEYS = [k for k in STRINGS if k.startswith(("to_run", "newer_", "col_to_run", "col_reported", "cannot_write"))]


def situated(catalog: Catalog, stage: str, answers: dict[str, bool], situation: dict[str, object]) -> str:
    facts = catalog.sizing_facts
    assert facts is not None
    rec = recommend(catalog, stage, answers, situation=Situation.from_dict(situation, facts.gpus))
    return recommendation_block("en", rec)


def test_every_sizing_string_exists_in_every_language() -> None:
    assert len(KEYS) >= 15
    for key in KEYS:
        assert set(STRINGS[key]) >= set(LANGUAGES), key


def test_without_a_situation_the_reference_gpu_is_named_and_the_user_asked(catalog: Catalog) -> None:
    text = recommendation_block("en", recommend(catalog, "II", {"radiology_text_generation": True}))
    assert "| To run it | Reported hardware (phase) |" in text
    assert "16-bit: " in text and "A100 80GB (SXM)" in text
    assert "tell me your GPUs, users and context" in text


def test_the_fit_against_the_users_gpus(catalog: Catalog) -> None:
    # 12 sessions of 4,096 tokens: a 7B model's 16-bit weights and 25 GB of cache do not fit 24 GB; BERTs do
    text = situated(catalog, "III", {"medical_qa": True}, {"gpus": {"name": "RTX 4090", "count": 1}, "users": 12})
    assert "**does not fit your 1 x RTX 4090**" in text
    assert "**fits your 1 x RTX 4090" in text
    assert "checked against your 1 x RTX 4090" in text and "KV cache of 12 users at 4,096 tokens" in text


def test_an_encoder_on_a_writing_task_is_marked_but_kept(catalog: Catalog) -> None:
    rec = recommend(catalog, "V", {"discharge_text_generation": True})
    assert any(m.id == "clinicalbert-110m" for m in rec.matches)
    text = recommendation_block("en", rec)
    row = next(line for line in text.splitlines() if "ClinicalBERT-110M" in line)
    assert "encoder: cannot write text" in row
    assert any(t.rule == "encoder" and "ClinicalBERT-110M" in t.detail for t in rec.trace)


@pytest.mark.parametrize(
    ("lang", "heading", "label"),
    [
        ("en", "Newer open-weight models to consider", "Outside the review's evidence"),
        ("es", "Modelos de pesos abiertos más recientes", "Fuera de la evidencia de la revisión"),
        ("de", "Neuere Open-Weight-Modelle", "Außerhalb der Evidenz des Reviews"),
    ],
)
def test_newer_models_have_their_own_labelled_section(catalog: Catalog, lang: str, heading: str, label: str) -> None:
    rec = recommend(catalog, "III", {"medical_qa": True})
    text = recommendation_block(lang, rec)
    section = text[text.index(heading) :]
    assert label in section
    # never starred and never in the ranked table
    table = text[: text.index(heading)]
    assert all(m.name not in table for m in (entry.arch for entry in rec.newer_models))
    assert "*" not in section.replace("**", "")
