"""The rules core: each rule, each skip, golden cases worked out from the data, and the JSON contract."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest

from assistant.catalog import Catalog
from assistant.rules import recommend
from tests.conftest import REVIEW

# The radiologist of the original tool's usage guide (../shared/seeds/000_...): stage II, images in, text
# out, no sharing, generate and summarise radiology text, no image processing, no exam QA, local.
RADIOLOGIST = {
    "input_text_only": "no",
    "output_text_only": "yes",
    "data_sharing": "no",
    "radiology_text_generation": "yes",
    "radiology_report_summarization": "yes",
    "medical_image_processing": "no",
    "examination_qa": "no",
    "deploy_local": "yes",
}


def ids(models: list[dict[str, Any]]) -> list[str]:
    return [m["id"] for m in models]


def run(catalog: Catalog, stage: str, **answers: object) -> dict[str, Any]:
    return recommend(catalog, stage, answers).to_dict()


def test_golden_radiologist_of_the_seed_guide(catalog: Catalog) -> None:
    """The seed shows RaDialog-7B (*), PaLM-E-84B, LLaMA2. Differences, each on purpose:

    - PaLM-E-84B is excluded (reason "restricted"): its weights were never released (access correction).
    - LLaMA2 is the unsized catalog entry; the seed assumed it was the 7B model and showed the 7B's
      fine-tuning GPUs. We do not guess: the unsized entry has no reported hardware and no size, so no
      resources and no estimate (the trace says why).
    """
    rec = run(catalog, "II", **RADIOLOGIST)
    assert rec["status"] == "recommended"
    assert ids(rec["matches"]) == ["radialog-7b", "llama2"]
    radialog, llama2 = rec["matches"]
    assert radialog["star"] is True and llama2["star"] is False
    assert {"id": "palm-e-84b", "reason": "restricted"}.items() <= next(
        e for e in rec["excluded"] if e["id"] == "palm-e-84b"
    ).items()
    assert llama2["resources"]["fine_tuning"] is None and llama2["resources"]["estimate"] is None
    assert any("no memory estimate for: LLaMA2" in t["detail"] for t in rec["trace"])
    # RaDialog's fine-tuning, locally: 1 x A40 48 GB, 300 W, $7,799 (as in the seed), no rental price.
    ft = radialog["resources"]["fine_tuning"]
    assert (ft["gpu_count"], ft["gpu_type"], ft["memory_gb_total"], ft["power_w_total"], ft["purchase_usd_total"]) == (
        1,
        "NVIDIA A40",
        48,
        300.0,
        7799.0,
    )
    assert ft["cloud_usd_per_hour"] is None


def test_radialog_evidence_is_summed_from_the_original_tables(catalog: Catalog) -> None:
    appear = list(csv.reader((REVIEW / "appear.csv").open(encoding="utf-8-sig")))
    best = list(csv.reader((REVIEW / "best.csv").open(encoding="utf-8-sig")))
    row = next(i for i, r in enumerate(appear) if r[0] == "RaDialog")
    header_task, header_stage = appear[1], appear[0]
    stage, used_total, best_total = "", 0, 0
    for j in range(2, len(header_task)):
        stage = header_stage[j] or stage
        # Stage II's text-generation and summarisation columns whose output is text.
        if stage == "2" and header_task[j] in ("Text generation", "Text summarization") and appear[5][j] == "text":
            used, b = int(appear[row][j] or 0), int(best[row][j] or 0)
            used_total += max(used, b)
            best_total += b
    rec = run(catalog, "II", **RADIOLOGIST)
    evidence = rec["matches"][0]["evidence"]
    assert (evidence["studies"], evidence["best"]) == (used_total, best_total) == (5, 4)
    assert set(evidence["by_task"]) == {"radiology_text_generation", "radiology_report_summarization"}


def test_cloud_rental_prices_follow_the_seed(catalog: Catalog) -> None:
    rec = run(catalog, "II", **{**RADIOLOGIST, "deploy_local": "no"})
    ft = rec["matches"][0]["resources"]["fine_tuning"]
    # "The price of renting a GPU with 48GB of memory ... is $3.75/1h" (seed), by total memory.
    assert (ft["cloud_usd_per_hour"], ft["cloud_basis"]) == (3.75, "memory")
    assert ft["purchase_usd_total"] is None and ft["power_w_total"] is None


def test_unknown_deployment_shows_purchase_and_rental(catalog: Catalog) -> None:
    rec = run(catalog, "II", **{**RADIOLOGIST, "deploy_local": "unknown"})
    ft = rec["matches"][0]["resources"]["fine_tuning"]
    assert ft["purchase_usd_total"] == 7799.0 and ft["cloud_usd_per_hour"] == 3.75


@pytest.mark.parametrize(
    ("model_id", "phase", "price", "basis"),
    [
        ("me-llama-70b", "fine_tuning", 88.0, "gpu_type"),  # 8 x H100 at $11/h (the seed's "$88/1h")
        ("radialog-7b", "fine_tuning", 3.75, "memory"),  # 48 GB in all
        ("plm-icd-345m", "fine_tuning", 1.25, "nearest"),  # 8 GB: the smallest listed memory >= 8 is 16 GB
        ("clinical-t5-770m", "pre_training", None, None),  # a TPU: nothing in the table fits
    ],
)
def test_cloud_price_rule(catalog: Catalog, model_id: str, phase: str, price: float | None, basis: str | None) -> None:
    from assistant.resources import cloud_price

    result = cloud_price(catalog, catalog.model(model_id).phases[phase])
    assert (result.usd_per_hour, result.basis) == (price, basis) if result else (price, basis) == (None, None)


def test_memory_estimate_where_inference_data_is_missing(catalog: Catalog) -> None:
    """The weights at 16 bits and at 4.25 bits per weight (AWQ-class), from the sizing module."""
    from dataclasses import replace

    from assistant.resources import memory_estimate

    radialog = memory_estimate(catalog, catalog.model("radialog-7b"))
    # 7.0B x 16 / 8 = 14.0 GB; 7.0B x 4.25 / 8 = 3.72 GB
    assert radialog is not None and (radialog.fp16_gb, radialog.int4_gb, radialog.upper_bound) == (14.0, 3.7, False)
    # Mixtral 8x7B: the real 46.7B total (not 8 x 7 = 56B), so no longer an upper bound
    mixtral = memory_estimate(catalog, catalog.model("mixtral-8x7b"))
    assert mixtral is not None and (mixtral.fp16_gb, mixtral.int4_gb, mixtral.upper_bound) == (93.4, 24.8, False)
    # without the facts, the review's "8x7B" = 56B is an upper bound
    bare = replace(catalog, sizing_facts=None)
    rough = memory_estimate(bare, catalog.model("mixtral-8x7b"))
    assert rough is not None and (rough.fp16_gb, rough.upper_bound) == (112.0, True)
    assert memory_estimate(catalog, catalog.model("gpt-4")) is None


def test_input_text_only_removes_image_columns(catalog: Catalog) -> None:
    # LLaVA-Med answers questions about 2D images in stage III: text-only input takes it out.
    images = run(catalog, "III", medical_qa="yes")
    text_only = run(catalog, "III", medical_qa="yes", input_text_only="yes")
    assert "llava-med-7b" in ids(images["matches"])
    assert "llava-med-7b" not in ids(text_only["matches"])
    assert any(e["id"] == "llava-med-7b" and e["reason"] == "modality" for e in text_only["excluded"])
    assert any("input text-only: yes" in t["detail"] for t in text_only["trace"])


def test_output_text_only_removes_segmentation(catalog: Catalog) -> None:
    free = run(catalog, "II", medical_image_processing="yes")
    text_out = run(catalog, "II", medical_image_processing="yes", output_text_only="yes")
    assert set(ids(text_out["matches"])) < set(ids(free["matches"]))


@pytest.mark.parametrize(
    ("sharing", "local", "reason"),
    [
        ("yes", "no", None),
        ("no", "no", "needs_data_sharing"),
        ("unknown", "no", "needs_data_sharing"),
        ("yes", "yes", "needs_cloud"),
        ("yes", "unknown", "needs_cloud"),
    ],
)
def test_api_models_need_sharing_and_cloud(catalog: Catalog, sharing: str, local: str, reason: str | None) -> None:
    rec = run(catalog, "II", **{**RADIOLOGIST, "data_sharing": sharing, "deploy_local": local})
    gpt4 = [e for e in rec["excluded"] if e["id"] == "gpt-4"]
    if reason is None:
        assert "gpt-4" in ids(rec["matches"]) and not gpt4
    else:
        assert "gpt-4" not in ids(rec["matches"]) and gpt4[0]["reason"] == reason


def test_restricted_models_are_never_recommended(catalog: Catalog) -> None:
    rec = run(catalog, "II", **{**RADIOLOGIST, "data_sharing": "yes", "deploy_local": "no"})
    restricted = {m.id for m in catalog.models if m.access == "Restricted"}
    assert not restricted & set(ids(rec["matches"]))


def test_star_means_best_in_every_selected_task(catalog: Catalog) -> None:
    rec = run(catalog, "III", disease_diagnosis="yes", medical_qa="yes", data_sharing="yes", deploy_local="no")
    assert rec["status"] == "recommended"
    for model in rec["matches"]:
        best_everywhere = all(t["best"] > 0 for t in model["evidence"]["by_task"].values())
        assert model["star"] is best_everywhere


def test_ranking_order(catalog: Catalog) -> None:
    rec = run(catalog, "III", disease_diagnosis="yes", data_sharing="yes", deploy_local="no")
    keys = [
        (not m["star"], -m["evidence"]["studies"], -m["evidence"]["best"], m["name"].casefold()) for m in rec["matches"]
    ]
    assert keys == sorted(keys)
    assert len(rec["matches"]) > 20


def test_need_more_info_when_no_task_is_yes(catalog: Catalog) -> None:
    rec = run(catalog, "V", input_text_only="yes")
    assert rec["status"] == "need_more_info"
    assert rec["matches"] == [] and rec["partial_matches"] == []
    assert rec["missing"] == [
        "output_text_only",
        "data_sharing",
        "disease_prediction",
        "clinical_text_extraction",
        "discharge_text_generation",
        "medical_qa",
        "deploy_local",
    ]
    all_no = run(catalog, "I", registration_recommendation="no")
    assert all_no["status"] == "need_more_info"


def test_never_a_dead_end_partial_matches_and_the_constraint_that_removed_candidates(catalog: Catalog) -> None:
    answers = {
        "data_sharing": "no",
        "deploy_local": "yes",
        "surgery_nursing_text_generation": "yes",
        "disease_prediction": "yes",
        "clinical_text_extraction": "yes",
        "medical_qa": "yes",
        "clinical_record_summarization": "yes",
    }
    rec = run(catalog, "IV", **answers)
    assert rec["status"] == "no_full_match"
    assert rec["matches"] == []
    partial = rec["partial_matches"]
    assert 0 < len(partial) <= 10
    coverage = [len(m["covers"]) for m in partial]
    assert coverage == sorted(coverage, reverse=True)
    for m in partial:
        assert set(m["covers"]) | set(m["lacks"]) == {
            k for k, v in answers.items() if v == "yes" and k != "deploy_local"
        }
        assert m["access"] == "Open"
    # The same question with sharing and cloud allowed has a full match: GPT-4 covers every task.
    open_rec = run(catalog, "IV", **{**answers, "data_sharing": "yes", "deploy_local": "no"})
    assert "gpt-4" in ids(open_rec["matches"])
    assert any(e["id"] == "gpt-4" and e["reason"] == "needs_data_sharing" for e in rec["excluded"])


def test_medical_image_processing_is_not_asked_for_text_only_input(catalog: Catalog) -> None:
    rec = run(catalog, "II", input_text_only="yes", radiology_text_generation="yes")
    assert "medical_image_processing" not in rec["missing"]
    rec_images = run(catalog, "II", input_text_only="no", radiology_text_generation="yes")
    assert "medical_image_processing" in rec_images["missing"]


def test_deploy_local_is_not_asked_when_no_model_qualifies_even_in_the_cloud(catalog: Catalog) -> None:
    # Stage I with text-only input and output: the registration column is text; pick a case with no model at all.
    rec = run(catalog, "IV", input_text_only="yes", output_text_only="yes", medical_qa="yes")
    assert "deploy_local" in rec["missing"]
    nothing = run(
        catalog,
        "II",
        input_text_only="yes",
        output_text_only="no",
        medical_image_processing="yes",
    )
    # Every image-processing column needs image input: with text-only input nothing qualifies.
    assert nothing["status"] == "no_full_match" and nothing["partial_matches"] == []
    assert "deploy_local" not in nothing["missing"]


def test_missing_lists_only_questions_that_could_change_the_result(catalog: Catalog) -> None:
    rec = run(catalog, "II", **RADIOLOGIST)
    assert rec["missing"] == ["examination_report_extraction", "disease_diagnosis"]
    complete = run(catalog, "II", **{**RADIOLOGIST, "examination_report_extraction": "no", "disease_diagnosis": "no"})
    assert complete["missing"] == []


def test_trace_names_the_rules_and_the_catalog_version(catalog: Catalog) -> None:
    rec = run(catalog, "II", **RADIOLOGIST)
    rules = {t["rule"] for t in rec["trace"]}
    assert {"catalog", "stage", "modality", "task", "access", "full_match", "star", "ranking", "resources"} <= rules
    assert catalog.version in rec["trace"][0]["detail"]
    assert rec["catalog_version"] == catalog.version


MODEL_KEYS = {
    "id",
    "row",
    "name",
    "size",
    "params_b",
    "access",
    "star",
    "evidence",
    "links",
    "resources",
    "type",
    "can_generate_text",
    "to_run",  # sizing extensions (to_run is in CONTRACTS.md, "Sizing")
}
PHASE_KEYS = {
    "gpu_count",
    "gpu_type",
    "gpu_memory_gb",
    "memory_gb_total",
    "power_w_total",
    "purchase_usd_total",
    "cloud_usd_per_hour",
    "cloud_basis",
}


def test_json_follows_the_contract(catalog: Catalog) -> None:
    rec = run(catalog, "II", **RADIOLOGIST)
    assert set(rec) == {
        "schema",
        "catalog_version",
        "stage",
        "status",
        "answers",
        "missing",
        "matches",
        "partial_matches",
        "excluded",
        "trace",
        "disclaimer",
        "newer_models",  # extension: newer open-weight models, apart from the ranking
    }
    assert rec["schema"] == "recommendation/1"
    assert rec["answers"]["data_sharing"] is False and rec["answers"]["disease_diagnosis"] is None
    for model in rec["matches"]:
        assert set(model) == MODEL_KEYS
        assert set(model["evidence"]) == {"studies", "best", "by_task"}
        assert set(model["resources"]) == {"pre_training", "fine_tuning", "inference", "estimate", "api"}
        for phase in ("pre_training", "fine_tuning", "inference"):
            assert model["resources"][phase] is None or set(model["resources"][phase]) == PHASE_KEYS
    for e in rec["excluded"]:
        assert {"id", "name", "size", "reason"} <= set(e)
        assert e["reason"] in {"restricted", "needs_data_sharing", "needs_cloud", "modality"}
    json.dumps(rec)  # serialisable as is


def test_api_prices_and_their_date(catalog: Catalog) -> None:
    rec = run(catalog, "II", **{**RADIOLOGIST, "data_sharing": "yes", "deploy_local": "no"})
    gpt4 = next(m for m in rec["matches"] if m["id"] == "gpt-4")
    assert gpt4["resources"]["api"]["usd_per_1k_input_tokens"] == 0.01
    assert gpt4["resources"]["api"]["as_of"] == catalog.prices_as_of["api"]


def test_bad_input_is_refused_with_the_offending_value(catalog: Catalog) -> None:
    from assistant.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown stage 'VII'"):
        recommend(catalog, "VII", {})
    with pytest.raises(InvalidInput, match="'registration_recommendation' is not asked in stage II"):
        recommend(catalog, "II", {"registration_recommendation": True})


def test_a_row_without_a_size_takes_the_architecture_its_sized_rows_share(catalog: Catalog) -> None:
    from assistant.rules import architecture_type

    assert architecture_type(catalog, catalog.model("bert-110m")) == "encoder"
    assert architecture_type(catalog, catalog.model("bert")) == "encoder"  # every sized BERT is an encoder
    assert architecture_type(catalog, catalog.model("roberta")) == "encoder"
