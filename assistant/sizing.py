"""What it takes to run, serve and fine-tune a model: memory, GPUs, sessions, speed and monthly cost.

Pure and deterministic: every input is an argument (an ``Architecture`` and ``GpuType`` from
``assistant.sizing_facts``, prices from the catalog), nothing is read at import. GB = 10^9 bytes.

The formulae, in words (README "Sizing" says the same with examples):
- weights = parameters x bits per weight / 8, with the real bits per weight of each format;
- KV cache per token = 2 (keys and values) x layers x KV heads x head dim x 2 bytes (16-bit cache);
  a sliding-window layer keeps at most its window of tokens, an MLA layer keeps one compressed latent
  (kv_lora_rank + rope dim) instead of keys and values; encoders keep no cache;
  KV cache = per-token bytes x context x concurrent users;
- runtime overhead = per GPU, a fixed allowance for the CUDA context and library workspaces, plus the
  activations of one prefill chunk;
- GPUs needed: the smallest tensor-parallel size of 1, 2, 4 or 8 (dividing the attention heads) whose
  per-GPU share fits in 90 % of a GPU's memory; past 8, whole nodes of 8 (pipeline parallel);
- concurrent sessions: what is left of 90 % of the counted GPUs' memory after weights and overhead,
  divided by one session's KV cache;
- decode speed per sequence: memory bandwidth of the tensor-parallel GPUs divided by the bytes read per
  generated token (the active weights, all of them once several sequences use different experts, plus
  every session's KV cache); "expected" applies a realistic fraction of the peak bandwidth;
- fine-tuning: full (mixed-precision AdamW, bytes per parameter), LoRA (16-bit frozen base) and QLoRA
  (4-bit NF4 base), both with adapters on every linear layer, all with gradient checkpointing;
- cost per month: buying (GPU price over N years plus power at a price per kWh), renting (hourly rate x
  730 hours) and an API (tokens a month x catalog price), each with the date of its prices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from assistant.catalog import Catalog
from assistant.sizing_facts import Architecture, GpuType

SCHEMA = "sizing/1"
GB = 1e9


@dataclass(frozen=True)
class Constant:
    """A named figure the estimates rest on, with its unit and source."""

    name: str
    value: float
    unit: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """The assumption's JSON form."""
        return {"name": self.name, "value": self.value, "unit": self.unit, "source": self.source}


# --- constants, each named once with its source -------------------------------------------------------

