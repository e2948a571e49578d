"""Choice decoding (``choice_decoding``) on a llama-cpp-python model: prompt, prefix reuse, scores.

The prompt is the chat template of the GGUF file applied as llama-cpp-python applies it, so the tokens
match those of its own chat completions and the prefix states saved by either path serve the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

import numpy as np
from llama_cpp import llama_cpp as llama_lib
from llama_cpp.llama import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from assistant.llm import Message
from serving.backends.choice_decoding import TokenChooser, emit


class LlamaTokenModel:
    """A ``TokenModel`` over a loaded ``Llama``: its evaluated tokens, batched evaluation, next-token logits."""

    def __init__(self, llama: Llama) -> None:
        self.llama = llama

    def evaluated(self) -> Sequence[int]:
        """The token ids in the model's KV state."""
        tokens: list[int] = self.llama.input_ids[: self.llama.n_tokens].tolist()
        return tokens

    def evaluate(self, tokens: Sequence[int], *, keep: int) -> None:
        """Keep the first ``keep`` tokens' state and evaluate ``tokens`` after them (one batch)."""
        self.llama.n_tokens = keep
        self.llama.eval(list(tokens))

    def next_scores(self, candidates: Sequence[int]) -> Sequence[float]:
        """The logits of ``candidates`` after the last evaluated token."""
        pointer = llama_lib.llama_get_logits_ith(self.llama._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(self.llama.n_vocab(),))
        return [float(logits[t]) for t in candidates]


def has_chat_template(llama: Llama) -> bool:
    """Whether the GGUF file carries the chat template this module applies (a user's own file may not)."""
    return "tokenizer.chat_template" in llama.metadata


@lru_cache(maxsize=4)  # compiling the Jinja template on every call would cost each reading a few ms
def _formatter(template: str, eos: str, bos: str) -> Jinja2ChatFormatter:
    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)


def prompt_tokens(llama: Llama, messages: Sequence[Message]) -> list[int]:
    """The tokens of ``messages`` under the model's chat template, with the assistant's turn opened."""
    eos, bos = llama.token_eos(), llama.token_bos()
    formatter = _formatter(
        str(llama.metadata["tokenizer.chat_template"]),
        llama._model.token_get_text(eos) if eos != -1 else "",
        llama._model.token_get_text(bos) if bos != -1 else "",
    )
    result = formatter(messages=cast(Any, [dict(m) for m in messages]))
    return llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)


def restore_prefix(llama: Llama, prompt: Sequence[int]) -> None:
    """Load the saved state sharing the most tokens with ``prompt`` when it beats the state in memory."""
    if llama.cache is None:
        return
    try:
        saved = llama.cache[prompt]
    except KeyError:
        return
    in_memory = Llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), prompt)
    if Llama.longest_token_prefix(saved.input_ids.tolist(), prompt) > in_memory:
        llama.load_state(saved)
        # a KV-only state has no logits: re-evaluating its last token brings them back
        llama.n_tokens = max(0, llama.n_tokens - 1)


def save_prefix(llama: Llama, prompt: Sequence[int]) -> None:
    """Keep the state of ``prompt`` (the fixed part of the next call's prompt) in the model's cache."""
    if llama.cache is None or llama.n_tokens < len(prompt):
        return
    kept = llama.n_tokens
    llama.n_tokens = len(prompt)
    try:
        llama.cache[list(prompt)] = llama.save_state()
    finally:
        llama.n_tokens = kept


def choice_json(llama: Llama, messages: Sequence[Message], schema: Mapping[str, Any]) -> tuple[str, int]:
    """The reply text for ``schema`` written by choice decoding, and how many choices the model made."""
    prompt = prompt_tokens(llama, messages)
    if len(prompt) >= llama.n_ctx():
        raise ValueError(f"Requested tokens ({len(prompt)}) exceed context window of {llama.n_ctx()}")
    restore_prefix(llama, prompt)

    def tokenize(text: str) -> list[int]:
        return llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    chooser = TokenChooser(LlamaTokenModel(llama), tokenize, prompt)
    emit(chooser, schema)
    save_prefix(llama, prompt)
    return chooser.finish(), chooser.decisions
