"""The sizing module: hand-computed cases, the shipped facts, and properties over every known model."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.catalog import Catalog
from assistant.sizing import (
    QUANTS,
    Prices,
    SizingError,
    SizingRequest,
    Workload,
    decode_speed,
    finetune_gb,
    gpus_needed,
    kv_bytes_per_token,
    kv_cache_bytes,
    monthly_cost,
    size,
    weights_gb,
)
from assistant.sizing_facts import Architecture, GpuType, SizingFacts
from corpus.models import load_sizing_facts


@pytest.fixture(scope="module")
def facts() -> SizingFacts:
    return load_sizing_facts()


def arch(facts: SizingFacts, key: str) -> Architecture:
    found = facts.model(key)
    assert found is not None, key
    return found


def gpu(facts: SizingFacts, name: str) -> GpuType:
    found = facts.gpu(name)
    assert found is not None, name
    return found


# --- hand-computed cases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quant", "expected"),
    [("fp16", 13.48), ("int8", 6.74), ("q4_k_m", 4.0777), ("q4_0", 3.7913), ("awq", 3.5806)],
)
def test_weights_of_llama2_7b_in_each_format(facts: SizingFacts, quant: str, expected: float) -> None:
    # 6.74e9 parameters x bits / 8 bytes, in 10^9 bytes
    assert weights_gb(arch(facts, "llama2-7b").params_b, quant) == pytest.approx(expected, abs=1e-3)


def test_kv_cache_per_token_mha_gqa_and_mla(facts: SizingFacts) -> None:
    # Llama 2 7B (MHA): 2 x 32 layers x 32 heads x 128 x 2 bytes
    assert kv_bytes_per_token(arch(facts, "llama2-7b")) == 2 * 32 * 32 * 128 * 2 == 524_288
    # Llama 2 70B (GQA, 8 KV heads): 2 x 80 x 8 x 128 x 2
    assert kv_bytes_per_token(arch(facts, "llama2-70b")) == 327_680
    # DeepSeek-V3 (MLA): one latent of 512 + 64 per layer, 2 bytes, 61 layers
    assert kv_bytes_per_token(arch(facts, "deepseek-v3")) == 576 * 2 * 61
    # encoders keep no cache
    assert kv_bytes_per_token(arch(facts, "bert-110m")) == 0


def test_kv_cache_of_the_nvidia_example(facts: SizingFacts) -> None:
    """Llama 2 7B, 4,096 tokens, batch 1, fp16: 'about 2 GB' (NVIDIA's LLM inference blog)."""
    assert kv_cache_bytes(arch(facts, "llama2-7b"), 4096, 1) / 1e9 == pytest.approx(2.147, abs=1e-3)


def test_sliding_window_layers_hold_only_their_window(facts: SizingFacts) -> None:
    mistral = arch(facts, "mistral-7b")  # v0.1: every layer windowed at 4,096 tokens
    per_token = 2 * 8 * 128 * 2 * 32
    assert kv_cache_bytes(mistral, 32_768, 1) == per_token * 4096
    assert kv_cache_bytes(mistral, 2_000, 1) == per_token * 2000
    gemma = arch(facts, "MedGemma-27B-text-it")  # 10 global layers of 62, the rest windowed at 1,024
    per_layer = 2 * 16 * 128 * 2
    assert kv_cache_bytes(gemma, 32_768, 1) == per_layer * (10 * 32_768 + 52 * 1024)


def test_seventy_b_at_16_bits_needs_two_a100s(facts: SizingFacts) -> None:
    llama70 = arch(facts, "llama2-70b")
    weights = weights_gb(llama70.params_b, "fp16")  # 137.96 GB
    kv = kv_cache_bytes(llama70, 4096, 1) / 1e9  # 1.34 GB
    # per GPU at TP 2: 139.3 / 2 + 1 GB runtime + 2,048 x 8,192 x 34 bytes of activations = 71.2 <= 0.9 x 80
    assert gpus_needed(llama70, weights, kv, gpu(facts, "A100 80GB")) == (2, 2)
    assert gpus_needed(llama70, weights, kv, gpu(facts, "RTX 4090")) == (8, 8)
    assert gpus_needed(llama70, weights, kv, gpu(facts, "T4")) == (16, 8)  # two nodes of 8


def test_tensor_parallel_size_divides_the_heads(facts: SizingFacts) -> None:
    falcon = arch(facts, "falcon-7b")  # 71 heads: only TP 1 divides them; more GPUs go in a pipeline
    count, tp = gpus_needed(falcon, 14.4, 0.1, gpu(facts, "T4"))
    assert tp == 1 and count > 1


def test_decode_speed_from_bandwidth(facts: SizingFacts) -> None:
    llama7 = arch(facts, "llama2-7b")
    weights = weights_gb(llama7.params_b, "fp16")
    ceiling, expected = decode_speed(llama7, weights, 4096, 1, gpu(facts, "A100 80GB"), 1)
    # 2,039 GB/s / (13.48 GB of weights + 2.15 GB of cache) = 130.5 tokens/s; x 0.6 = 78.3
    assert (ceiling, expected) == (130.5, 78.3)


def test_mixture_of_experts_reads_only_active_weights_for_one_sequence(facts: SizingFacts) -> None:
    mixtral = arch(facts, "mixtral-8x7b")
    weights = weights_gb(mixtral.params_b, "fp16")
    one, _ = decode_speed(mixtral, weights, 1024, 1, gpu(facts, "H100"), 2)
    dense_like = 2 * 3350 / (weights + kv_cache_bytes(mixtral, 1024, 1) / 1e9)
    assert one > 3 * dense_like  # 12.9B of 46.7B active


def test_full_fine_tuning_bytes_per_parameter(facts: SizingFacts) -> None:
    llama7 = arch(facts, "llama2-7b")
    activations = 2048 * 4096 * (2 * 32 + 34) / 1e9
    assert finetune_gb(llama7, "full", 2048, 1, 16) == pytest.approx(6.74 * 18 + activations + 1.0)


def test_qlora_65b_fits_one_48gb_gpu(facts: SizingFacts) -> None:
    """QLoRA (Dettmers et al. 2023): a 65B model fine-tuned on one 48 GB GPU; rank 64 on all linear layers."""
    llama65 = Architecture(
        key="llama-65b", name="LLaMA 65B", source_kind="test", type="decoder", params_b=65.29,
        active_params_b=65.29, layers=80, heads=64, kv_heads=64, head_dim=128, hidden=8192, context=2048,
        attention="mha",
    )  # fmt: skip
    assert finetune_gb(llama65, "qlora", 512, 1, 64) <= 48
    assert finetune_gb(llama65, "full", 512, 1, 64) > 780  # "more than 780 GB" in 16-bit


def test_monthly_cost_buy_rent_api(facts: SizingFacts, catalog: Catalog) -> None:
    prices = Prices.from_catalog(catalog)
    a100 = gpu(facts, "A100 80GB")
    cost = monthly_cost("any", a100, 2, prices, SizingRequest())
    assert cost is not None
    # 2 x 18,000 USD over 36 months + 2 x 0.4 kW x 730 h x 0.13 USD/kWh
    assert cost.buy == pytest.approx(2 * 18000 / 36 + 2 * 0.4 * 730 * 0.13, abs=0.01)
    assert cost.rent == pytest.approx(2 * 6.25 * 730)
    assert cost.prices_as_of == {"buy": "2025-07", "rent": "2025-07"}
    # an API model's token prices for 500 letters a day of 2,000 tokens, half of them written
    work = SizingRequest(workload=Workload(500, 2000))
    api = monthly_cost("gpt-4", None, 1, prices, work)
    tokens = 500 * 2000 * 30.42
    assert api is not None and api.api == pytest.approx(tokens / 2 / 1000 * 0.01 + tokens / 2 / 1000 * 0.03, abs=0.01)
    assert api.prices_as_of == {"api": "2025-07"}


def test_a_gpu_without_a_type_rate_is_priced_by_memory(facts: SizingFacts, catalog: Catalog) -> None:
    prices = Prices.from_catalog(catalog)
    cost = monthly_cost("any", gpu(facts, "L40S"), 4, prices, SizingRequest())
    assert cost is not None and cost.rent == pytest.approx(4 * 3.75 * 730)  # the 48 GB tier
    assert cost.buy is None  # the catalog has no purchase price for the L40S


def test_sizing_document_follows_the_contract(facts: SizingFacts, catalog: Catalog) -> None:
    request = SizingRequest(
        quant="awq", context=8192, users=20, gpu=gpu(facts, "A100 80GB"), gpus_available=2, finetune="qlora"
    )
    doc = size(arch(facts, "llama2-70b"), request, Prices.from_catalog(catalog)).to_dict()
    contract = {
        "schema", "model", "name", "source", "type", "params_b", "active_params_b", "quant", "bits_per_weight",
        "weights_gb", "kv_bytes_per_token", "context", "users", "kv_cache_gb", "overhead_gb", "total_gb",
        "per_gpu_gb", "gpu", "fits", "max_concurrent_sessions", "decode_tokens_per_s", "finetune", "cost",
        "assumptions", "sources",
    }  # fmt: skip
    assert contract <= set(doc)
    assert doc["schema"] == "sizing/1" and doc["quant"] == "awq" and doc["bits_per_weight"] == 4.25
    assert set(doc["gpu"]) == {"name", "memory_gb", "count_needed", "count_available", "tensor_parallel"}
    assert set(doc["finetune"]) == {"method", "total_gb", "seq_len", "batch", "lora_rank"}
    assert {"per_month", "currency", "prices_as_of", "workload"} <= set(doc["cost"])
    assert set(doc["decode_tokens_per_s"]) == {"ceiling", "expected"}
    assert all(set(a) == {"name", "value", "unit", "source"} and a["source"] for a in doc["assumptions"])
    assert doc["context"] == 4096 and any("capped" in n for n in doc["notes"])  # Llama 2's maximum
    assert doc["fits"] is True and doc["gpu"]["count_needed"] == 1
    json.dumps(doc)


def test_bad_requests_are_refused_by_name(facts: SizingFacts) -> None:
    llama7 = arch(facts, "llama2-7b")
    for bad, word in (
        (SizingRequest(quant="int3"), "int3"),
        (SizingRequest(users=0), "users"),
        (SizingRequest(gpus_available=0), "gpus_available"),
        (SizingRequest(finetune="adapter"), "adapter"),
    ):
        with pytest.raises(SizingError, match=word):
            size(llama7, bad)


def test_an_encoder_is_marked_as_unable_to_write(facts: SizingFacts) -> None:
    doc = size(arch(facts, "gatortron-8-9b"), SizingRequest(gpu=gpu(facts, "A100 80GB"))).to_dict()
    assert doc["type"] == "encoder" and doc["can_generate_text"] is False
    assert doc["kv_cache_gb"] == 0 and doc["decode_tokens_per_s"] is None and doc["max_concurrent_sessions"] is None


# --- names as people write them -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Llama 2 70B", "llama2-70b"),
        ("llama2-70b", "llama2-70b"),
        ("LLAMA-2 70 b", "llama2-70b"),
        ("mixtral 8x7b", "mixtral-8x7b"),
        ("medgemma 27b", "MedGemma-27B-text-it"),
        ("Qwen3 8B", "Qwen3-8B"),
        ("gpt oss 120b", "gpt-oss-120b"),
    ],
)
def test_names_as_people_write_them(facts: SizingFacts, name: str, key: str) -> None:
    found = facts.find(name)
    assert found.match is not None and found.match.key == key


