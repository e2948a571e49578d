"""A sizing question as the CLI and the HTTP API ask it: a model by name plus plain options, to ``sizing/1``.

The model may be a catalog id, a newer model, or a name as people write it; an unknown or ambiguous name
raises ``UnknownModel`` with the candidates. An API-only model (GPT-4, Claude...) has nothing to run: its
document has null memory figures and, given a workload, the monthly cost of its tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.catalog import Catalog
from assistant.errors import InvalidInput
from assistant.sizing import (
    DEFAULT_LORA_RANK,
    DEFAULT_SEQ_LEN,
    KWH_PRICE,
    OUTPUT_SHARE,
    QUANT_FOR_BITS,
    QUANTS,
    SCHEMA,
    YEARS,
    Prices,
    SizingError,
    SizingRequest,
    Workload,
    monthly_cost,
    size,
)
from assistant.sizing_facts import CANDIDATE_LIMIT, SizingFacts


class UnknownModel(InvalidInput):
    """No model, or several, answer to the name; ``candidates`` lists the closest ids."""

    def __init__(self, message: str, *, value: str, candidates: tuple[str, ...]) -> None:
        self.candidates = candidates
        super().__init__(message, param="model", value=value, valid=candidates)


@dataclass(frozen=True)
class SizingQuery:
    """The fields of ``clinadvisor size`` and ``POST /v1/sizing``."""

    model: str
    quant: str | None = None
    bits: int | None = None
    context: int | None = None
    users: int = 1
    gpu: str | None = None
    gpus_available: int | None = None
    finetune: str | None = None
    lora_rank: int = DEFAULT_LORA_RANK
    seq_len: int = DEFAULT_SEQ_LEN
    batch: int = 1
    years: float = YEARS.value
    kwh_usd: float = KWH_PRICE.value
    requests_per_day: float | None = None
    tokens_per_request: int | None = None
    output_share: float = OUTPUT_SHARE.value


def _quant(query: SizingQuery) -> str:
    if query.bits is not None and query.bits not in QUANT_FOR_BITS:
        raise InvalidInput(f"bits {query.bits} is not offered", param="bits", value=query.bits, valid=("16", "8", "4"))
    if query.quant is not None and query.quant not in QUANTS:
        raise InvalidInput(f"unknown quantisation {query.quant!r}", param="quant", value=query.quant, valid=QUANTS)
    # --bits 4 with --quant q4_k_m is consistent (a 4-bit family), --bits 8 with --quant fp16 is not
    if query.bits is not None and query.quant is not None and round(QUANTS[query.quant].value) // 4 != query.bits // 4:
        raise InvalidInput(
            f"quant {query.quant} is not {query.bits}-bit", param="quant", value=query.quant, valid=QUANTS
        )
    if query.quant is not None:
        return query.quant
    return QUANT_FOR_BITS[query.bits] if query.bits is not None else "fp16"


def _request(query: SizingQuery, facts: SizingFacts) -> SizingRequest:
    gpu = None
    if query.gpu is not None:
        gpu = facts.gpu(query.gpu)
        if gpu is None:
            raise InvalidInput(
                f"unknown GPU {query.gpu!r}", param="gpu", value=query.gpu, valid=tuple(g.key for g in facts.gpus)
            )
    if query.gpus_available is not None and gpu is None:
        raise InvalidInput("gpus_available needs a GPU type (gpu)", param="gpus_available", value=query.gpus_available)
    if query.tokens_per_request is not None and query.requests_per_day is None:
        raise InvalidInput(
            "tokens_per_request needs requests_per_day", param="requests_per_day", value=query.requests_per_day
        )
    if query.requests_per_day is not None and query.requests_per_day <= 0:
        raise InvalidInput("requests_per_day must be above 0", param="requests_per_day", value=query.requests_per_day)
    workload = (
        Workload(query.requests_per_day, query.tokens_per_request) if query.requests_per_day is not None else None
    )
    return SizingRequest(
        quant=_quant(query),
        context=query.context,
        users=query.users,
        gpu=gpu,
        gpus_available=query.gpus_available,
        finetune=query.finetune,
        lora_rank=query.lora_rank,
        seq_len=query.seq_len,
        batch=query.batch,
        workload=workload,
        years=query.years,
        kwh_usd=query.kwh_usd,
        output_share=query.output_share,
    )


def size_query(catalog: Catalog, query: SizingQuery) -> dict[str, Any]:
    """The ``sizing/1`` document for a query; raises InvalidInput (UnknownModel for names) on bad input."""
    facts = catalog.sizing_facts
    if facts is None:
        raise InvalidInput("no sizing facts are loaded", param=None)
    if not query.model.strip():
        raise UnknownModel("a model name is required", value=query.model, candidates=())
    request = _request(query, facts)
    prices = Prices.from_catalog(catalog)
    found = facts.find(query.model)
    if found.match is None:
        in_catalog = catalog.find_models(query.model)
        api = [m for m in in_catalog if m.access == "API"]
        if len(api) == 1 and not found.ambiguous:
            return _api_document(catalog, api[0].id, prices, request)
        if in_catalog and not found.ambiguous:
            ids = ", ".join(m.id for m in in_catalog)
            raise UnknownModel(
                f"the review gives no size for {query.model!r} ({ids}) and its architecture is not in the facts",
                value=query.model,
                candidates=found.candidates,
            )
        what = "ambiguous" if found.ambiguous else "unknown"
        raise UnknownModel(f"{what} model {query.model!r}", value=query.model, candidates=found.candidates)
    try:
        return size(found.match, request, prices).to_dict()
    except SizingError as exc:
        raise InvalidInput(str(exc), param=None) from exc


def _api_document(catalog: Catalog, model_id: str, prices: Prices, request: SizingRequest) -> dict[str, Any]:
    """An API-only model: nothing to run; the monthly cost of its tokens for the workload, if given."""
    model = catalog.model(model_id)
    cost = monthly_cost(model_id, None, 1, prices, request)
    price = catalog.api_prices.get(model_id)
    notes = ["offered only as an online API: there is nothing to run yourself; cost from its token prices"]
    if request.workload is None:
        notes.append("give a workload (requests per day, tokens per request) for a monthly cost")
    if price is not None and price.note:
        notes.append(price.note)
    empty = dict.fromkeys(
        (
            "type", "params_b", "active_params_b", "bits_per_weight", "weights_gb", "kv_bytes_per_token",
            "kv_cache_gb", "overhead_gb", "total_gb", "per_gpu_gb", "gpu", "fits", "max_concurrent_sessions",
            "decode_tokens_per_s", "finetune",
        )
    )  # fmt: skip
    return {
        "schema": SCHEMA,
        "model": model.id,
        "name": model.label,
        "source": "catalog",
        **empty,
        "quant": request.quant,
        "context": request.context,
        "users": request.users,
        "cost": cost.to_dict() if cost else None,
        "assumptions": [],
        "sources": ["API prices of the JMIR 2025 review's selection tool, with their date"],
        "notes": notes,
        "estimated": False,
        "can_generate_text": True,
        "licence": {"name": "API terms of service", "settled": False},
        "api_only": True,
    }


__all__ = ["CANDIDATE_LIMIT", "SizingQuery", "UnknownModel", "size_query"]
