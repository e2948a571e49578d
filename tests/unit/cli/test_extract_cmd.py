"""``clinadvisor extract``: one message (text and JSON), batch mode with histories, and its errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from serving.cli import cli


def test_extract_json_for_the_design_example() -> None:
    text = "Ich bin Radiologe, ich möchte CT-Befunde entwerfen, die Daten dürfen das Krankenhaus nicht verlassen"
    result = CliRunner().invoke(cli, ["extract", text, "--backend", "none", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["stage"] == "II"
    # (drafting reports implies that text comes out)
    assert out["answers"] == {"radiology_text_generation": True, "data_sharing": False, "output_text_only": True}
    assert out["backend"] == "none"
    # extensions: the words each answer was read in, and who read it; no disagreement without a model
    assert out["evidence"]["data_sharing"] == {"quote": text, "reader": "rules"}
    assert out["disagreements"] == []


def test_the_text_output_shows_evidence_and_open_disagreements() -> None:
    from serving.cli.extract_cmd import _human

    out = {
        "stage": "V",
        "stages": ["V"],
        "answers": {"discharge_text_generation": True},
        "evidence": {"discharge_text_generation": {"quote": "We write discharge letters.", "reader": "both"}},
        "disagreements": [
            {"question": "data_sharing", "model": True, "rules": False, "model_quote": "x", "rules_quote": "y"}
        ],
        "backend": "embedded",
        "notices": [],
    }
    text = _human(out)
    assert 'discharge_text_generation: yes  (both: "We write discharge letters.")' in text
    assert 'open: data_sharing: the model read yes in "x", the phrases no in "y"' in text


def test_extract_text_output_and_asked() -> None:
    result = CliRunner().invoke(cli, ["extract", "no", "--asked", "deploy_local", "--stage", "5", "--backend", "none"])
    assert result.exit_code == 0, result.output
    assert "stage: V" in result.output and "deploy_local: no" in result.output


def test_extract_says_when_a_need_spans_stages() -> None:
    result = CliRunner().invoke(
        cli, ["extract", "Summarise the stay and write the discharge letter", "--backend", "none"]
    )
    assert result.exit_code == 0
    assert "stage: unknown" in result.output and "IV, V" in result.output


def test_empty_text_exits_2() -> None:
    result = CliRunner().invoke(cli, ["extract", "   ", "--backend", "none"])
    assert result.exit_code == 2
    assert "empty" in result.output


def test_unknown_asked_id_exits_2_listing_valid_ids() -> None:
    result = CliRunner().invoke(cli, ["extract", "yes", "--asked", "cloudy", "--backend", "none"])
    assert result.exit_code == 2
    assert "cloudy" in result.output and "data_sharing" in result.output


def test_batch_with_history_and_a_bad_line() -> None:
    lines = [
        {"id": "a", "text": "Ich bin Radiologe und möchte Befunde zusammenfassen."},
        {
            "id": "b",
            "text": "Nein.",
            "history": [
                {"role": "user", "content": "We write discharge letters."},
                {"role": "assistant", "content": "May the data be shared? `data_sharing`"},
            ],
        },
        {"id": "c", "text": ""},
        {"id": "d", "text": "yes", "asked": "examination_qa", "stage": "II"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\n"
    result = CliRunner().invoke(cli, ["extract", "--batch", "-", "--backend", "none"], input=stdin)
    assert result.exit_code == 2  # line c is bad; the others are still answered
    outs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in outs] == [1, 2, 3, 4]
    summary = {"radiology_report_summarization": True, "input_text_only": True, "output_text_only": True}
    assert outs[0]["stage"] == "II" and outs[0]["answers"] == summary
    assert outs[1]["stage"] == "V"
    assert outs[1]["answers"] == {"discharge_text_generation": True, "data_sharing": False, "output_text_only": True}
    assert outs[2]["error"]["param"] == "text"
    assert outs[3]["answers"] == {"examination_qa": True} and outs[3]["id"] == "d"


def test_an_embedded_model_is_warmed_up_before_the_message_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI has no server that warmed the model up: without it the first reading ran out of time on two
    cores and the rules answered alone (seen: "took longer than 20 s ... used the rule-based reader")."""
    from assistant.extraction import cache_clear
    from serving.backends import registry
    from tests.unit.assistant.test_extraction_llm import FakeBackend, reply

    cache_clear()
    backend = FakeBackend({}, reply(write_discharge_doc=[True, 1]), name="embedded")
    monkeypatch.setattr(registry, "load_backend", lambda name, settings: registry.LoadedBackend(backend, "embedded"))
    result = CliRunner().invoke(cli, ["extract", "Write the discharge letters.", "--backend", "embedded", "--json"])
    assert result.exit_code == 0, result.output
    assert len(backend.calls) == 2  # the warm-up, then the message
    assert "Hello." in backend.calls[0][-1]["content"] and "discharge" in backend.calls[1][-1]["content"]
    assert json.loads(result.output)["answers"] == {"discharge_text_generation": True, "output_text_only": True}


def test_a_history_read_by_the_model_reports_its_backend_even_with_a_notice() -> None:
    from serving.cli.extract_cmd import run_extract
    from tests.unit.assistant.test_extraction_llm import POLISH, POLISH_IN_ENGLISH, TranslatingBackend, reply

    backend = TranslatingBackend(POLISH_IN_ENGLISH, reply(route_patient=[True, 2]))
    out = run_extract(POLISH, asked=None, stage=None, history=[], backend=backend)
    assert out["notices"]  # the translation is announced ...
    assert out["backend"] == "embedded"  # ... and the model still read the turn
