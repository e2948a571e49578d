"""``clinadvisor size MODEL``: memory, GPUs, sessions, speed, fine-tuning and monthly cost of one model."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

import click

from assistant.errors import InvalidInput
from assistant.sizing import (
    DEFAULT_LORA_RANK,
    DEFAULT_SEQ_LEN,
    FINETUNE_METHODS,
    KWH_PRICE,
    OUTPUT_SHARE,
    QUANTS,
    YEARS,
)
from assistant.sizing_query import SizingQuery, size_query
from assistant.sizing_text import sizing_text
from corpus.catalog import load_catalog
from serving.cli.batch import BatchLineError, require, run_batch

# batch fields and their types (the same names as the HTTP request's)
FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "quant": str,
    "bits": int,
    "context": int,
    "users": int,
    "gpu": str,
    "gpus_available": int,
    "finetune": str,
    "lora_rank": int,
    "seq_len": int,
    "batch": int,
    "years": (int, float),
    "kwh_usd": (int, float),
    "requests_per_day": (int, float),
    "tokens_per_request": int,
    "output_share": (int, float),
}


def _size_line(record: Mapping[str, Any]) -> dict[str, Any]:
    model = require(record, "model", str)
    fields: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if record.get(name) is not None:
            fields[name] = require(record, name, kind)
            if isinstance(fields[name], bool):
                raise BatchLineError(f"field {name!r} must not be a boolean", param=name)
    return size_query(load_catalog(), SizingQuery(model=model, **fields))


@click.command("size")
@click.argument("model", required=False)
@click.option("--quant", type=click.Choice(list(QUANTS)), default=None, help="Weight format (default fp16).")
@click.option("--bits", type=click.Choice(["16", "8", "4"]), default=None, help="16 = fp16, 8 = int8, 4 = AWQ-class.")
@click.option("--context", type=click.IntRange(min=1), default=None, help="Tokens per session (default 4096).")
@click.option("--users", type=click.IntRange(min=1), default=1, show_default=True, help="Concurrent sessions.")
@click.option("--gpu", default=None, help='GPU type as people write it ("A100 80GB", "L40S", "RTX 4090").')
@click.option("--gpus-available", type=click.IntRange(min=1), default=None, help="How many of that GPU you have.")
@click.option("--finetune", type=click.Choice(FINETUNE_METHODS), default=None, help="Fine-tuning memory too.")
@click.option("--lora-rank", type=click.IntRange(min=1), default=DEFAULT_LORA_RANK, show_default=True)
@click.option("--seq-len", type=click.IntRange(min=1), default=DEFAULT_SEQ_LEN, show_default=True, help="Fine-tuning.")
@click.option("--years", type=click.FloatRange(min=0, min_open=True), default=YEARS.value, show_default=True)
@click.option("--kwh-price", type=click.FloatRange(min=0), default=KWH_PRICE.value, show_default=True, help="USD.")
@click.option("--requests-per-day", type=click.FloatRange(min=0, min_open=True), default=None, help="Workload.")
@click.option("--tokens-per-request", type=click.IntRange(min=1), default=None, help="Read + written, per request.")
@click.option("--output-share", type=click.FloatRange(0, 1), default=OUTPUT_SHARE.value, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the sizing/1 JSON.")
@click.option(
    "--batch", "batch_file", type=click.File("r"), default=None, help="JSON Lines of {model, ...}; - for stdin."
)
def size_cmd(
    model: str | None,
    quant: str | None,
    bits: str | None,
    context: int | None,
    users: int,
    gpu: str | None,
    gpus_available: int | None,
    finetune: str | None,
    lora_rank: int,
    seq_len: int,
    years: float,
    kwh_price: float,
    requests_per_day: float | None,
    tokens_per_request: int | None,
    output_share: float,
    as_json: bool,
    batch_file: Any,
) -> None:
    """What it takes to run (and fine-tune) MODEL: memory, GPUs, sessions, speed, cost per month.

    MODEL is a catalog id, a newer model, or a name as people write it ("Llama 2 70B", "mixtral 8x7b").
    """
    if batch_file is not None:
        sys.exit(run_batch(batch_file, _size_line, sys.stdout, sys.stderr))
    if not model:
        click.echo("error: MODEL is required (or --batch)", err=True)
        sys.exit(2)
    query = SizingQuery(
        model=model,
        quant=quant,
        bits=int(bits) if bits else None,
        context=context,
        users=users,
        gpu=gpu,
        gpus_available=gpus_available,
        finetune=finetune,
        lora_rank=lora_rank,
        seq_len=seq_len,
        years=years,
        kwh_usd=kwh_price,
        requests_per_day=requests_per_day,
        tokens_per_request=tokens_per_request,
        output_share=output_share,
    )
    try:
        doc = size_query(load_catalog(), query)
    except InvalidInput as exc:  # UnknownModel's message lists the candidates
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False) if as_json else sizing_text(doc))
