"""The catalog build: every quirk of the review's data handled, every correction proved against the originals."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

import pytest

from corpus.catalog import CATALOG_FILE
from corpus.catalog.build import build_catalog, dumps, modality_slug, parse_params, slug
from corpus.catalog.corrections import REASONS
from tests.conftest import REVIEW


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    """A fresh build from ../shared/data/review."""
    return build_catalog(REVIEW, built_on=date(2026, 11, 22))


def _model(built: dict[str, Any], model_id: str) -> dict[str, Any]:
    return next(m for m in built["models"] if m["id"] == model_id)


def _corrections(built: dict[str, Any], kind: str) -> list[dict[str, str]]:
    return [c for c in built["corrections"] if c["kind"] == kind]


def test_committed_catalog_is_exactly_what_the_build_script_writes(built: dict[str, Any]) -> None:
    committed = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    rebuilt = json.loads(dumps({**built, "date": committed["date"]}))
    assert committed == rebuilt


def test_provenance_and_version_are_recorded(built: dict[str, Any]) -> None:
    assert built["source"]["commit"] == "902963e"
    assert "doi:10.2196/71916" in built["source"]["citation"]
    assert built["version"] and built["date"] == "2026-11-22"
    assert set(built["prices_as_of"]) == {"api", "gpu_purchase", "cloud_rental"}
    assert all(price["as_of"] for price in built["api_prices"].values())


def test_one_model_per_row_joined_by_position(built: dict[str, Any]) -> None:
    assert len(built["models"]) == 330
    assert [m["row"] for m in built["models"]] == list(range(1, 331))
    assert len({m["id"] for m in built["models"]}) == 330
    # Rows where the files disagree keep appear.csv's name and size (or detail.csv's size when appear has none).
    assert {c["model"] for c in _corrections(built, "name-join")} == {
        "BenTsao 7B",
        "LongFormer 128M",
        "Mixtral 8x7B",
        "DFCIImagingBERT 110M",
        "openchat-3.5-1210",
        "Gemma2 27B",
    }
    assert built["models"][152]["name"] == "Mixtral" and built["models"][152]["size"] == "8x7B"


def test_sized_and_unsized_rows_are_separate_and_llama2_chat_70b_is_kept_twice(built: dict[str, Any]) -> None:
    llama2 = [m for m in built["models"] if m["name"] == "LLaMA2"]
    assert sorted(m["size"] or "" for m in llama2) == ["", "13B", "70B", "7B"]
    twins = [m for m in built["models"] if m["name"] == "LLaMA2-Chat" and m["size"] == "70B"]
    assert [m["id"] for m in twins] == ["llama2-chat-70b-row187", "llama2-chat-70b-row232"]
    assert twins[0]["usage"] != twins[1]["usage"] or twins[0]["phases"] != twins[1]["phases"]


def test_bom_and_trailing_spaces_are_stripped(built: dict[str, Any]) -> None:
    raw_header = (REVIEW / "appear.csv").read_text(encoding="utf-8").splitlines()[0]
    assert raw_header.startswith("\ufeff")  # the quirk exists in the original
    subtasks = {c["subtask"] for c in built["columns"]}
    assert "Imaging protocol generation" in subtasks
    assert all(s == s.strip() for s in subtasks)
    assert any(m["name"] == "BiomedGPT" for m in built["models"])  # "BiomedGPT " in detail.csv


def test_columns_are_stage_subtask_pairs_split_by_modality(built: dict[str, Any]) -> None:
    columns = built["columns"]
    assert len(columns) == 67
    assert len({c["id"] for c in columns}) == 67
    assert len({(c["stage"], c["subtask"]) for c in columns}) == 56
    report_generation = [c["id"] for c in columns if c["stage"] == "II" and c["subtask"] == "Report generation"]
    assert report_generation == [
        "ii.report-generation.text",
        "ii.report-generation.image2d.opt-text",
        "ii.report-generation.image3d.opt-text",
    ]
    assert {c["stage"] for c in columns} == {"I", "II", "III", "IV", "V"}


def test_best_counts_as_used(built: dict[str, Any]) -> None:
    rows = list(csv.reader((REVIEW / "appear.csv").open(encoding="utf-8-sig")))
    best_rows = list(csv.reader((REVIEW / "best.csv").open(encoding="utf-8-sig")))
    row = next(i for i, r in enumerate(rows) if r[0] == "BioLinkBERT")
    position = next(
        j for j, (a, b) in enumerate(zip(rows[row][2:], best_rows[row][2:], strict=True)) if (b or "0") > (a or "0")
    )
    column_id = built["columns"][position]["id"]
    assert _model(built, "biolinkbert")["usage"][column_id] == [1, 1]
    assert [c["model"] for c in _corrections(built, "best-counts-as-used")] == ["BioLinkBERT"]


@pytest.mark.parametrize(
    ("model_id", "access"),
    [
        ("palm2", "API"),
        ("palm2-bison-001", "API"),
        ("gpt3-175b", "API"),
        ("anthropic-claude2", "API"),
        ("gemini-pro", "API"),
        ("perplexity-ai", "API"),
        ("iflytek-spark-v2-0", "API"),
        ("chatsonic", "API"),
        ("command-xlarge-nightly", "API"),
        ("gopher", "Restricted"),
        ("chinchilla", "Restricted"),
        ("lamda", "Restricted"),
        ("palm-e-84b", "Restricted"),
    ],
)
def test_access_corrections(built: dict[str, Any], model_id: str, access: str) -> None:
    raw = {r[0].strip(): r[17] for r in csv.reader((REVIEW / "detail.csv").open(encoding="utf-8-sig"))}
    model = _model(built, model_id)
    assert raw[model["name"]] == "Open"  # the review's label
    assert model["access"] == access


def test_endochat_pre_training_fields_move_to_fine_tuning(built: dict[str, Any]) -> None:
    endochat = _model(built, "endochat")
    assert "pre_training" not in endochat["phases"]
    assert endochat["phases"]["fine_tuning"] == {
        "gpu_count": 4,
        "gpu_type": "NVIDIA A800-40GB",
        "gpu_memory_gb": 40,
        "memory_gb_total": 160,
        "power_w_total": 960.0,
        "purchase_usd_total": 42400.0,
    }


def test_dia_llama_totals_are_doubled_for_its_two_gpus(built: dict[str, Any]) -> None:
    phase = _model(built, "dia-llama-7b")["phases"]["fine_tuning"]
    assert (phase["gpu_count"], phase["power_w_total"], phase["memory_gb_total"], phase["purchase_usd_total"]) == (
        2,
        700.0,
        48,
        3200.0,
    )
    details = [c["detail"] for c in _corrections(built, "per-gpu-totals") if c["model"] == "Dia-LLaMA 7B"]
    assert len(details) == 3


@pytest.mark.parametrize(
    ("model_id", "phase", "gpu_type", "per_gpu_gb"),
    [
        ("radialog-7b", "fine_tuning", "NVIDIA A40", 48),  # memory-less string
        ("llama2-7b", "fine_tuning", "NVIDIA Quadro RTX 8000", 48),
        ("phenogpt-falcon-7b", "fine_tuning", "unspecified 70 GB GPU", 70),  # memory-only string
        ("llama-7b", "inference", "unspecified 80 GB GPU", 80),
        ("gatortron-345m", "fine_tuning", "NVIDIA A100-40GB", 40),  # "NVIDIA TESLA A100-40GB"
        ("dfciimagingbert-110m", "pre_training", "NVIDIA T4", 16),
    ],
)
def test_gpu_strings_are_normalised(
    built: dict[str, Any], model_id: str, phase: str, gpu_type: str, per_gpu_gb: float
) -> None:
    entry = _model(built, model_id)["phases"][phase]
    assert (entry["gpu_type"], entry["gpu_memory_gb"]) == (gpu_type, per_gpu_gb)


def test_tpu_price_moves_out_of_the_type_string(built: dict[str, Any]) -> None:
    phase = _model(built, "clinical-t5-770m")["phases"]["pre_training"]
    assert phase["gpu_type"] == "Google TPU v3-8"
    assert phase["purchase_usd_total"] == 1800.0
    assert "$" not in json.dumps([m["phases"] for m in built["models"]])


def test_h100_power_is_the_cards_rating_with_the_reviews_value_noted(built: dict[str, Any]) -> None:
    assert _model(built, "clinical-camel-70b")["phases"]["fine_tuning"]["power_w_total"] == 700.0
    assert _model(built, "me-llama-70b")["phases"]["fine_tuning"]["power_w_total"] == 8 * 700.0
    notes = _corrections(built, "h100-power")
    assert notes and all("review's value 300" in c["detail"] for c in notes)
    assert built["gpus"]["NVIDIA H100"]["tdp_w"] == 700.0


def test_rtx_4090_memory_is_24_gb(built: dict[str, Any]) -> None:
    phase = _model(built, "xiaoqing-6b")["phases"]["inference"]
    assert (phase["gpu_memory_gb"], phase["memory_gb_total"]) == (24, 24)
    assert [c["detail"] for c in _corrections(built, "rtx4090-memory")] == ["inference: memory total 32 -> 24 GB"]


def test_misattributed_link_is_dropped(built: dict[str, Any]) -> None:
    urls = [link["url"] for link in _model(built, "chip-gpt-33b")["links"]]
    assert urls == ["https://github.com/cinquin/ChIP-GPT-llm"]
    assert _model(built, "radialog-7b")["links"] == [
        {"label": "RaDialog GitHub", "url": "https://github.com/ChantalMP/RaDialog"}
    ]


def test_every_correction_kind_fires_and_every_entry_has_its_reason(built: dict[str, Any]) -> None:
    assert {c["kind"] for c in built["corrections"]} == set(REASONS)
    assert all(c["reason"] == REASONS[c["kind"]] for c in built["corrections"])


def test_api_prices_are_attached_to_the_services(built: dict[str, Any]) -> None:
    assert built["api_prices"]["gpt-4"]["usd_per_1k_input_tokens"] == 0.01
    assert built["api_prices"]["gpt-4o"]["usd_per_1k_output_tokens"] == 0.01  # "GPT 4o" in the CSV
    assert built["api_prices"]["gemini-ultra"]["usd_per_1k_input_tokens"] is None  # subscription only


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("7B", (7.0, False)),
        ("345M", (0.345, False)),
        ("4.72B", (4.72, False)),
        ("8x7B", (56.0, True)),
        ("", (None, False)),
    ],
)
def test_parse_params(size: str, expected: tuple[float | None, bool]) -> None:
    assert parse_params(size) == expected


def test_unreadable_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unreadable model size"):
        parse_params("seven billion")


def test_slugs() -> None:
    assert slug("Me LLaMA-Chat 13B") == "me-llama-chat-13b"
    assert modality_slug("image (2D)+text") == "image2d-text"
