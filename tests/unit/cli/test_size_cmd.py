"""``clinadvisor size``: text, JSON, names as people write them, errors (exit 2 with candidates), batch."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from serving.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_json_is_sizing_1_for_a_name_as_people_write_it(runner: CliRunner) -> None:
    args = ["size", "Llama 2 70B", "--bits", "4", "--gpu", "A100 80GB", "--gpus-available", "2", "--users", "20"]
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema"] == "sizing/1" and doc["model"] == "llama2-70b"
    assert doc["quant"] == "awq" and doc["bits_per_weight"] == 4.25
    assert doc["gpu"]["count_available"] == 2 and doc["fits"] is True
    assert doc["users"] == 20 and doc["kv_cache_gb"] > 20


def test_text_names_every_figure(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["size", "mixtral 8x7b", "--gpu", "H100", "--finetune", "qlora"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "46.7B parameters, 12.9B active per token" in out  # the real mixture, not 8 x 7B
    assert "GPUs: 2 x NVIDIA H100 SXM 80GB" in out and "fine-tuning (qlora" in out
    assert "cost per month: buy" in out and "prices of 2025-07" in out
    assert "assumptions:" in out and "sources:" in out


def test_cost_options_change_the_cost(runner: CliRunner) -> None:
    def buy(*extra: str) -> float:
        result = runner.invoke(cli, ["size", "llama2-7b", "--gpu", "A100 80GB", "--json", *extra])
        value: float = json.loads(result.output)["cost"]["per_month"]["buy"]
        return value

    assert buy("--years", "5") < buy("--years", "3")
    assert buy("--kwh-price", "0.30") > buy("--kwh-price", "0.10")


def test_an_api_model_has_only_a_token_cost(runner: CliRunner) -> None:
    args = ["size", "gpt-4", "--requests-per-day", "500", "--tokens-per-request", "2000", "--json"]
    doc = json.loads(runner.invoke(cli, args).output)
    assert doc["api_only"] is True and doc["total_gb"] is None and doc["cost"]["per_month"]["api"] == 608.4


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["size", "LLaMA2"], ["ambiguous", "llama2-7b", "llama2-70b"]),
        (["size", "llamma 2 70"], ["unknown", "llama2-70b"]),
        (["size", "llama2-7b", "--gpu", "voodoo"], ["unknown GPU", "a100-80gb"]),
        (["size", "llama2-7b", "--gpus-available", "2"], ["needs a GPU type"]),
        (["size", "llama2-7b", "--bits", "3"], ["3"]),
        (["size"], ["MODEL is required"]),
    ],
)
def test_bad_input_exits_2_naming_it(runner: CliRunner, args: list[str], words: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert all(w in result.output for w in words), result.output
    assert "Traceback" not in result.output


def test_batch_answers_every_line(runner: CliRunner) -> None:
    lines = "\n".join(
        [
            json.dumps({"model": "qwen3 8b", "gpu": "L4", "users": 4, "id": "a"}),
            json.dumps({"model": "nope"}),
            "",
            json.dumps({"model": "phi-4", "bits": "4"}),
            json.dumps({"model": "phi-4", "bits": 4}),
        ]
    )
    result = runner.invoke(cli, ["size", "--batch", "-"], input=lines)
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 4, 5]
    assert out[0]["id"] == "a" and out[0]["model"] == "Qwen3-8B" and out[0]["gpu"]["name"] == "NVIDIA L4"
    assert out[1]["error"]["param"] == "model" and out[2]["error"]["param"] == "bits"
    assert out[3]["quant"] == "awq"
