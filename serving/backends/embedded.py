"""The ``embedded`` backend: llama-cpp-python in this process, with a small GGUF model (the default backend).

Structured output to a small schema (the intake reader's) is written by choice decoding
(``choice_decoding``): forced text costs no decode step and the model is asked only at the choices. Any
other schema uses llama.cpp's grammar-constrained sampling (a JSON schema turned into a grammar by
llama-cpp-python). Either reply is validated against the schema. The system prompt and the
few-shot examples are the same on every call, so the KV state of that prefix is kept: llama-cpp-python
reuses the longest common token prefix of consecutive calls, and a RAM cache of states
(``LlamaRAMCache``) restores a prefix after calls with other prompts came in between.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from assistant.llm import BackendError, BackendUnavailable, Message
from serving.backends.choice_decoding import supported
from serving.backends.jsonout import parse_json_reply
from serving.backends.weights import Weights

if TYPE_CHECKING:
    from serving.backends.prefix_cache import PrefixLlama


def require_llama_cpp() -> None:
    """Raise BackendUnavailable with the install command unless llama-cpp-python can be imported."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailable(
            f"the embedded backend needs llama-cpp-python ({exc}); install it with: pip install -e '.[llm]'"
        ) from None


class EmbeddedBackend:
    """A ChatBackend that runs a GGUF model in-process with llama-cpp-python."""

    def __init__(
        self,
        weights: Weights,
        *,
        n_ctx: int = 4096,
        threads: int | None = None,
        cache_mb: int = 512,
        choice_decoding: bool = True,
    ) -> None:
        require_llama_cpp()
        self.weights = weights
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 1
        self.cache_mb = cache_mb
        self.choice_decoding = choice_decoding
        self._llama: PrefixLlama | None = None
        # One llama.cpp context serves one call at a time; a stream holds the lock until it ends or is closed.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The backend's name: "embedded"."""
        return "embedded"

    @property
    def model(self) -> str:
        """The model's label (for status pages and logs)."""
        return self.weights.label

    def load(self) -> PrefixLlama:
        """The loaded model (loaded on first use; call early to pay the load time up front)."""
        with self._lock:
            return self._load_locked()

    def _load_locked(self) -> PrefixLlama:
        if self._llama is None:
            from serving.backends.prefix_cache import PrefixLlama, PrefixStateCache

            try:
                llama = PrefixLlama(
                    model_path=str(self.weights.path),
                    n_ctx=self.n_ctx,
                    n_threads=self.threads,
                    n_threads_batch=self.threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError, OSError) as exc:
                raise BackendUnavailable(f"could not load {self.weights.path}: {exc}") from None
            if self.cache_mb > 0:
                llama.set_cache(PrefixStateCache(capacity_bytes=self.cache_mb * 1024 * 1024))
            self._llama = llama
        return self._llama

    def perf(self) -> dict[str, float]:
        """llama.cpp's counters since the last reset: prompt tokens evaluated, tokens generated, milliseconds."""
        import llama_cpp

        with self._lock:
            data = llama_cpp.llama_perf_context(self._load_locked()._ctx.ctx)
        return {
            "prompt_tokens": data.n_p_eval,
            "prompt_ms": data.t_p_eval_ms,
            "generated_tokens": data.n_eval,
            "generate_ms": data.t_eval_ms,
        }

    def reset_perf(self) -> None:
        """Zero llama.cpp's counters (see ``perf``)."""
        import llama_cpp

        with self._lock:
            llama_cpp.llama_perf_context_reset(self._load_locked()._ctx.ctx)

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The assistant's reply text to the conversation."""
        with self._lock:
            result = self._chat(messages, max_tokens=max_tokens, temperature=temperature)
        return str(result["choices"][0]["message"]["content"] or "")

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], *, max_tokens: int = 512
    ) -> Mapping[str, Any]:
        """A JSON object that validates against ``schema``, sampled under a grammar made from it."""
        if self.choice_decoding and supported(schema):
            from serving.backends.llama_choice import choice_json, has_chat_template

            with self._lock:
                llama = self._load_locked()
                if not has_chat_template(llama):  # a GGUF without a template: llama.cpp's own format, sampled
                    return self._sampled_json(messages, schema, max_tokens)
                try:
                    text, _choices = choice_json(llama, messages, schema)
                except (ValueError, RuntimeError) as exc:  # a prompt that does not fit; a failed llama.cpp decode
                    raise BackendError(f"the embedded model refused the request: {exc}") from None
            return parse_json_reply(text, schema)
        with self._lock:
            return self._sampled_json(messages, schema, max_tokens)

    def _sampled_json(self, messages: Sequence[Message], schema: Mapping[str, Any], max_tokens: int) -> dict[str, Any]:
        """The reply sampled under a grammar made from ``schema`` (the caller holds the lock)."""
        fmt = {"type": "json_object", "schema": dict(schema)}
        result = self._chat(messages, max_tokens=max_tokens, temperature=0.0, response_format=fmt)
        return parse_json_reply(str(result["choices"][0]["message"]["content"] or ""), schema)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """The reply text in pieces as llama.cpp generates them."""
        with self._lock:
            chunks = self._chat(messages, max_tokens=max_tokens, temperature=temperature, stream=True)
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield str(piece)
            except (ValueError, RuntimeError) as exc:  # generation starts lazily: a too-long prompt surfaces here
                raise BackendError(f"the embedded model refused the request: {exc}") from None

    def _chat(self, messages: Sequence[Message], **kwargs: Any) -> Any:
        llama = self._load_locked()
        try:
            return llama.create_chat_completion(messages=cast(Any, [dict(m) for m in messages]), **kwargs)
        except (ValueError, RuntimeError) as exc:  # the prompt does not fit the context window; a failed decode
            raise BackendError(f"the embedded model refused the request: {exc}") from None
