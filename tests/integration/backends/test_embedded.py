"""The embedded backend in-process with the packaged models: replies, streaming, schema-constrained JSON,
prefix reuse, and refusal of weights whose sha256 is wrong."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.llm import BackendError, BackendUnavailable, ChatBackend
from serving.backends import create_backend, load_backend
from serving.backends.embedded import EmbeddedBackend
from serving.backends.weights import QWEN_CODER_1_5B, SMOLLM2_135M, Weights, ensure_packaged
from serving.settings import Settings

pytestmark = pytest.mark.integration

SYSTEM = (
    "You read a clinician's message and fill in the answers it states: yes or no where it says so plainly, "
    "otherwise unknown. The questions: deploy_local (the model runs on the hospital's own hardware), "
    "data_sharing (patient data may leave the hospital), radiology (the task involves radiology reports)."
)
SCHEMA = {
    "type": "object",
    "properties": {
        q: {"type": "string", "enum": ["yes", "no", "unknown"]} for q in ("deploy_local", "data_sharing", "radiology")
    },
    "required": ["deploy_local", "data_sharing", "radiology"],
    "additionalProperties": False,
}


def extraction(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


@pytest.fixture(scope="module")
def smol(smollm2_gguf: Path) -> Iterator[EmbeddedBackend]:
    weights = Weights(smollm2_gguf, SMOLLM2_135M.title, "packaged", SMOLLM2_135M.sha256, True)
    backend = EmbeddedBackend(weights, n_ctx=2048, threads=1, cache_mb=256)
    backend.load()
    yield backend


def test_it_is_a_chat_backend_named_embedded(smol: EmbeddedBackend) -> None:
    assert isinstance(smol, ChatBackend)
    assert smol.name == "embedded"


def test_complete_and_stream(smol: EmbeddedBackend) -> None:
    msgs = [{"role": "user", "content": "Say hello."}]
    assert smol.complete(msgs, max_tokens=16).strip()
    pieces = list(smol.stream(msgs, max_tokens=16))
    assert len(pieces) > 1  # (not compared with complete: a reused prefix may shift greedy decoding slightly)
    assert "".join(pieces).strip()


def test_complete_json_follows_the_schema(smol: EmbeddedBackend) -> None:
    value = smol.complete_json(extraction("Data must stay here; we read CT reports."), SCHEMA, max_tokens=64)
    assert set(value) == {"deploy_local", "data_sharing", "radiology"}
    assert all(v in {"yes", "no", "unknown"} for v in value.values())


def ask(backend: EmbeddedBackend, user: str) -> None:
    """An extraction-shaped call; a few tokens suffice, what matters is how much prompt is evaluated."""
    backend.complete(extraction(user), max_tokens=4)


def test_the_fixed_prefix_is_not_evaluated_again(smol: EmbeddedBackend) -> None:
    ask(smol, "First case: we read CT reports.")
    smol.reset_perf()
    ask(smol, "Second case: nothing may leave the hospital.")
    warm = smol.perf()["prompt_tokens"]
    smol.complete([{"role": "user", "content": "Something else entirely, please."}], max_tokens=4)
    smol.reset_perf()
    ask(smol, "Third case: cloud is fine.")
    after_other = smol.perf()["prompt_tokens"]  # the RAM cache brought the prefix back
    full = len(smol.load().tokenize(SYSTEM.encode()))
    assert 0 < warm < full / 2
    assert 0 < after_other < full / 2


def test_without_the_ram_cache_another_prompt_evicts_the_prefix(smollm2_gguf: Path) -> None:
    weights = Weights(smollm2_gguf, SMOLLM2_135M.title, "packaged", SMOLLM2_135M.sha256, True)
    plain = EmbeddedBackend(weights, n_ctx=2048, threads=1, cache_mb=0)
    ask(plain, "First case: we read CT reports.")
    plain.complete([{"role": "user", "content": "Something else entirely, please."}], max_tokens=4)
    plain.reset_perf()
    ask(plain, "Third case: cloud is fine.")
    assert plain.perf()["prompt_tokens"] > len(plain.load().tokenize(SYSTEM.encode()))


def test_a_corrupted_copy_of_the_weights_is_refused(smollm2_gguf: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.gguf"
    shutil.copyfile(smollm2_gguf, copy)
    with copy.open("r+b") as fh:
        fh.seek(5_000_000)
        byte = fh.read(1)
        fh.seek(5_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    settings = Settings(home=tmp_path, embedded_model_path=copy, embedded_model_sha256=SMOLLM2_135M.sha256)
    with pytest.raises(BackendUnavailable, match="corrupt"):
        create_backend("embedded", settings)
    loaded = load_backend("embedded", settings)
    assert loaded.backend.name == "none"
    assert "sha256" in loaded.notices[0]


def test_registry_starts_the_packaged_small_model(tmp_path: Path) -> None:
    backend = create_backend("embedded", Settings(home=tmp_path, embedded_model="smollm2-135m"))
    assert isinstance(backend, EmbeddedBackend)
    assert backend.weights.verified
    assert backend.weights.sha256 == SMOLLM2_135M.sha256
    assert backend.choice_decoding  # the default; the setting turns it off
    off = create_backend(
        "embedded", Settings(home=tmp_path, embedded_model="smollm2-135m", embedded_choice_decoding=False)
    )
    assert isinstance(off, EmbeddedBackend) and not off.choice_decoding


@pytest.mark.slow
def test_qwen_parts_join_once_into_a_verified_file(qwen_gguf: Path) -> None:
    assert qwen_gguf.stat().st_size == QWEN_CODER_1_5B.size
    assert qwen_gguf.with_name(qwen_gguf.name + ".verified.json").is_file()
    t0 = time.perf_counter()
    assert ensure_packaged(QWEN_CODER_1_5B, qwen_gguf.parent) == qwen_gguf  # the stamp spares a re-hash
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.slow
def test_qwen_answers_an_extraction_in_schema(qwen_gguf: Path) -> None:
    weights = Weights(qwen_gguf, QWEN_CODER_1_5B.title, "packaged", QWEN_CODER_1_5B.sha256, True)
    backend = EmbeddedBackend(weights, n_ctx=2048, threads=1)
    value = backend.complete_json(
        extraction("We summarise radiology reports, and patient data must never leave the hospital."),
        SCHEMA,
        max_tokens=48,
    )
    assert value["radiology"] == "yes"
    assert value["data_sharing"] == "no"


def test_a_prompt_longer_than_the_context_is_a_backend_error(smol: EmbeddedBackend) -> None:
    too_long = [{"role": "user", "content": "word " * 3000}]  # more tokens than n_ctx=2048
    with pytest.raises(BackendError, match="context window"):
        smol.complete(too_long, max_tokens=4)
    with pytest.raises(BackendError, match="context window"):
        list(smol.stream(too_long, max_tokens=4))
    assert smol.complete([{"role": "user", "content": "Say yes."}], max_tokens=2)  # still usable afterwards


def test_saved_prefix_states_hold_no_logits_and_stay_bounded(smollm2_gguf: Path) -> None:
    from serving.backends.prefix_cache import MAX_FAMILIES, PrefixStateCache

    weights = Weights(smollm2_gguf, SMOLLM2_135M.title, "packaged", SMOLLM2_135M.sha256, True)
    backend = EmbeddedBackend(weights, n_ctx=2048, threads=1, cache_mb=64)
    cache = backend.load().cache
    assert isinstance(cache, PrefixStateCache)
    for n in range(MAX_FAMILIES + 3):  # more prompt families than the cache keeps
        system = f"Family {n}: " + "you answer in one word. " * 8
        backend.complete([{"role": "system", "content": system}, {"role": "user", "content": "Hi"}], max_tokens=2)
    assert len(cache) == MAX_FAMILIES
    assert 0 < cache.cache_size <= 64 * 1024 * 1024
    for tokens, state in cache._states.values():
        assert state.scores.size == 0  # no copy of the logits array
        assert state.n_tokens == len(state.input_ids) <= len(tokens) + 1


def test_small_schemas_are_written_by_choice_decoding_in_fewer_steps(smol: EmbeddedBackend) -> None:
    messages = extraction("We summarise CT reports. Nothing may leave the hospital.")
    llama = smol.load()
    calls: list[int] = []
    real_eval = llama.eval

    def counting_eval(tokens: Sequence[int]) -> None:
        calls.append(len(tokens))
        real_eval(tokens)

    llama.eval = counting_eval  # type: ignore[method-assign]  # counts decode calls
    try:
        smol.choice_decoding = True
        chosen = smol.complete_json(messages, SCHEMA)
        decode_steps = len(calls) - 1  # the first call evaluates the prompt
        smol.choice_decoding = False
        sampled = smol.complete_json(messages, SCHEMA)
    finally:
        llama.eval = real_eval  # type: ignore[method-assign]
        smol.choice_decoding = True
    for value in (chosen, sampled):
        assert set(value) == {"deploy_local", "data_sharing", "radiology"}
    reply_tokens = len(llama.tokenize(json.dumps(chosen, separators=(",", ":")).encode(), add_bos=False))
    assert 0 < decode_steps < reply_tokens  # grammar sampling needs one decode per reply token


def test_choice_decoding_brings_the_prompt_prefix_back_after_another_prompt(smol: EmbeddedBackend) -> None:
    smol.complete_json(extraction("First case: we read CT reports."), SCHEMA)
    smol.complete([{"role": "user", "content": "Something else entirely, please."}], max_tokens=4)
    smol.reset_perf()
    smol.complete_json(extraction("Second case: the cloud is fine."), SCHEMA)
    evaluated = smol.perf()["prompt_tokens"] + smol.perf()["generated_tokens"]
    assert 0 < evaluated < len(smol.load().tokenize(SYSTEM.encode())) / 2  # the saved state came back


def test_a_model_file_without_a_chat_template_is_sampled_under_a_grammar(smol: EmbeddedBackend) -> None:
    metadata = smol.load().metadata
    template = metadata.pop("tokenizer.chat_template")
    try:
        value = smol.complete_json(extraction("We read CT reports."), SCHEMA, max_tokens=64)
    finally:
        metadata["tokenizer.chat_template"] = template
    assert set(value) == {"deploy_local", "data_sharing", "radiology"}
