"""Answers to memory and hardware questions from the sizing calculator, in the user's language.

"How much GPU memory would the top model need at 4-bit for 30 users?" names a model (or points at the
recommended one), a format and a load; what it leaves out comes from the user's situation as the
conversation gave it (their GPUs, users, context), else from the defaults the calculator states. Every
figure comes from ``assistant.sizing`` through ``size_query``; the words around them are ours. When the
fit cannot be judged because the user has not said which GPUs they have, the answer asks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from assistant.catalog import Catalog, Model
from assistant.errors import InvalidInput
from assistant.i18n import t, t_count
from assistant.lexicon import normalize
from assistant.message import sentences
from assistant.questions import ASPECTS
from assistant.render import money
from assistant.replies import phase_texts
from assistant.resources import model_resources
from assistant.situation import Situation, read_situation
from assistant.sizing import OUTPUT_SHARE, usable_gb
from assistant.sizing_query import SizingQuery, size_query
from assistant.to_run import REFERENCE_GPU_KEY
from assistant.to_run_text import short_gpu

_BITS = re.compile(r"\b(16|8|4)[- ]?(?:bits?|bit)\b|\b(?:int|q)(8|4)\b|\b(fp16|bf16|awq|gptq|gguf)\b")
# A llama.cpp quantisation named outright ("GGUF Q4_0") beats the family's default; Q8_0 is 8 bits.
_QUANT_NAME = re.compile(r"\b(q4_k_m|q4_0|q8_0)\b")
# Training words of the languages the replies are written in ("nachtrainieren", "addestrare", "treinar").
_FINETUNE = re.compile(
    r"\b(qlora|lora|full fine[- ]?tun\w*|fine[- ]?tun\w*|finetun\w*|(?:nach|re)?train\w*|entren\w*|entrain\w*|"
    r"feinabstimm\w*|feintun\w*|addestr\w*|trein\w*|fijnafstem\w*|ajuste fino|afinar\w*)\b"
)
# Every weight trained, said outright or by ruling the adapters out ("alle Parameter, kein LoRA").
_FULL_TUNING = re.compile(
    r"\b(?:fully? (?:fine[- ]?tun\w*|param\w*|train\w*|weights?)|full-param\w*|"
    r"all (?:the |of the |its |model )?(?:parameters|weights)|alle[nr]? (?:\w+ )?(?:parameter|gewichte)|"
    r"tod[oa]s (?:l[oa]s |os |as )?(?:parametros|pesos)|tous les (?:parametres|poids)|tutti i (?:parametri|pesi)|"
    r"alle (?:parameters|gewichten)|"
    r"(?:no|not|without|kein\w*|sin|sans|senza|sem|geen|zonder|ohne) (?:q?lora|adapters?))\b"
)
_PRICE = ASPECTS["price"]  # "what would it cost per month to rent it?"
_FIT = re.compile(r"\b(?:fit|fits|run (?:it )?on|enough|suffice|cabe|caben|alcanza|passt|reicht|genug)\b")
# One card named by its memory alone ("would one 24 gb card cope?", "una GPU de 16 GB"): no type to look up,
# but its memory is enough to check the fit of one card.
_ONE_CARD = re.compile(
    r"\b(?:one|a|an|single|1|una?|eine?[nm]?|une?)\s+(?:single\s+)?(?:(\d{1,3})\s?gb\s+(?:of\s+)?(?:vram\s+)?"
    r"(?:cards?|gpus?|graphics cards?|grafikkarte|karte)|"
    r"(?:cards?|gpus?|tarjeta|karte|grafikkarte)\s+(?:with|mit|de|con)\s+(\d{1,3})\s?gb)\b"
)
MAX_ASSUMPTIONS = 4  # the main ones are named in the reply; all of them are in ``clinadvisor size --json``


def _precision(norm: str) -> tuple[int | None, str | None] | None:
    """The bits or the quantisation format a text names ("4-bit", "AWQ", "Q8_0"); None when it names none."""
    if named := _QUANT_NAME.search(norm):
        return (8, None) if named.group(1) == "q8_0" else (None, named.group(1))
    if match := _BITS.search(norm):
        word = match.group(3)
        if word in ("fp16", "bf16"):
            return 16, None
        if word in ("awq", "gptq"):
            return None, "awq"  # both are 4-bit GPU formats of the same size
        if word == "gguf":
            return None, "q4_k_m"
        return int(match.group(1) or match.group(2)), None
    return None


def _finetune(norm: str) -> str | None:
    """How a question fine-tunes, if it asks about training: "full", "lora" or "qlora" (the least memory, when
    it names no method)."""
    words = [m.group(1) for m in _FINETUNE.finditer(norm)]
    if not words:
        return None
    if _FULL_TUNING.search(norm) or any(w.startswith("full") for w in words):
        return "full"
    return "lora" if "lora" in words and "qlora" not in words else "qlora"


def _query(text: str, context: str, model: str, situation: Situation | None, asked: Situation) -> SizingQuery:
    """The calculator's question: what the user asked, then what the conversation knows, then the defaults;
    the question's own words before its ``context`` ("at 4-bit for 30 users? And at 8-bit?" asks 8 bits)."""
    norm = normalize(f"{context} {text}")
    bits, quant = _precision(normalize(text)) or _precision(normalize(context)) or (None, None)
    finetune = _finetune(norm)
    known = (situation or Situation()).updated(asked)
    gpus = known.gpus
    work = known.workload
    return SizingQuery(
        model=model,
        bits=bits,
        quant=quant,
        context=known.context_tokens,
        users=known.users or 1,
        gpu=gpus.key if gpus and gpus.key else None,
        gpus_available=gpus.count if gpus and gpus.key else None,
        finetune=finetune,
        requests_per_day=work.requests_per_day if work else None,
        tokens_per_request=work.tokens_per_request if work else None,
        output_share=_written_share(norm),
    )


