"""Reply strings in English, Spanish and German, read from the data files in ``assistant/texts``.

Every sentence the dialogue writes comes from ``STRINGS`` (one entry per key and language); model names,
numbers and question ids are inserted as they are. The questionnaire's texts live in English in
``assistant.questionnaire``; their Spanish and German versions are in ``texts/es.json`` and ``texts/de.json``.
The language detector is ``assistant.language`` (re-exported here for callers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from assistant.language import DEFAULT_LANGUAGE, LANGUAGES, detect_language, language_scores
from assistant.questionnaire import GENERAL_QUESTIONS, GLOSSARY, question, stage_info
from assistant.recommendation import DISCLAIMER

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "STRINGS",
    "detect_language",
    "disclaimer",
    "explanation",
    "language_scores",
    "question_text",
    "stage_roles",
    "stage_title",
    "t",
    "task_name",
    "texts",
    "yes_no",
]


def _str_table(value: Any, where: str) -> Mapping[str, str]:
    """A JSON object of strings, checked, as a read-only mapping."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"assistant/texts: {where} must be an object of strings")
    return MappingProxyType(dict(value))


class LanguageTexts:
    """The texts of one language as read from ``assistant/texts/<lang>.json``."""

    def __init__(self, lang: str, data: Mapping[str, Any]) -> None:
        self.lang = lang
        self.strings = _str_table(data.get("strings", {}), f"{lang}.strings")
        self.task_names = _str_table(data.get("task_names", {}), f"{lang}.task_names")
        self.stage_titles = _str_table(data.get("stage_titles", {}), f"{lang}.stage_titles")
        self.stage_roles = _str_table(data.get("stage_roles", {}), f"{lang}.stage_roles")
        self.explanations = _str_table(data.get("explanations", {}), f"{lang}.explanations")
        questions = data.get("questions", {})
        if not isinstance(questions, dict):
            raise ValueError(f"assistant/texts: {lang}.questions must be an object")
        # keyed by stage ("*" for the general questions), then question id
        self.questions: Mapping[str, Mapping[str, str]] = MappingProxyType(
            {stage: _str_table(table, f"{lang}.questions.{stage}") for stage, table in questions.items()}
        )
        note = data.get("disclaimer")
        if note is not None and not isinstance(note, str):
            raise ValueError(f"assistant/texts: {lang}.disclaimer must be a string")
        self.disclaimer: str | None = note


@cache
def texts(lang: str) -> LanguageTexts:
    """The texts of ``lang`` (an empty set for a language without a file)."""
    if lang not in LANGUAGES:
        return LanguageTexts(lang, {})
    raw = resources.files("assistant").joinpath("texts", f"{lang}.json").read_text(encoding="utf-8")
    return LanguageTexts(lang, json.loads(raw))


def _transpose_strings() -> Mapping[str, Mapping[str, str]]:
    """``STRINGS[key][lang]`` from the per-language files."""
    table: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        for key, text in texts(lang).strings.items():
            table.setdefault(key, {})[lang] = text
    return MappingProxyType({key: MappingProxyType(entry) for key, entry in table.items()})


STRINGS: Mapping[str, Mapping[str, str]] = _transpose_strings()


def t(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when missing), with ``values`` filled in."""
    entry = STRINGS[key]
    return entry.get(lang, entry[DEFAULT_LANGUAGE]).format(**values)


def t_count(lang: str, key: str, count: int, **values: object) -> str:
    """``t`` for a sentence about ``count`` things: the ``key + "_one"`` string when there is one thing."""
    one = f"{key}_one"
    return t(lang, one if count == 1 and one in STRINGS else key, count=count, **values)


def yes_no(lang: str, value: bool | None) -> str:
    """yes / no / unknown in ``lang``."""
    return t(lang, {True: "yes", False: "no", None: "unknown"}[value])


def stage_title(lang: str, stage: str) -> str:
    """The stage's title in ``lang``."""
    return texts(lang).stage_titles.get(stage) or stage_info(stage).title


def stage_roles(lang: str, stage: str) -> str:
    """A few example roles of the stage in ``lang``."""
    localized = texts(lang).stage_roles.get(stage)
    return localized or ", ".join(stage_info(stage).example_roles[:3])


def question_text(lang: str, stage: str, question_id: str) -> str:
    """The question's text in ``lang`` (English from the questionnaire when not translated)."""
    table = texts(lang).questions
    return (
        table.get(stage, {}).get(question_id)
        or table.get("*", {}).get(question_id)
        or question(stage, question_id).text
    )


def task_name(lang: str, question_id: str) -> str:
    """A short name for a question id in ``lang`` (the id itself when unknown)."""
    return texts(lang).task_names.get(question_id) or texts(DEFAULT_LANGUAGE).task_names.get(question_id, question_id)


def explanation(lang: str, stage: str | None, key: str) -> str:
    """The plain-language explanation of a question id or glossary term in ``lang``."""
    localized = texts(lang).explanations.get(key)
    if localized:
        return localized
    if key in GLOSSARY:
        return GLOSSARY[key]
    if key in GENERAL_QUESTIONS:
        return GENERAL_QUESTIONS[key].explanation
    return question(stage or "II", key).explanation


def disclaimer(lang: str) -> str:
    """The disclaimer in ``lang`` (the English one is ``assistant.recommendation.DISCLAIMER``)."""
    if lang == DEFAULT_LANGUAGE:
        return DISCLAIMER
    return texts(lang).disclaimer or DISCLAIMER
