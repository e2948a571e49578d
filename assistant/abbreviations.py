"""Short forms users type in terse questions ("physician eval score", "max input length"), with the word the
literature writes: keyword search and sentence overlap compare the long form on both sides. A search query's
British spellings of verbs in "-ise" are written the "-ize" way most papers write ("quantised" -> "quantized"):
the embedding model places the two spellings apart."""

from __future__ import annotations

import re
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


# stems whose "-ise" forms are British spellings of "-ize" ones (not "advise", "precise", "raise", "promise")
_IZE_STEMS = (
    "quant|summar|anonym|pseudonym|optim|normal|standard|categor|priorit|organ|character|token|special|visual|"
    "general|util|minim|maxim|recogn|author|digit|custom|initial|serial|vector|final|emphas|hospital|stabil|"
    "local|personal|central|synchron|harmon|memor|real"
)
_BRITISH = re.compile(rf"\b({_IZE_STEMS})is(e|ed|es|ing|ation|ations|er|ers)\b", re.IGNORECASE)


def american_spelling(text: str) -> str:
    """The text with British "-ise" spellings of common verbs written "-ize" ("quantised" -> "quantized")."""
    return _BRITISH.sub(lambda m: f"{m[0][: len(m[1]) + 1]}{'Z' if m[0][len(m[1]) + 1] == 'S' else 'z'}{m[2]}", text)


def long_form(word: str) -> str:
    """The word the literature writes for a lower-case short form, or the word itself."""
    return LONG_FORMS.get(word, word)