BITS_FP16 = Constant("bits per weight, fp16/bf16", 16.0, "bits", "IEEE 754 half precision / bfloat16: 2 bytes")
BITS_INT8 = Constant(
    "bits per weight, int8",
    8.0,
    "bits",
    "LLM.int8() (Dettmers et al. 2022): int8 weights, per-channel scales (< 0.1 %)",
)
BITS_Q4_K_M = Constant(
    "bits per weight, llama.cpp Q4_K_M",
    4.84,
    "bits",
    "llama.cpp quantize README, Llama 2 7B table: 4.84 BPW",
)
BITS_Q4_0 = Constant(
    "bits per weight, llama.cpp Q4_0",
    4.5,
    "bits",
    "ggml block_q4_0: 18 bytes per 32 weights",
)
BITS_AWQ = Constant(
    "bits per weight, AWQ 4-bit (group size 128)",
    4.25,
    "bits",
    "AWQ (Lin et al. 2023), group size 128: 4 + 32/128",
)
KV_BYTES = Constant("bytes per KV-cache element", 2.0, "bytes", "vLLM default kv_cache_dtype (16-bit)")
GPU_UTILISATION = Constant(
    "usable share of GPU memory",
    0.9,
    "fraction",
    "vLLM default gpu_memory_utilization",
)
RUNTIME_GB_PER_GPU = Constant(
    "runtime allowance per GPU (CUDA context, workspaces, graphs)",
    1.0,
    "GB",
    "rule of thumb: vLLM's start-up profile shows 0.3-1 GB non-torch memory per GPU",
)
PREFILL_CHUNK_TOKENS = Constant(
    "tokens in one prefill chunk",
    2048.0,
    "tokens",
    "vLLM default max_num_batched_tokens (chunked prefill)",
)
ACTIVATION_BYTES = Constant(
    "activation bytes per token and hidden unit, one layer",
    34.0,
    "bytes",
    "Korthikanti et al. 2022 (34 s*b*h per layer without the attention-score term)",
)
HIDDEN_PER_LAYER = Constant(
    "hidden size per layer, for models whose shape is unknown",
    128.0,
    "units",
    "LLaMA 7B/13B shapes (4,096/32 and 5,120/40 = 128); with parameters = 12 x layers x hidden^2",
)
MLP_RATIO = Constant(
    "MLP width / hidden size (gated MLP), for LoRA adapter counts",
    3.5,
    "ratio",
    "Llama 3 8B and Mistral 7B (14,336 / 4,096); LLaMA-2 is 2.7, so adapter counts are slight upper bounds",
)
BANDWIDTH_FRACTION = Constant(
    "share of peak memory bandwidth reached while decoding",
    0.6,
    "fraction",
    "model bandwidth utilisation, Databricks/MosaicML 2023 (example 50 %; tuned 60-85 %)",
)
FULL_FT_BYTES = Constant(
    "bytes per parameter, full fine-tuning with mixed-precision AdamW",
    18.0,
    "bytes",
    "Hugging Face 'Model training anatomy': 6 weights + 4 gradients + 8 AdamW",
)
LORA_BYTES = Constant(
    "bytes per trainable adapter parameter",
    12.0,
    "bytes",
    "QLoRA (Dettmers et al. 2023): 16-bit weights 2 + gradients 2 + 32-bit AdamW 8",
)
NF4_BITS = Constant(
    "bits per weight, QLoRA NF4 base with double quantisation",
    4.127,
    "bits",
    "QLoRA (Dettmers et al. 2023): NF4 + 0.127 bits of constants",
)
HOURS_PER_MONTH = Constant("hours per month", 730.0, "hours", "8,760 hours a year / 12")
DAYS_PER_MONTH = Constant("days per month", 30.42, "days", "365 / 12")
YEARS = Constant("years over which bought GPUs are paid off", 3.0, "years", "common depreciation period (change it)")
KWH_PRICE = Constant(
    "electricity price",
    0.13,
    "USD/kWh",
    "US EIA, average commercial price 2024, about 13 cents (change it)",
)
OUTPUT_SHARE = Constant(
    "share of a request's tokens the model writes (the rest it reads)",
    0.5,
    "fraction",
    "assumption: half read, half written (change it)",
)

QUANTS: Mapping[str, Constant] = {
    "fp16": BITS_FP16,
    "int8": BITS_INT8,
    "q4_k_m": BITS_Q4_K_M,
    "q4_0": BITS_Q4_0,
    "awq": BITS_AWQ,
}
QUANT_FOR_BITS: Mapping[int, str] = {16: "fp16", 8: "int8", 4: "awq"}  # --bits 4 = AWQ-class GPU serving
TENSOR_PARALLEL_SIZES = (1, 2, 4, 8)
MAX_NODES = 64  # past 8 GPUs, count whole nodes of 8, up to 512 GPUs
DEFAULT_CONTEXT = 4096
DEFAULT_LORA_RANK = 16
DEFAULT_SEQ_LEN = 2048
FINETUNE_METHODS = ("full", "lora", "qlora")


class SizingError(ValueError):
    """A sizing request that cannot be answered (bad quantisation, count or method)."""


@dataclass(frozen=True)
class Workload:
    """How much text the deployment handles: requests a day and tokens per request (read + written)."""

    requests_per_day: float
    tokens_per_request: int | None

    def to_dict(self) -> dict[str, Any]:
        """The workload's JSON form."""
        return {"requests_per_day": self.requests_per_day, "tokens_per_request": self.tokens_per_request}


@dataclass(frozen=True)
class Prices:
    """The catalog's price tables sizing needs: GPU purchase, rental rates, API prices, their dates."""

    purchase_usd: Mapping[str, float]  # catalog GPU name -> price per GPU
    rent_by_type: Mapping[str, float]  # rental key ("A100-80GB") -> USD per GPU-hour
    rent_by_memory: Mapping[float, float]  # total memory in GB -> USD per hour
    api: Mapping[str, tuple[float | None, float | None]]  # model id -> USD per 1k input, output tokens
    as_of: Mapping[str, str]  # "gpu_purchase" | "cloud_rental" | "api" -> date

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Prices:
        """The price tables of a loaded catalog."""
        return cls(
            purchase_usd={g.name: g.purchase_usd for g in catalog.gpus.values() if g.purchase_usd is not None},
            rent_by_type={r.key: r.usd_per_hour for r in catalog.rental_rates if r.basis == "gpu_type"},
            rent_by_memory={float(r.key): r.usd_per_hour for r in catalog.rental_rates if r.basis == "memory_gb"},
            api={
                k: (p.usd_per_1k_input_tokens, p.usd_per_1k_output_tokens)
                for k, p in catalog.api_prices.items()
                if p.usd_per_1k_input_tokens is not None
            },
            as_of=dict(catalog.prices_as_of),
        )


