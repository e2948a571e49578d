"""``clinadvisor questionnaire`` and ``clinadvisor recommend``: the rules core from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

import click

from assistant.errors import InvalidInput
from assistant.questionnaire import (
    GLOSSARY,
    STAGES,
    parse_stage,
    questionnaire_dict,
    questions,
    stage_info,
    task_examples,
)
from assistant.render import recommendation_markdown
from assistant.rules import recommend as run_rules
from corpus.catalog import load_catalog
from serving.cli.batch import BatchLineError, require, run_batch


def fail(exc: InvalidInput) -> None:
    """Print the error (naming the offending value and the valid ones) and exit with code 2."""
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


def parse_answer_options(pairs: tuple[str, ...]) -> dict[str, str]:
    """``id=value`` pairs from repeated ``--answer`` options."""
    answers = {}
    for pair in pairs:
        qid, sep, value = pair.partition("=")
        if not sep or not qid.strip():
            raise InvalidInput(f"--answer {pair!r} is not of the form id=yes|no|unknown", param="answer", value=pair)
        answers[qid.strip()] = value.strip()
    return answers


@click.command()
@click.option("--stage", default=None, help="Show one stage (I..V or 1..5); all stages when left out.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def questionnaire(stage: str | None, as_json: bool) -> None:
    """The questions of each stage, in asking order, with plain-language explanations."""
    catalog = load_catalog()
    try:
        stage_ids = [parse_stage(stage)] if stage is not None else [s.id for s in STAGES]
    except InvalidInput as exc:
        fail(exc)
        return
    if as_json:
        click.echo(json.dumps(questionnaire_dict(catalog, stage), indent=2, ensure_ascii=False))
        return
    for stage_id in stage_ids:
        info = stage_info(stage_id)
        click.echo(f"Stage {info.id}: {info.title}")
        click.echo(f"  {info.description}")
        click.echo(f"  For example: {', '.join(info.example_roles)}")
        for n, q in enumerate(questions(stage_id), start=1):
            click.echo(f"  {n}. {q.text}  [{q.id}]")
            click.echo(f"     {q.explanation}")
            if q.kind == "task":
                click.echo(f"     Sub-tasks: {', '.join(task_examples(catalog, stage_id, q.id))}")
        click.echo("")
    if stage is None:
        click.echo("Terms:")
        for term, text in GLOSSARY.items():
            click.echo(f"  {term}: {text}")


def _recommend_line(record: Mapping[str, Any]) -> dict[str, Any]:
    stage = require(record, "stage", (str, int))
    answers = record.get("answers", {})
    if not isinstance(answers, dict):
        raise BatchLineError("field 'answers' must be an object of question id -> true/false/null", param="answers")
    return run_rules(load_catalog(), parse_stage(stage), answers).to_dict()


@click.command()
@click.option("--stage", default=None, help="Workflow stage: I..V (or 1..5).")
@click.option("--answer", "answers", multiple=True, metavar="ID=yes|no|unknown", help="An answer; repeat.")
@click.option("--json", "as_json", is_flag=True, help="Print the recommendation/1 JSON.")
@click.option("--batch", type=click.File("r"), default=None, help="JSON Lines of {stage, answers}; - for stdin.")
def recommend(stage: str | None, answers: tuple[str, ...], as_json: bool, batch: Any) -> None:
    """Recommend models for a stage and answers (deterministic; no LLM involved)."""
    if batch is not None:
        sys.exit(run_batch(batch, _recommend_line, sys.stdout, sys.stderr))
    if stage is None:
        valid = ", ".join(s.id for s in STAGES)
        click.echo(f"error: --stage is required (or --batch); valid stages: {valid}", err=True)
        sys.exit(2)
    try:
        rec = run_rules(load_catalog(), parse_stage(stage), parse_answer_options(answers))
    except InvalidInput as exc:
        fail(exc)
        return
    if as_json:
        click.echo(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(recommendation_markdown(rec))
