"""A Spanish or German question put into English for the literature search, by the language model.

The index's embedding model reads English, and nearly every passage is English: a question in another
language finds and scores the passages that answer it poorly. The translation is used only to search and to
score sentences; the answer is still written in the user's language, and what the question names must still
occur in the passages (``assistant.grounded``). Without a language model, or when it fails, the question is
searched as it was asked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from assistant.llm import BackendError, ChatBackend

SYSTEM = (
    "Translate the user's question into English. Keep names, numbers and technical terms exactly as written. "
    "Reply with the English question only."
)
MAX_TOKENS = 80
CACHE_SIZE = 512
_CACHE: OrderedDict[tuple[str, str, str], str | None] = OrderedDict()
_LOCK = threading.Lock()


def to_english(question: str, lang: str, backend: ChatBackend | None) -> str | None:
    """The question in English, or None (already English, no language model, or it failed)."""
    if lang == "en" or backend is None or backend.name == "none" or not question.strip():
        return None
    key = (backend.name, str(getattr(backend, "model", "") or ""), question)
    with _LOCK:
        if key in _CACHE:  # a conversation's history is read again on every turn; so are its questions
            _CACHE.move_to_end(key)
            return _CACHE[key]
    english = _translate(question, backend)
    with _LOCK:
        _CACHE[key] = english
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return english


def _translate(question: str, backend: ChatBackend) -> str | None:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    try:
        text = backend.complete(messages, max_tokens=MAX_TOKENS, temperature=0.0).strip().strip('"')
    except BackendError:
        return None
    first = text.splitlines()[0].strip() if text else ""
    return first or None
