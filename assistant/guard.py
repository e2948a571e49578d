"""The guard on language-model prose: every model name, number and citation must come from the facts.

The prompt gives the model only structured facts (recommendation subset, catalog facts, retrieved passages
with their numbers). Before its text reaches a user, ``problems`` checks it against those same facts:

- a citation ``[n]`` must number one of the reply's citations; ``[key]`` must be a retrieved key;
- every number must occur in the facts (thousands separators and decimal commas are both tried);
- a score on a scale ("0 out of 5") must occur in the facts as one, not only its numbers apart;
- every catalog model name, and every token that looks like a model name (letters with digits such as
  "Foo-13B", inner capitals such as "MediGenius", or capitals such as "GPTX"), must occur in the facts;
- every link must be an http(s) URL that occurs in the facts;
- never an image, raw HTML or a link of another scheme, even when the facts hold one: a document's image URL
  quoted back by the model would make the reader's browser fetch it (the usual way to leak data).

Any problem means the templated answer is used instead; the dialogue adds a notice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.catalog import Catalog
from assistant.sanitize import safe_url

# Acronyms that appear in ordinary prose about deployment; they are not model names.
COMMON_ACRONYMS = frozenset(
    {
        "API", "APIS", "GPU", "GPUS", "CPU", "LLM", "LLMS", "AI", "KI", "IA", "ICD", "CT", "TC", "MRI", "MRT", "RM",
        "ECG", "EKG", "USD", "EUR", "PDF", "JSON", "DRG", "EHR", "EMR", "RAM", "VRAM", "HIPAA", "GDPR", "DSGVO",
        "RGPD", "IT", "OK", "TDP", "NLP", "QA", "FAQ", "PHI", "NB", "UK", "USA", "EU", "IMPORTANT", "NOTE",
    }
)  # fmt: skip

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_RATIO = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s+out\s+of\s+\d+(?:[.,]\d+)?", re.IGNORECASE)
_CITATION = re.compile(r"\[([^\[\]]{1,80})\](?!\()")
# Bounded and without lazy repeats, so that text with many "](" and no ")" stays linear.
_LINK = re.compile(r"\]\(([^\s)]{1,500})\)|(https?://[^\s)>\]]{1,500})")
_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\s{0,3}[(\[]")
_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]{0,40}(?:\s[^<>]{0,2000})?/?>|<!--|<![A-Za-z]|<\?[A-Za-z]")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]{0,2000})>")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*")
_UNIT = re.compile(r"\d+(?:[.,]\d+)?-?(?:bit|bits|b|m|gb|tb|w|kw|h|k|x|st|nd|rd|th|s|ms)", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """What language-model prose may draw on: the facts' text, the citation count and the retrieved keys."""

    text: str
    citations: int
    keys: frozenset[str]

    def has_token(self, token: str) -> bool:
        """True when the token occurs in the facts as a whole word (ignoring case)."""
        folded = token.casefold()
        text = self.text.casefold()
        if folded not in text:  # the common case, without compiling a pattern per token
            return False
        pattern = rf"(?<![\w-]){re.escape(folded)}(?![\w-])"
        return re.search(pattern, text) is not None


def number_values(token: str) -> set[str]:
    """The values a written number may mean: "7,799" is 7799 or 7.799, "3,75" is 3.75, "7.799" is 7.799 or 7799."""
    candidates = {token.replace(",", ""), token.replace(".", "").replace(",", "."), token.replace(",", ".")}
    values = set()
    for c in candidates:
        try:
            values.add(_canonical(float(c)))
        except ValueError:
            continue
    return values


def _canonical(value: float) -> str:
    if not math.isfinite(value):
        return str(value)  # hundreds of digits overflow a float; "inf" never matches a fact's number
    return f"{round(value, 6):g}" if abs(value) < 1e15 else str(int(value))


def _numbers(text: str) -> set[str]:
    out: set[str] = set()
    for match in _NUMBER.finditer(text):
        out |= number_values(match.group(0))
    return out


def _catalog_names(catalog: Catalog) -> frozenset[str]:
    names = set()
    for model in catalog.models:
        for name in (model.name, model.label):
            if len(name) >= 3 or any(ch.isdigit() for ch in name):
                names.add(name)
    return frozenset(names)


def _looks_like_model(token: str) -> bool:
    letters = any(ch.isalpha() for ch in token)
    digits = any(ch.isdigit() for ch in token)
    if letters and digits:
        return not _UNIT.fullmatch(token)
    if re.search(r"[a-z][A-Z]", token):
        return True
    return token.isupper() and len(token) >= 3 and token not in COMMON_ACRONYMS


def problems(prose: str, facts: Facts, catalog: Catalog) -> tuple[str, ...]:
    """What in ``prose`` is not backed by ``facts`` (empty when the prose is clean)."""
    found: list[str] = []
    cited_spans: list[tuple[int, int]] = []
    for match in _CITATION.finditer(prose):
        cited_spans.append(match.span())
        inner = match.group(1).strip()
        parts = [p.strip() for p in re.split(r"[,;]", inner)]
        if all(re.fullmatch(r"\d+(?:\s*[-\u2013]\s*\d+)?", p) for p in parts):
            for p in parts:
                for n in (int(x) for x in re.findall(r"\d+", p)):
                    if not 1 <= n <= facts.citations:
                        found.append(f"citation [{n}]")
        elif inner not in facts.keys and not facts.has_token(inner):
            found.append(f"citation [{inner}]")
    outside = _without(prose, cited_spans)
    allowed_numbers = _numbers(facts.text)
    for match in _NUMBER.finditer(outside):
        if not number_values(match.group(0)) & allowed_numbers:
            found.append(f"number {match.group(0)}")
    for match in _RATIO.finditer(outside):
        # a score on a scale ("a star rating of 0 out of 5") must be the facts' own: each number alone may be there
        if " ".join(match.group(0).split()).casefold() not in " ".join(facts.text.split()).casefold():
            found.append(f"score {match.group(0)}")
    lowered = outside.casefold()
    for name in _catalog_names(catalog):
        folded = name.casefold()
        # a plain substring test first: one regex per catalog name over a long text is slow
        if folded not in lowered:
            continue
        pattern = rf"(?<![\w-]){re.escape(folded)}(?![\w-])"
        if re.search(pattern, lowered) and not facts.has_token(name):
            found.append(f"model {name}")
    for token in dict.fromkeys(m.group(0).strip(".") for m in _TOKEN.finditer(outside)):
        if token and _looks_like_model(token) and not facts.has_token(token):
            found.append(f"name {token}")
    found += _reaching_out(prose)
    for match in _LINK.finditer(prose):
        url = match.group(1) or match.group(2)
        if url and (safe_url(url) is None or url.rstrip(".,") not in facts.text):
            found.append(f"link {url}")
    return tuple(dict.fromkeys(found))


def _reaching_out(prose: str) -> list[str]:
    """Images, raw HTML and autolinks of other schemes than http(s): never allowed, whatever the facts say.

    They are reported as links (the user's notice names only the kind of problem)."""
    found = [f"link (image) {m.group(0)}" for m in _IMAGE.finditer(prose)]
    found += [f"link (html) {m.group(0)[:40]}" for m in _HTML.finditer(prose)]
    for match in _AUTOLINK.finditer(prose):
        if safe_url(match.group(1)) is None:
            found.append(f"link {match.group(1)}")
    return found


def _without(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out = list(text)
    for start, end in spans:
        for i in range(start, end):
            out[i] = " "
    return "".join(out)
