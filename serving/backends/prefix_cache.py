"""A few KV-only states of the prompt prefixes that matter, for the embedded backend.

llama-cpp-python's own ``LlamaRAMCache`` keeps every saved state, and each ``LlamaState`` also holds a copy
of the logits array (up to a batch of rows x the vocabulary x 4 bytes: over 300 MB for Qwen's 152k
vocabulary) that its size accounting ignores; a server grew from 1 GB to almost 10 GB in ten chats. The
logits are not needed to resume a prefix: llama.cpp always decodes at least one token of the new prompt
after a restore, which refreshes them. So this cache stores the KV state and token ids only, one state per
prompt family (prompts that share their first tokens: the extraction prompt, the answer prompt, the prose
prompt), replacing a family's state with its newest one and evicting the least recently used family.
``PrefixLlama`` saves and loads those KV-only states.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from llama_cpp import llama_cpp as llama_lib
from llama_cpp.llama import Llama, LlamaState
from llama_cpp.llama_cache import BaseLlamaCache

FAMILY_TOKENS = 48  # prompts whose first tokens agree share one slot (the system prompt comes first)
MAX_FAMILIES = 4


class PrefixLlama(Llama):
    """A ``Llama`` whose saved states hold the KV cache and token ids, never the logits."""

    def save_state(self) -> LlamaState:
        """The KV state and token ids of the current context (no logits copy)."""
        size = llama_lib.llama_state_get_size(self._ctx.ctx)
        buffer = (ctypes.c_uint8 * int(size))()
        written = int(llama_lib.llama_state_get_data(self._ctx.ctx, buffer, size))
        if written > int(size):
            raise RuntimeError("llama.cpp wrote more state than it said it would")
        return LlamaState(
            scores=np.empty((0, 0), dtype=np.single),
            input_ids=self.input_ids[: self.n_tokens].copy(),
            n_tokens=self.n_tokens,
            llama_state=bytes(memoryview(buffer)[:written]),
            llama_state_size=written,
            seed=self._seed,
        )

    def load_state(self, state: LlamaState) -> None:
        """Restore a KV-only state; the next decode refreshes the logits before anything is sampled."""
        self.input_ids[: state.n_tokens] = state.input_ids
        self.n_tokens = state.n_tokens
        self._requires_eval = True
        self._seed = state.seed
        data = (ctypes.c_uint8 * state.llama_state_size).from_buffer_copy(state.llama_state)
        if llama_lib.llama_state_set_data(self._ctx.ctx, data, state.llama_state_size) != state.llama_state_size:
            raise RuntimeError("llama.cpp refused the saved state")


def state_bytes(state: LlamaState) -> int:
    """The memory a saved state holds: its KV bytes, token ids and any logits."""
    return int(state.llama_state_size) + int(state.input_ids.nbytes) + int(state.scores.nbytes)


class PrefixStateCache(BaseLlamaCache):
    """At most ``max_families`` states, one per prompt family, within ``capacity_bytes`` counted honestly."""

    def __init__(self, capacity_bytes: int, *, max_families: int = MAX_FAMILIES, family_tokens: int = FAMILY_TOKENS):
        super().__init__(capacity_bytes)
        self.max_families = max_families
        self.family_tokens = family_tokens
        self._states: OrderedDict[tuple[int, ...], tuple[tuple[int, ...], LlamaState]] = OrderedDict()

    @property
    def cache_size(self) -> int:
        """Bytes held by the saved states."""
        return sum(state_bytes(state) for _, state in self._states.values())

    def __len__(self) -> int:
        return len(self._states)

    def __bool__(self) -> bool:
        return True  # llama-cpp-python tests ``if self.cache:``; an empty cache must still receive states

    def _family(self, key: Sequence[int]) -> tuple[int, ...]:
        return tuple(key[: self.family_tokens])

    def _best(self, key: Sequence[int]) -> tuple[int, ...] | None:
        best, best_len = None, 0
        for family, (tokens, _) in self._states.items():
            length = Llama.longest_token_prefix(tokens, key)
            if length > best_len:
                best, best_len = family, length
        return best

    def __getitem__(self, key: Sequence[int]) -> LlamaState:
        family = self._best(tuple(key))
        if family is None:
            raise KeyError("no saved prefix")
        self._states.move_to_end(family)
        return self._states[family][1]

    def __contains__(self, key: Any) -> bool:
        return self._best(tuple(key)) is not None

    def __setitem__(self, key: Sequence[int], value: LlamaState) -> None:
        tokens = tuple(key)
        if state_bytes(value) > self.capacity_bytes:
            return  # a state larger than the whole budget is not worth keeping
        family = self._family(tokens)
        self._states.pop(family, None)
        self._states[family] = (tokens, value)
        while len(self._states) > self.max_families or self.cache_size > self.capacity_bytes:
            self._states.popitem(last=False)