def test_unknown_and_ambiguous_names_give_candidates(facts: SizingFacts) -> None:
    ambiguous = facts.find("LLaMA2")
    assert ambiguous.match is None and {"llama2-7b", "llama2-13b", "llama2-70b"} <= set(ambiguous.candidates)
    unknown = facts.find("llamma 2 70")
    assert unknown.match is None and unknown.candidates
    assert facts.find("zzzz-unheard-of").candidates == ()


@pytest.mark.parametrize(
    ("name", "key"),
    [("A100 80GB", "a100-80gb"), ("a100-40gb", "a100-40gb"), ("NVIDIA H100", "h100-sxm"), ("rtx4090", "rtx-4090")],
)
def test_gpu_names(facts: SizingFacts, name: str, key: str) -> None:
    found = facts.gpu(name)
    assert found is not None and found.key == key


def test_every_sized_self_hostable_catalog_model_has_facts(facts: SizingFacts, catalog: Catalog) -> None:
    missing = [m.id for m in catalog.models if m.params_b is not None and m.access != "API" and not facts.model(m.id)]
    assert missing == []


def test_newer_models_carry_sources_and_unsettled_licences_say_so(facts: SizingFacts) -> None:
    newer = facts.newer_models()
    assert len(newer) >= 15
    assert all(m.source and m.checked for m in newer)
    ii = arch(facts, "II-Medical-8B")
    assert ii.licence_settled is False
    # the newer list leaves out what the catalog already has
    assert not {"DeepSeek-V3", "Llama-3.1-8B-Instruct"} & {m.key for m in newer}


