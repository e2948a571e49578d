"""Every reply string, question text and explanation exists in English, Spanish and German."""

from __future__ import annotations

import re

import pytest

from assistant.i18n import LANGUAGES, STRINGS, disclaimer, explanation, question_text, stage_title, t, t_count
from assistant.questionnaire import GLOSSARY, STAGE_IDS, question, question_ids
from assistant.recommendation import DISCLAIMER


def test_every_string_has_all_three_languages_with_the_same_placeholders() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGUAGES), key
        placeholders = {lang: set(re.findall(r"\{(\w+)\}", text)) for lang, text in entry.items()}
        assert placeholders["es"] == placeholders["en"] == placeholders["de"], key


@pytest.mark.parametrize("lang", ["es", "de"])
def test_questions_stages_and_terms_are_translated(lang: str) -> None:
    for stage in STAGE_IDS:
        assert stage_title(lang, stage) != stage_title("en", stage)
        for qid in question_ids(stage):
            assert question_text(lang, stage, qid) != question(stage, qid).text, (stage, qid)
    for term in GLOSSARY:
        if term in ("textual data", "data sharing"):
            continue  # these two are the questions' own explanations
        assert explanation(lang, None, term) != GLOSSARY[term], term
    assert disclaimer(lang) != DISCLAIMER


def test_english_falls_back_to_the_questionnaire() -> None:
    assert question_text("en", "II", "data_sharing") == question("II", "data_sharing").text
    assert disclaimer("en") == DISCLAIMER
    assert t("fr", "yes") == "yes"  # an unknown language reads English


def test_texts_are_data_files_shipped_with_the_package() -> None:
    from importlib import resources

    for lang in LANGUAGES:
        assert resources.files("assistant").joinpath("texts", f"{lang}.json").is_file(), lang
    assert t("de", "yes") == "ja"
    assert stage_title("es", "I") != stage_title("en", "I")


def test_a_malformed_texts_file_is_a_clear_error() -> None:
    from assistant.i18n import LanguageTexts

    with pytest.raises(ValueError, match=r"xx\.strings must be an object of strings"):
        LanguageTexts("xx", {"strings": {"yes": 1}})


def test_a_count_of_one_takes_the_singular_where_the_language_has_one() -> None:
    assert t_count("en", "rec_count", 1, models="A") == "1 model covers every task you selected: A."
    assert t_count("en", "rec_count", 3, models="A") == "3 models cover every task you selected: A."
    assert t_count("de", "rec_count", 1, models="A").startswith("1 Modell deckt")
    assert t_count("es", "sizing_gpus", 2, gpu="A40", per_gpu="18", sessions=4).startswith("en A40: hacen falta 2 GPU,")
    # every language that words the plural words the singular too (else one language would fall back to English)
    for key, entry in STRINGS.items():
        if f"{key}_one" in STRINGS:
            assert set(STRINGS[f"{key}_one"]) == set(entry), key