NO_PRICES = Prices({}, {}, {}, {}, {})


@dataclass(frozen=True)
class SizingRequest:
    """What to size for: format, context, users, GPUs, fine-tuning, workload and cost settings."""

    quant: str = "fp16"
    context: int | None = None  # tokens per session; DEFAULT_CONTEXT when None
    users: int = 1  # concurrent sessions
    gpu: GpuType | None = None
    gpus_available: int | None = None
    finetune: str | None = None
    lora_rank: int = DEFAULT_LORA_RANK
    seq_len: int = DEFAULT_SEQ_LEN
    batch: int = 1
    workload: Workload | None = None
    years: float = YEARS.value
    kwh_usd: float = KWH_PRICE.value
    output_share: float = OUTPUT_SHARE.value

    def check(self) -> None:
        """Raise SizingError naming the first value that cannot be sized."""
        if self.quant not in QUANTS:
            raise SizingError(f"unknown quantisation {self.quant!r}; valid: {', '.join(QUANTS)}")
        if self.context is not None and self.context < 1:
            raise SizingError("context must be at least 1 token")
        if self.users < 1:
            raise SizingError("users must be at least 1")
        if self.gpus_available is not None and self.gpus_available < 1:
            raise SizingError("gpus_available must be at least 1")
        if self.finetune is not None and self.finetune not in FINETUNE_METHODS:
            raise SizingError(f"unknown fine-tuning method {self.finetune!r}; valid: {', '.join(FINETUNE_METHODS)}")
        if self.lora_rank < 1 or self.seq_len < 1 or self.batch < 1:
            raise SizingError("lora_rank, seq_len and batch must be at least 1")
        if self.years <= 0 or self.kwh_usd < 0 or not 0 <= self.output_share <= 1:
            raise SizingError("years must be > 0, kwh_usd >= 0 and output_share between 0 and 1")


@dataclass(frozen=True)
class GpuPlan:
    """The GPUs a deployment needs of one type, and whether the user's count suffices."""

    name: str
    memory_gb: float
    count_needed: int
    count_available: int | None
    tensor_parallel: int

    def to_dict(self) -> dict[str, Any]:
        """The ``gpu`` object of sizing/1."""
        return {
            "name": self.name,
            "memory_gb": self.memory_gb,
            "count_needed": self.count_needed,
            "count_available": self.count_available,
            "tensor_parallel": self.tensor_parallel,
        }


@dataclass(frozen=True)
class FineTune:
    """Memory to fine-tune the model one way."""

    method: str
    total_gb: float
    seq_len: int
    batch: int
    lora_rank: int | None

    def to_dict(self) -> dict[str, Any]:
        """The ``finetune`` object of sizing/1."""
        return {
            "method": self.method,
            "total_gb": self.total_gb,
            "seq_len": self.seq_len,
            "batch": self.batch,
            "lora_rank": self.lora_rank,
        }


@dataclass(frozen=True)
class Cost:
    """Monthly cost of the deployment: buying, renting, an API; with the prices' dates."""

    buy: float | None
    rent: float | None
    api: float | None
    prices_as_of: Mapping[str, str]
    workload: Workload | None
    tokens_per_month: float | None

    def to_dict(self) -> dict[str, Any]:
        """The ``cost`` object of sizing/1 (``tokens_per_month`` is an extension)."""
        return {
            "per_month": {"buy": self.buy, "rent": self.rent, "api": self.api},
            "currency": "USD",
            "prices_as_of": dict(self.prices_as_of),
            "workload": self.workload.to_dict() if self.workload else None,
            "tokens_per_month": self.tokens_per_month,
        }