# --- properties over every known model ----------------------------------------------------------------

ORDERED_QUANTS = sorted(QUANTS, key=lambda q: QUANTS[q].value)
PROPERTY = settings(max_examples=150, deadline=None)


@st.composite
def sized(draw: st.DrawFn) -> tuple[Architecture, GpuType]:
    facts = load_sizing_facts()
    return draw(st.sampled_from(facts.models)), draw(st.sampled_from(facts.gpus))


@PROPERTY
@given(sized(), st.integers(1, 64), st.integers(256, 65_536))
def test_memory_grows_with_bits(case: tuple[Architecture, GpuType], users: int, context: int) -> None:
    model, _ = case
    totals = [size(model, SizingRequest(quant=q, users=users, context=context)).total_gb for q in ORDERED_QUANTS]
    assert totals == sorted(totals)


@PROPERTY
@given(sized(), st.integers(1, 63), st.integers(256, 65_535))
def test_memory_grows_with_users_and_context(case: tuple[Architecture, GpuType], users: int, context: int) -> None:
    model, card = case
    base = size(model, SizingRequest(users=users, context=context, gpu=card))
    more_users = size(model, SizingRequest(users=users + 1, context=context, gpu=card))
    longer = size(model, SizingRequest(users=users, context=context + 1, gpu=card))
    assert more_users.kv_cache_gb >= base.kv_cache_gb and longer.kv_cache_gb >= base.kv_cache_gb
    assert more_users.gpu is not None and base.gpu is not None
    assert more_users.gpu.count_needed >= base.gpu.count_needed


