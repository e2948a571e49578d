"""The command line: version, catalog info, questionnaire, recommend (text, JSON, batch) and its errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.catalog import Catalog
from serving.cli import cli
from serving.cli.catalog_cmd import price_age_days, stale_prices

RADIOLOGIST_ARGS = [
    "recommend",
    "--stage",
    "II",
    "--answer",
    "input_text_only=no",
    "--answer",
    "output_text_only=yes",
    "--answer",
    "data_sharing=no",
    "--answer",
    "radiology_text_generation=yes",
    "--answer",
    "radiology_report_summarization=yes",
    "--answer",
    "deploy_local=yes",
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "clinadvisor, version 0.1.0" in result.output


def test_catalog_info_shows_provenance_and_warns_about_old_prices(runner: CliRunner, catalog: Catalog) -> None:
    result = runner.invoke(cli, ["catalog", "info"])
    assert result.exit_code == 0
    assert catalog.version in result.stdout and "902963e" in result.stdout and "doi:10.2196/71916" in result.stdout
    assert "prices as of: api 2025-07" in result.stdout
    # Today (2026-11 or later) the review's 2025-07 prices are more than a year old.
    assert "warning: api prices are" in result.stderr


def test_price_age_counts_a_month_from_its_last_day(catalog: Catalog) -> None:
    assert price_age_days("2025-07", date(2025, 7, 31)) == 0
    assert price_age_days("2025-07-01", date(2025, 7, 31)) == 30
    assert stale_prices(catalog, date(2026, 7, 31)) == {}
    assert set(stale_prices(catalog, date(2026, 8, 1))) == {"api", "gpu_purchase", "cloud_rental"}


def test_catalog_info_json(runner: CliRunner) -> None:
    data = json.loads(runner.invoke(cli, ["catalog", "info", "--json"]).stdout)
    assert data["models"] == 330 and data["columns"] == 67 and data["source"]["commit"] == "902963e"


def test_catalog_corrections_lists_each_change_with_its_kind(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["catalog", "corrections"]).stdout
    assert "[access-restricted] PaLM-E 84B: Open -> Restricted" in out
    assert "[h100-power]" in out


def test_questionnaire_text_and_json(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["questionnaire", "--stage", "ii"]).stdout
    assert "Stage II: Pre-diagnosis and examination" in text and "[radiology_text_generation]" in text
    data = json.loads(runner.invoke(cli, ["questionnaire", "--json"]).stdout)
    assert [s["id"] for s in data["stages"]] == ["I", "II", "III", "IV", "V"]


def test_recommend_prints_a_readable_table(runner: CliRunner) -> None:
    result = runner.invoke(cli, RADIOLOGIST_ARGS)
    assert result.exit_code == 0
    assert "| 1 | RaDialog-7B | * | 5 (4) | Open |" in result.stdout
    assert "$7,799 to buy" in result.stdout and "PaLM-E-84B (weights never released)" in result.stdout
    assert "not medical advice" in result.stdout


def test_recommend_json_is_the_contract(runner: CliRunner) -> None:
    data = json.loads(runner.invoke(cli, [*RADIOLOGIST_ARGS, "--json"]).stdout)
    assert data["schema"] == "recommendation/1" and [m["id"] for m in data["matches"]] == ["radialog-7b", "llama2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recommend", "--stage", "VI"], "unknown stage 'VI'; valid: I, II, III, IV, V"),
        (["recommend"], "--stage is required"),
        (["recommend", "--stage", "I", "--answer", "medical_qa=yes"], "'medical_qa' is not asked in stage I; valid:"),
        (["recommend", "--stage", "I", "--answer", "bogus=yes"], "'bogus' is not a question id"),
        (["recommend", "--stage", "I", "--answer", "data_sharing=perhaps"], "'perhaps' for data_sharing"),
        (["recommend", "--stage", "I", "--answer", "data_sharing"], "is not of the form id=yes|no|unknown"),
        (["questionnaire", "--stage", "9"], "unknown stage '9'"),
    ],
)
def test_bad_input_exits_2_naming_the_value(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_batch_mode_answers_every_line_in_order(runner: CliRunner) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "ok", "stage": "II", "answers": {"radiology_text_generation": True}}),
            "",
            json.dumps({"stage": "X"}),
            "{not json",
            json.dumps({"answers": {}}),
            json.dumps({"stage": 5, "answers": {"medical_qa": True, "deploy_local": None}}),
            json.dumps({"stage": "I", "answers": ["yes"]}),
        ]
    )
    result = runner.invoke(cli, ["recommend", "--batch", "-"], input=lines + "\n")
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 3, 4, 5, 6, 7]
    assert out[0]["id"] == "ok" and out[0]["schema"] == "recommendation/1"
    assert out[1]["error"] == {"message": "unknown stage 'X'; valid: I, II, III, IV, V", "param": "stage"}
    assert out[2]["error"]["param"] is None and "not valid JSON" in out[2]["error"]["message"]
    assert out[3]["error"]["param"] == "stage"
    assert out[4]["stage"] == "V" and out[4]["status"] in ("recommended", "no_full_match")
    assert out[5]["error"]["param"] == "answers"
    assert len(result.stderr.strip().splitlines()) == 4


def test_batch_mode_exits_0_when_every_line_succeeds(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["recommend", "--batch", "-"], input='{"stage": "I", "answers": {}}\n')
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "need_more_info"


def test_the_installed_console_script_runs() -> None:
    # The script sits beside the interpreter running the tests (the venv's bin/), whatever PATH says.
    exe = shutil.which("clinadvisor", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the package"
    done = subprocess.run([exe, *RADIOLOGIST_ARGS, "--json"], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout)["matches"][0]["id"] == "radialog-7b"