# the people a sizing question asks for: "for 3 pharmacists", "for our 12 radiologists"
_FOR_PEOPLE = re.compile(r"\b(?:for|para|fur|pour|per) (?:our |the |my |nuestros |unsere |nos )?\d{1,5} [a-z]")
# "only 30% of those tokens were generated output", "70 % input": the share of a request's tokens written
_SHARE_WRITTEN = re.compile(
    r"(?P<n>\d{1,3}(?:[.,]\d+)?)\s?%(?:\s(?:of\s)?(?:\w+\s){0,3}?tokens?)?\s(?:\w+\s){0,2}?"
    r"(?P<kind>generated|output|written|completion|outputs|generation|input|read|prompt|prompts)\b"
)
_READ_KINDS = frozenset(("input", "read", "prompt", "prompts"))


def _written_share(norm: str) -> float:
    """The share of each request's tokens the model writes, where the question says it; else the default."""
    match = _SHARE_WRITTEN.search(norm)
    if match is None:
        return OUTPUT_SHARE.value
    share = float(match.group("n").replace(",", ".")) / 100
    if not 0 <= share <= 1:
        return OUTPUT_SHARE.value
    return 1 - share if match.group("kind") in _READ_KINDS else share


def _lines(lang: str, doc: dict[str, Any], query: SizingQuery, *, reference: bool = False) -> list[str]:
    lines = [
        t(lang, "sizing_memory", weights=f"{doc['weights_gb']:g}", kv=f"{doc['kv_cache_gb']:g}",
          overhead=f"{doc['overhead_gb']:g}", total=f"{doc['total_gb']:g}"),
    ]  # fmt: skip
    per_token = doc.get("kv_bytes_per_token")
    if per_token:  # the figure people check a KV-cache total against ("2 x layers x KV heads x head dim x 2")
        lines.append(t(lang, "sizing_kv_per_token", bytes=f"{per_token:,}", kib=f"{per_token / 1024:g}"))
    if query.context is not None and doc["context"] < query.context:
        lines.append(t(lang, "sizing_capped", context=f"{doc['context']:,}", asked=f"{query.context:,}"))
    gpu = doc.get("gpu")
    if gpu:
        lines.append(
            t_count(lang, "sizing_gpus", gpu["count_needed"], gpu=short_gpu(gpu["name"]),
                    per_gpu=f"{doc['per_gpu_gb']:g}", sessions=doc.get("max_concurrent_sessions") or 0)
        )  # fmt: skip
        if reference:
            lines[-1] += f" ({t(lang, 'sizing_reference')})"
        if gpu.get("count_available") is not None:
            key = "sizing_fits" if doc.get("fits") else "sizing_no_fit"
            lines.append(t(lang, key, have=gpu["count_available"], gpu=short_gpu(gpu["name"])))
    speed = doc.get("decode_tokens_per_s")
    if speed:
        lines.append(t(lang, "sizing_speed", expected=f"{speed['expected']:g}", ceiling=f"{speed['ceiling']:g}"))
    finetune = doc.get("finetune")
    if finetune:
        method = t(lang, f"sizing_finetune_{finetune['method']}")
        lines.append(t(lang, "sizing_finetune", method=method, gb=f"{finetune['total_gb']:g}"))
    cost = (doc.get("cost") or {}).get("per_month") or {}
    parts = [t(lang, f"sizing_cost_{kind}", usd=money(cost[kind])) for kind in ("buy", "rent", "api") if cost.get(kind)]
    if parts:
        lines.append(t(lang, "sizing_cost", costs="; ".join(parts), date=_prices_dates(doc)))
    return lines


def _prices_dates(doc: dict[str, Any]) -> str:
    """The dates of the price tables a sizing document's costs come from ("2025-07")."""
    return ", ".join(sorted(set((doc["cost"].get("prices_as_of") or {}).values())))