@PROPERTY
@given(sized(), st.integers(1, 63), st.sampled_from(ORDERED_QUANTS))
def test_more_gpus_never_fit_less(case: tuple[Architecture, GpuType], count: int, quant: str) -> None:
    model, card = case
    fewer = size(model, SizingRequest(quant=quant, gpu=card, gpus_available=count))
    more = size(model, SizingRequest(quant=quant, gpu=card, gpus_available=count + 1))
    assert fewer.fits is not None and more.fits is not None
    assert more.fits >= fewer.fits
    if fewer.max_concurrent_sessions is not None and more.max_concurrent_sessions is not None:
        assert more.max_concurrent_sessions >= fewer.max_concurrent_sessions


@PROPERTY
@given(sized())
def test_every_model_sizes_to_finite_figures(case: tuple[Architecture, GpuType]) -> None:
    model, card = case
    doc = size(model, SizingRequest(gpu=card, finetune="lora")).to_dict()
    numbers = [doc["weights_gb"], doc["kv_cache_gb"], doc["overhead_gb"], doc["total_gb"], doc["finetune"]["total_gb"]]
    assert all(math.isfinite(x) and x >= 0 for x in numbers)
    assert doc["gpu"]["count_needed"] >= 1
    assert doc["total_gb"] == pytest.approx(doc["weights_gb"] + doc["kv_cache_gb"] + doc["overhead_gb"], abs=0.02)


def test_the_benchmark_references_are_met() -> None:
    """bench/sizing.py: every estimate within 15 % of its published figure (bounds respected)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "bench" / "sizing.py"
    spec = importlib.util.spec_from_file_location("bench_sizing", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_sizing"] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    results = [bench.check(ref, ref.estimate()) for ref in bench.references()]
    assert len(results) >= 15 and all(ok for _, ok in results)


def test_a_free_text_names_the_model_with_its_fullest_name() -> None:
    facts = load_sizing_facts()
    found = facts.named_in("we'd like to try Llama 3.3 70B Instruct in 4-bit")
    assert found is not None and found[0].key == "Llama-3.3-70B-Instruct" and found[1] == "Llama 3.3 70B Instruct"
    found = facts.named_in("Si usáramos Qwen3-32B con 16 usuarios")
    assert found is not None and found[0].key == "Qwen3-32B"
    assert facts.named_in("the top model at 4-bit for 30 users") is None  # "4-bit" names no model
