"""Short forms users type in terse questions ("physician eval score", "max input length"), with the word the
literature writes: keyword search and sentence overlap compare the long form on both sides."""

from __future__ import annotations

from types import MappingProxyType

LONG_FORMS = MappingProxyType(
    {
        "eval": "evaluation",
        "evals": "evaluation",
        "max": "maximum",
        "min": "minimum",
        "perf": "performance",
        "param": "parameter",
        "params": "parameter",
        "temp": "temperature",
        "config": "configuration",
        "info": "information",
        "approx": "approximately",
        "req": "requirement",
        "reqs": "requirement",
        "spec": "specification",
        "specs": "specification",
        "acc": "accuracy",
        "dx": "diagnosis",
        "pts": "patient",
        "pt": "patient",
    }
)


def long_form(word: str) -> str:
    """The word the literature writes for a lower-case short form, or the word itself."""
    return LONG_FORMS.get(word, word)
