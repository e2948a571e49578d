"""``clinadvisor extract``: what a user's message says about the stage and the questionnaire's answers."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from assistant.errors import InvalidInput
from assistant.extraction import Extraction, extract, read_history, warm_up
from assistant.extraction_rules import STAGE_QUESTION
from assistant.llm import ChatBackend
from assistant.questionnaire import all_question_ids, parse_stage
from serving.cli.batch import BatchLineError, require, run_batch


def _check_asked(asked: str | None) -> str | None:
    if asked is None:
        return None
    valid = (*all_question_ids(), STAGE_QUESTION)
    if asked not in valid:
        raise InvalidInput(f"--asked {asked!r} is not a question id", param="asked", value=asked, valid=valid)
    return asked


def _check_messages(history: object) -> list[dict[str, Any]]:
    if not isinstance(history, list) or not all(isinstance(m, dict) and "role" in m for m in history):
        raise BatchLineError("field 'history' must be a list of {role, content} messages", param="history")
    return list(history)


def run_extract(
    text: str,
    *,
    asked: str | None,
    stage: str | None,
    history: Sequence[Mapping[str, Any]] | None,
    backend: ChatBackend | None,
    notices: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``extract`` output for one message (and, with ``history``, the whole conversation up to it)."""
    if not text.strip():
        raise InvalidInput("text is empty: give the user's message", param="text", value=text)
    asked = _check_asked(asked)
    stage_id = parse_stage(stage) if stage is not None else None
    if history is None:
        found: Extraction = extract(text, asked=asked, stage=stage_id, backend=backend)
        out = found.to_dict()
        out["notices"] = [*notices, *found.notices]
        return out
    messages: list[Mapping[str, Any]] = list(history)
    if asked is not None:  # the question asked just before this message, in the dialogue's own marker
        messages.append({"role": "assistant", "content": f"`{asked}`"})
    messages.append({"role": "user", "content": text})
    chat = read_history(messages, backend=backend, stage=stage_id)
    out = chat.to_dict()
    out["notices"] = [*notices, *chat.notices]
    return out


def _load(name: str | None) -> tuple[ChatBackend | None, list[str]]:
    if name == "none":
        return None, []
    from serving.backends.registry import load_backend
    from serving.settings import load_settings

    loaded = load_backend(name, load_settings())
    backend = None if loaded.backend.name == "none" else loaded.backend
    if backend is not None and backend.name == "embedded":
        # a one-shot command has no server that warmed the model up: evaluate the fixed prompt first, outside
        # the reading's time budget (on two cores that alone takes longer than the budget)
        warm_up(backend)
    return backend, list(loaded.notices)


def _human(out: Mapping[str, Any]) -> str:
    lines = [f"stage: {out['stage'] or 'unknown'}"]
    if len(out.get("stages", [])) > 1:
        lines.append(f"the need spans stages {', '.join(out['stages'])}: one recommendation per stage")
    answers = out["answers"]
    evidence = out.get("evidence", {})
    if answers:
        lines.append("answers:")
        for qid, value in answers.items():
            seen = evidence.get(qid)
            where = f'  ({seen["reader"]}: "{seen["quote"]}")' if seen else ""
            lines.append(f"  {qid}: {'yes' if value else 'no'}{where}")
    else:
        lines.append("answers: none given")
    for d in out.get("disagreements", []):
        lines.append(
            f'open: {d["question"]}: the model read {"yes" if d["model"] else "no"} in "{d["model_quote"]}", '
            f'the phrases {"yes" if d["rules"] else "no"} in "{d["rules_quote"]}"; the assistant asks'
        )
    lines.append(f"read by: {out['backend']}")
    lines.extend(f"note: {n}" for n in out.get("notices", []))
    return "\n".join(lines)


@click.command("extract")
@click.argument("text", required=False)
@click.option("--asked", default=None, help="The question id the assistant just asked (or 'stage').")
@click.option("--stage", default=None, help="The stage already known: I..V (or 1..5).")
@click.option(
    "--backend",
    "backend_name",
    type=click.Choice(["none", "embedded", "openai"]),
    default=None,
    help="Who reads the text; default CLINADVISOR_BACKEND (falls back to none, with a note, if it cannot start).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the extract JSON.")
@click.option("--batch", type=click.File("r"), default=None, help="JSON Lines of {text, asked?, stage?, history?}.")
def extract_cmd(
    text: str | None, asked: str | None, stage: str | None, backend_name: str | None, as_json: bool, batch: Any
) -> None:
    """Turn a user's description of their need into the stage and yes/no answers (nothing is guessed)."""
    try:
        backend, notices = _load(backend_name)
    except InvalidInput as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if batch is not None:

        def handle(record: Mapping[str, Any]) -> dict[str, Any]:
            line_text = require(record, "text", str)
            line_asked = record.get("asked")
            line_stage = record.get("stage")
            if line_asked is not None and not isinstance(line_asked, str):
                raise BatchLineError("field 'asked' must be a question id", param="asked", value=line_asked)
            if line_stage is not None and not isinstance(line_stage, str | int):
                raise BatchLineError("field 'stage' must be I..V or 1..5", param="stage", value=line_stage)
            history = _check_messages(record["history"]) if record.get("history") is not None else None
            return run_extract(
                line_text,
                asked=line_asked,
                stage=None if line_stage is None else str(line_stage),
                history=history,
                backend=backend,
                notices=notices,
            )

        sys.exit(run_batch(batch, handle, sys.stdout, sys.stderr))
    if text is None or not text.strip():
        click.echo("error: the text to read is empty; give the user's message (or --batch FILE)", err=True)
        sys.exit(2)
    try:
        out = run_extract(text, asked=asked, stage=stage, history=None, backend=backend, notices=notices)
    except InvalidInput as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(out, indent=2, ensure_ascii=False) if as_json else _human(out))
