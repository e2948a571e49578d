"""Properties of the rules core over random answers (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog import Catalog
from assistant.questionnaire import STAGE_IDS, question_ids, task_scopes
from assistant.rules import recommend
from corpus.catalog import CATALOG_FILE

ANSWER = st.sampled_from([True, False, None])


@st.composite
def stage_and_answers(draw: st.DrawFn) -> tuple[str, dict[str, bool | None]]:
    stage = draw(st.sampled_from(STAGE_IDS))
    return stage, {qid: draw(ANSWER) for qid in question_ids(stage)}


def full_matches(catalog: Catalog, stage: str, answers: dict[str, bool | None]) -> set[str]:
    return {m.id for m in recommend(catalog, stage, answers).matches}


def tightenings(stage: str, answers: dict[str, bool | None]) -> list[dict[str, bool | None]]:
    """Every single-step tightening of the answers."""
    out = [
        {**answers, "input_text_only": True},
        {**answers, "output_text_only": True},
        {**answers, "data_sharing": False},
        {**answers, "deploy_local": True},
    ]
    tasks = [t.question_id for t in task_scopes(stage)]
    if any(answers[t] is True for t in tasks):
        out += [{**answers, t: True} for t in tasks if answers[t] is not True]
    return out


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(stage_and_answers())
def test_tightening_a_constraint_never_adds_a_full_match(catalog: Catalog, case: tuple[str, dict[str, Any]]) -> None:
    stage, answers = case
    before = full_matches(catalog, stage, answers)
    for tighter in tightenings(stage, answers):
        assert full_matches(catalog, stage, tighter) <= before


@SETTINGS
@given(stage_and_answers())
def test_a_starred_model_is_always_a_full_match(catalog: Catalog, case: tuple[str, dict[str, Any]]) -> None:
    stage, answers = case
    rec = recommend(catalog, stage, answers)
    assert not any(m.star for m in rec.partial_matches)
    for model in rec.matches:
        if model.star:
            assert all(e.best > 0 for e in model.by_task.values())
            assert all(e.studies > 0 for e in model.by_task.values())


@SETTINGS
@given(stage_and_answers())
def test_status_semantics(catalog: Catalog, case: tuple[str, dict[str, Any]]) -> None:
    stage, answers = case
    rec = recommend(catalog, stage, answers)
    any_task = any(answers[t.question_id] is True for t in task_scopes(stage))
    if not any_task:
        assert rec.status == "need_more_info"
    elif rec.matches:
        assert rec.status == "recommended" and not rec.partial_matches
    else:
        assert rec.status == "no_full_match"
    assert all(answers[q] is None for q in rec.missing)


@SETTINGS
@given(stage_and_answers())
def test_output_is_identical_across_runs_and_catalog_loads(catalog: Catalog, case: tuple[str, dict[str, Any]]) -> None:
    stage, answers = case
    first = json.dumps(recommend(catalog, stage, answers).to_dict(), sort_keys=True)
    again = json.dumps(recommend(catalog, stage, answers).to_dict(), sort_keys=True)
    fresh = json.dumps(recommend(_fresh_catalog(), stage, answers).to_dict(), sort_keys=True)
    assert first == again == fresh


_FRESH: list[Catalog] = []


def _fresh_catalog() -> Catalog:
    """A second, independently loaded catalog (not the cached one)."""
    if not _FRESH:
        from dataclasses import replace

        from assistant.sizing_facts import SizingFacts
        from corpus.models import ARCHITECTURES_FILE, GPUS_FILE

        facts = SizingFacts.from_dicts(
            json.loads(ARCHITECTURES_FILE.read_text(encoding="utf-8")),
            json.loads(GPUS_FILE.read_text(encoding="utf-8")),
        )
        catalog = Catalog.from_dict(json.loads(CATALOG_FILE.read_text(encoding="utf-8")))
        _FRESH.append(replace(catalog, sizing_facts=facts))
    return _FRESH[0]