def sizing_answer(
    lang: str,
    catalog: Catalog,
    text: str,
    model: Model | None,
    situation: Situation | None,
    example: str,
    *,
    named: str | None = None,
    context: str = "",
) -> str:
    """The answer to a memory or hardware question (the calculator's figures with their assumptions).

    ``named`` is a sizing-facts key the question names (a newer model outside the catalog); it replaces
    ``model``, and then no study hardware is reported beside the estimate."""
    if model is None and named is None:
        return t(lang, "sizing_no_model", example=example)
    facts = catalog.sizing_facts
    gpus = facts.gpus if facts is not None else ()
    # what the message's statements and the questions this one goes on from said, sentence by sentence (the later
    # wins: "for 30 users? And with 12 radiologists? And at 8-bit?" means 12), then the question's own words
    for sentence in sentences(context):
        situation = (situation or Situation()).updated(read_situation(sentence, gpus))
    asked = read_situation(text, gpus)
    if asked.users is None and (
        (context and (situation or Situation()).users is not None) or _FOR_PEOPLE.search(normalize(text))
    ):
        # "And with 20 nurses?" goes on from a question that said how many at once, and "would it fit ... for 3
        # pharmacists?" asks for a load: their people are users at once (a statement's "200 clinicians" is not)
        asked = asked.updated(Situation(users=read_situation(f"{text} at once", gpus).users))
    whole = f"{context} {text}".strip()
    key = named or (model.id if model is not None else "")
    label = model.label if model is not None and named is None else key
    query = _query(text, context, key, situation, asked)
    # one card the question names by its memory ("would a single 24GB card be enough?") is the card asked about,
    # whatever GPUs an earlier statement named (an offer of A800s); the message's other statements name one too
    card = _ONE_CARD.search(normalize(text)) if asked.gpus is None else None
    if card is not None:
        query = replace(query, gpu=None, gpus_available=None)
    elif query.gpu is None:
        card = _ONE_CARD.search(normalize(whole))
    reference = query.gpu is None and bool(_PRICE.search(normalize(whole)))
    if reference:  # a price needs a GPU to rent or buy: the reference type, said as such, until they name theirs
        query = replace(query, gpu=REFERENCE_GPU_KEY)
    try:
        doc = size_query(catalog, query)
    except InvalidInput:
        return t(lang, "sizing_unknown", model=label)
    if doc.get("total_gb") is None:
        # a vendor's service has nothing to size, but a stated workload has a monthly token bill
        api = ((doc.get("cost") or {}).get("per_month") or {}).get("api")
        if not api:
            return t(lang, "sizing_api", model=label)
        written = round(query.output_share * 100)
        bill = t(lang, "sizing_api_bill", requests=query.requests_per_day, tokens=query.tokens_per_request,
                 written=written, read=100 - written, usd=money(api), date=_prices_dates(doc))  # fmt: skip
        return t(lang, "sizing_api", model=label) + "\n" + bill
    lines = _lines(lang, doc, query, reference=reference)
    if model is not None and named is None:
        resources = model_resources(catalog, model, None)
        for name in ("inference", "fine_tuning", "pre_training"):  # what the studies ran it on, beside the estimate
            if (phase := resources.phases.get(name)) is not None:
                phase_label = t(lang, "phase_" + name)
                hardware, power, _price = phase_texts(lang, phase)
                reported = hardware if power == "-" else f"{hardware}, {power}"  # "what hardware, what power draw?"
                lines.append(t(lang, "sizing_reported", phase=phase_label, hardware=reported))
    if card is not None:
        memory = int(card.group(1) or card.group(2))
        usable = usable_gb(memory)  # the calculator's rule for one GPU: its total within the usable share
        # a fine-tuning question asks whether the training fits, not the serving
        total = doc["finetune"]["total_gb"] if doc.get("finetune") else doc["total_gb"]
        verdict = "sizing_card_fits" if total <= usable else "sizing_card_no_fit"
        lines.append(t(lang, verdict, gb=memory, usable=f"{usable:g}", total=f"{total:g}"))
    gpu_known = card is not None or (query.gpu is not None and query.gpus_available is not None)
    if not gpu_known and (_FIT.search(normalize(whole)) or (situation is None or situation.gpus is None)):
        # ask only what is still missing: "for 30 users at once" already said how many
        users_known = (situation or Situation()).updated(asked).users is not None
        lines.append(t(lang, "sizing_ask_gpus" if users_known else "sizing_ask"))
    assumed = [a["name"] + f" = {a['value']:g} {a['unit']}" for a in doc.get("assumptions", [])[:MAX_ASSUMPTIONS]]
    head = t_count(lang, "sizing_head", doc["users"], model=doc["name"], quant=doc["quant"],
                   bits=f"{doc['bits_per_weight']:g}", context=f"{doc['context']:,}")  # fmt: skip
    body = "\n".join(f"- {line}" for line in lines)
    return f"{head}\n{body}\n\n{t(lang, 'sizing_source', model=key, assumptions='; '.join(assumed))}"