@dataclass(frozen=True)
class Sizing:
    """One model sized for one situation (the ``sizing/1`` document)."""

    model: str
    name: str
    source: str
    type: str
    params_b: float
    active_params_b: float
    quant: str
    bits_per_weight: float
    weights_gb: float
    kv_bytes_per_token: int
    context: int
    users: int
    kv_cache_gb: float
    overhead_gb: float
    total_gb: float
    per_gpu_gb: float
    gpu: GpuPlan | None
    fits: bool | None
    max_concurrent_sessions: int | None
    decode_tokens_per_s: tuple[float, float] | None  # (ceiling, expected)
    finetune: FineTune | None
    cost: Cost | None
    assumptions: tuple[Constant, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    estimated: bool = False
    can_generate_text: bool = True
    licence: str = ""
    licence_settled: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``sizing/1`` of CONTRACTS.md; extensions: notes, estimated, can_generate_text, licence."""
        return {
            "schema": SCHEMA,
            "model": self.model,
            "name": self.name,
            "source": self.source,
            "type": self.type,
            "params_b": self.params_b,
            "active_params_b": self.active_params_b,
            "quant": self.quant,
            "bits_per_weight": self.bits_per_weight,
            "weights_gb": self.weights_gb,
            "kv_bytes_per_token": self.kv_bytes_per_token,
            "context": self.context,
            "users": self.users,
            "kv_cache_gb": self.kv_cache_gb,
            "overhead_gb": self.overhead_gb,
            "total_gb": self.total_gb,
            "per_gpu_gb": self.per_gpu_gb,
            "gpu": self.gpu.to_dict() if self.gpu else None,
            "fits": self.fits,
            "max_concurrent_sessions": self.max_concurrent_sessions,
            "decode_tokens_per_s": (
                {"ceiling": self.decode_tokens_per_s[0], "expected": self.decode_tokens_per_s[1]}
                if self.decode_tokens_per_s
                else None
            ),
            "finetune": self.finetune.to_dict() if self.finetune else None,
            "cost": self.cost.to_dict() if self.cost else None,
            "assumptions": [a.to_dict() for a in self.assumptions],
            "sources": list(self.sources),
            "notes": list(self.notes),
            "estimated": self.estimated,
            "can_generate_text": self.can_generate_text,
            "licence": {"name": self.licence, "settled": self.licence_settled},
        }


# --- the formulae ---------------------------------------------------------------------------------------


def bits_per_weight(quant: str) -> float:
    """The real bits per weight of a weight format."""
    if quant not in QUANTS:
        raise SizingError(f"unknown quantisation {quant!r}; valid: {', '.join(QUANTS)}")
    return QUANTS[quant].value


def weights_gb(params_b: float, quant: str) -> float:
    """Memory for the weights: parameters x bits per weight / 8."""
    return params_b * 1e9 * bits_per_weight(quant) / 8 / GB


def hidden_size(arch: Architecture) -> int:
    """The hidden size: recorded, or heads x head dim, or estimated from the parameter count."""
    if arch.hidden:
        return arch.hidden
    if arch.heads and arch.head_dim:
        return arch.heads * arch.head_dim
    # parameters ~ 12 x layers x hidden^2 with hidden = 128 x layers  =>  hidden = (128 x params / 12)^(1/3)
    cube: float = HIDDEN_PER_LAYER.value * arch.params_b * 1e9 / 12
    root: float = cube ** (1 / 3)
    return round(root)


def layer_count(arch: Architecture) -> int:
    """The number of (decoder) layers: recorded or estimated from the hidden size."""
    if arch.layers:
        return arch.layers
    return max(1, round(hidden_size(arch) / HIDDEN_PER_LAYER.value))


def _kv_per_layer_token(arch: Architecture) -> float:
    """Bytes one layer caches per token."""
    if arch.mla_kv_dim:
        return arch.mla_kv_dim * KV_BYTES.value  # one compressed latent, not separate keys and values
    if arch.kv_heads and arch.head_dim:
        return 2 * arch.kv_heads * arch.head_dim * KV_BYTES.value
    return 2 * hidden_size(arch) * KV_BYTES.value  # full multi-head attention when the shape is unknown


def kv_bytes_per_token(arch: Architecture) -> int:
    """KV-cache bytes per token over all layers at 16 bits (0 for an encoder, which keeps no cache)."""
    if arch.type == "encoder":
        return 0
    return round(_kv_per_layer_token(arch) * layer_count(arch))


def kv_cache_bytes(arch: Architecture, context: int, users: int) -> float:
    """KV cache of ``users`` sessions of ``context`` tokens; windowed layers keep at most their window."""
    if arch.type == "encoder":
        return 0.0
    per_layer = _kv_per_layer_token(arch)
    layers = layer_count(arch)
    if arch.sliding_window:
        full = arch.global_layers if arch.global_layers is not None else 0
        windowed = layers - full
        tokens = full * context + windowed * min(context, arch.sliding_window)
        return per_layer * tokens * users
    return per_layer * layers * context * users


def activation_gb(arch: Architecture) -> float:
    """Activations of one prefill chunk through one layer (the live layer of an inference pass)."""
    return PREFILL_CHUNK_TOKENS.value * hidden_size(arch) * ACTIVATION_BYTES.value / GB


def overhead_per_gpu_gb(arch: Architecture) -> float:
    """Runtime allowance plus activations, per GPU."""
    return RUNTIME_GB_PER_GPU.value + activation_gb(arch)


def _valid_tp(arch: Architecture, size: int) -> bool:
    # vLLM splits attention heads across tensor-parallel ranks: the size must divide the head count.
    return arch.heads is None or arch.heads % size == 0


def usable_gb(memory_gb: float) -> float:
    """The share of a GPU's memory a serving engine fills (vLLM's default utilisation)."""
    return memory_gb * GPU_UTILISATION.value


def gpus_needed(arch: Architecture, weights: float, kv: float, gpu: GpuType) -> tuple[int, int]:
    """(GPUs, tensor-parallel size): the smallest valid TP size whose per-GPU share fits, else nodes of 8."""
    usable = usable_gb(gpu.memory_gb)
    per_gpu_overhead = overhead_per_gpu_gb(arch)
    for size in TENSOR_PARALLEL_SIZES:
        if _valid_tp(arch, size) and (weights + kv) / size + per_gpu_overhead <= usable:
            return size, size
    tp = max(s for s in TENSOR_PARALLEL_SIZES if _valid_tp(arch, s))
    for nodes in range(2, MAX_NODES + 1):
        count = tp * nodes
        if (weights + kv) / count + per_gpu_overhead <= usable:
            return count, tp
    return tp * MAX_NODES, tp


def max_sessions(arch: Architecture, weights: float, context: int, gpu: GpuType, count: int) -> int | None:
    """Concurrent sessions of ``context`` tokens that fit on ``count`` GPUs (None for an encoder)."""
    per_session = kv_cache_bytes(arch, context, 1) / GB
    if per_session <= 0:
        return None
    free = count * (usable_gb(gpu.memory_gb) - overhead_per_gpu_gb(arch)) - weights
    return max(0, math.floor(free / per_session))


def decode_speed(
    arch: Architecture, weights: float, context: int, users: int, gpu: GpuType, tensor_parallel: int
) -> tuple[float, float]:
    """Decode tokens/s per sequence: (ceiling, expected) from memory bandwidth."""
    active = weights * arch.active_params_b / arch.params_b
    # Several sequences route to different experts: with b sequences at most b x active (and all) are read.
    weights_read = min(weights, active * users)
    kv_read = kv_cache_bytes(arch, context, users) / GB
    seconds = (weights_read + kv_read) / (gpu.bandwidth_gb_s * tensor_parallel)
    ceiling = 1 / seconds
    return round(ceiling, 1), round(ceiling * BANDWIDTH_FRACTION.value, 1)


def lora_parameters(arch: Architecture, rank: int) -> float:
    """Trainable parameters of LoRA adapters of ``rank`` on every attention and MLP projection."""
    h = hidden_size(arch)
    q_out = arch.heads * arch.head_dim if arch.heads and arch.head_dim else h
    kv_out = arch.kv_heads * arch.head_dim if arch.kv_heads and arch.head_dim else q_out
    mlp = MLP_RATIO.value * h
    per_layer = (h + q_out) + 2 * (h + kv_out) + (q_out + h) + 3 * (h + mlp)
    return rank * per_layer * layer_count(arch)


def finetune_gb(arch: Architecture, method: str, seq_len: int, batch: int, rank: int) -> float:
    """Memory to fine-tune: weights and optimiser states for the method, checkpointed activations, runtime."""
    params = arch.params_b * 1e9
    h = hidden_size(arch)
    # gradient checkpointing: one 16-bit hidden state per layer is kept, one layer is recomputed at a time
    activations = seq_len * batch * h * (2 * layer_count(arch) + ACTIVATION_BYTES.value)
    if method == "full":
        states = params * FULL_FT_BYTES.value
    elif method == "lora":
        states = params * BITS_FP16.value / 8 + lora_parameters(arch, rank) * LORA_BYTES.value
    elif method == "qlora":
        states = params * NF4_BITS.value / 8 + lora_parameters(arch, rank) * LORA_BYTES.value
    else:
        raise SizingError(f"unknown fine-tuning method {method!r}; valid: {', '.join(FINETUNE_METHODS)}")
    return (states + activations) / GB + RUNTIME_GB_PER_GPU.value


def rent_per_hour(prices: Prices, gpu: GpuType, count: int) -> float | None:
    """The catalog's rental rule: the type's rate x count; else count x the smallest memory tier that holds one."""
    if gpu.rental_key and gpu.rental_key in prices.rent_by_type:
        return prices.rent_by_type[gpu.rental_key] * count
    tiers = [m for m in prices.rent_by_memory if m >= gpu.memory_gb]
    if not tiers:
        return None
    return prices.rent_by_memory[min(tiers)] * count


def monthly_cost(model_id: str, gpu: GpuType | None, count: int, prices: Prices, request: SizingRequest) -> Cost | None:
    """Per month: buy (price over the years + power), rent (24/7), API (workload x catalog prices)."""
    api_price = prices.api.get(model_id)
    if gpu is None and (api_price is None or request.workload is None):
        return None
    buy = rent = api = None
    as_of: dict[str, str] = {}
    if gpu is not None:
        price = prices.purchase_usd.get(gpu.catalog_name or "")
        power = count * gpu.power_w / 1000 * HOURS_PER_MONTH.value * request.kwh_usd
        if price is not None:
            buy = round(count * price / (request.years * 12) + power, 2)
            as_of["buy"] = prices.as_of.get("gpu_purchase", "")
        hourly = rent_per_hour(prices, gpu, count)
        if hourly is not None:
            rent = round(hourly * HOURS_PER_MONTH.value, 2)
            as_of["rent"] = prices.as_of.get("cloud_rental", "")
    tokens = None
    if request.workload is not None and request.workload.tokens_per_request:
        tokens = request.workload.requests_per_day * request.workload.tokens_per_request * DAYS_PER_MONTH.value
        if api_price is not None and api_price[0] is not None:
            written = tokens * request.output_share
            read = tokens - written
            api = round(read / 1000 * api_price[0] + written / 1000 * (api_price[1] or 0.0), 2)
            as_of["api"] = prices.as_of.get("api", "")
    return Cost(buy, rent, api, as_of, request.workload, round(tokens) if tokens is not None else None)


# --- one model, one situation ----------------------------------------------------------------------------


def size(arch: Architecture, request: SizingRequest, prices: Prices = NO_PRICES) -> Sizing:
    """Size one model for one situation; pure and deterministic."""
    request.check()
    notes: list[str] = []
    context = request.context or DEFAULT_CONTEXT
    if arch.context and context > arch.context:
        notes.append(f"context capped at the model's maximum of {arch.context:,} tokens (asked: {context:,})")
        context = arch.context
    weights = weights_gb(arch.params_b, request.quant)
    kv = kv_cache_bytes(arch, context, request.users) / GB
    plan: GpuPlan | None = None
    fits: bool | None = None
    sessions: int | None = None
    speed: tuple[float, float] | None = None
    count_for_overhead = 1
    if request.gpu is not None:
        count, tp = gpus_needed(arch, weights, kv, request.gpu)
        plan = GpuPlan(request.gpu.name, request.gpu.memory_gb, count, request.gpus_available, tp)
        if request.gpus_available is not None:
            fits = request.gpus_available >= count
        counted = max(count, request.gpus_available or 0)
        sessions = max_sessions(arch, weights, context, request.gpu, counted)
        count_for_overhead = count
        if arch.can_generate_text:
            speed = decode_speed(arch, weights, context, request.users, request.gpu, tp)
        if count > max(TENSOR_PARALLEL_SIZES):
            notes.append(f"more than 8 GPUs: {count // tp} nodes of {tp} (tensor parallel within, pipeline across)")
    overhead = overhead_per_gpu_gb(arch) * count_for_overhead
    total = weights + kv + overhead
    per_gpu = (weights + kv) / count_for_overhead + overhead_per_gpu_gb(arch)
    if arch.note:
        notes.append(arch.note)
    if arch.estimated:
        notes.append("only the parameter count is known: layers and attention are estimated from it")
    if not arch.can_generate_text:
        notes.append("an encoder: it classifies and extracts, it cannot write text; no KV cache or decode speed")
    if arch.type == "vision-language":
        notes.append("images add tokens to the context (often hundreds per image); count them in the context")
    tune = None
    if request.finetune is not None:
        rank = request.lora_rank if request.finetune != "full" else None
        tune = FineTune(
            request.finetune,
            _round(finetune_gb(arch, request.finetune, request.seq_len, request.batch, request.lora_rank)),
            request.seq_len,
            request.batch,
            rank,
        )
    cost = monthly_cost(arch.key, request.gpu, plan.count_needed if plan else 1, prices, request)
    return Sizing(
        model=arch.key,
        name=arch.name,
        source=arch.source_kind,
        type=arch.type,
        params_b=arch.params_b,
        active_params_b=arch.active_params_b,
        quant=request.quant,
        bits_per_weight=bits_per_weight(request.quant),
        weights_gb=_round(weights),
        kv_bytes_per_token=kv_bytes_per_token(arch),
        context=context,
        users=request.users,
        kv_cache_gb=_round(kv),
        overhead_gb=_round(overhead),
        total_gb=_round(total),
        per_gpu_gb=_round(per_gpu),
        gpu=plan,
        fits=fits,
        max_concurrent_sessions=sessions,
        decode_tokens_per_s=speed,
        finetune=tune,
        cost=cost,
        assumptions=_assumptions(request, plan is not None, tune, cost),
        sources=tuple(s for s in (arch.source, request.gpu.source if request.gpu else "") if s),
        notes=tuple(notes),
        estimated=arch.estimated,
        can_generate_text=arch.can_generate_text,
        licence=arch.licence,
        licence_settled=arch.licence_settled,
    )


def _assumptions(request: SizingRequest, gpu: bool, tune: FineTune | None, cost: Cost | None) -> tuple[Constant, ...]:
    used: list[Constant] = [QUANTS[request.quant], KV_BYTES, RUNTIME_GB_PER_GPU, PREFILL_CHUNK_TOKENS, ACTIVATION_BYTES]
    if gpu:
        used += [GPU_UTILISATION, BANDWIDTH_FRACTION]
    if tune is not None:
        used += {
            "full": [FULL_FT_BYTES],
            "lora": [BITS_FP16, LORA_BYTES, MLP_RATIO],
            "qlora": [NF4_BITS, LORA_BYTES, MLP_RATIO],
        }[tune.method]
    if cost is not None:
        used += [HOURS_PER_MONTH, replace(YEARS, value=request.years), replace(KWH_PRICE, value=request.kwh_usd)]
        if cost.workload is not None:
            used += [DAYS_PER_MONTH, replace(OUTPUT_SHARE, value=request.output_share)]
    return tuple(dict.fromkeys(used))


def _round(value: float) -> float:
    return round(value, 2)


@dataclass(frozen=True)
class ToRun:
    """What running a model takes for the user's situation: at 16 bits and at the default 4-bit format."""

    fp16: Sizing
    int4: Sizing
    situation_known: bool = False
    reference_gpu: bool = True  # the GPU type is the reference type, not one the user named
    requested_context: int = DEFAULT_CONTEXT  # the situation's context; a model with less is sized at its maximum

    def to_dict(self) -> dict[str, Any]:
        """sizing/1 at fp16, plus an ``int4`` summary (an extension) of the same situation at 4 bits."""
        out = self.fp16.to_dict()
        out["int4"] = {
            "quant": self.int4.quant,
            "bits_per_weight": self.int4.bits_per_weight,
            "weights_gb": self.int4.weights_gb,
            "total_gb": self.int4.total_gb,
            "per_gpu_gb": self.int4.per_gpu_gb,
            "gpu": self.int4.gpu.to_dict() if self.int4.gpu else None,
            "fits": self.int4.fits,
            "max_concurrent_sessions": self.int4.max_concurrent_sessions,
        }
        out["reference_gpu"] = self.reference_gpu
        out["requested_context"] = self.requested_context
        return out
