"""Jump-forward decoding of small JSON schemas: the model is asked only where the schema leaves a choice.

Grammar-constrained sampling spends one decode step per token of the reply, although most of a reply to a
fixed schema is forced: keys, brackets, commas. On two CPU cores a decode step of the packaged 1.5B model
costs about 0.1 s, and the intake reader's reply is about 40 tokens of which about 15 are choices. This
module writes the reply from the schema itself and asks the model only at choice points:

- ``emit`` walks the schema in order: forced text (``{"key":``, brackets, commas) is appended without a
  model call; a value with a small finite set of spellings (null, booleans, enums, bounded integers, fixed
  tuples of these, and ``anyOf`` unions of them) becomes a list of candidate strings; an array with
  ``items`` and ``maxItems`` chooses item by item between "one more" and "end".
- ``TokenChooser.choose`` tokenizes the reply so far plus each candidate, evaluates the tokens that all
  live candidates share in one batch (prefill is several times cheaper per token than a decode step), and
  at the first token where they differ keeps the candidates whose token the model scores highest: greedy
  decoding restricted to the candidates, one decode per real choice.

Candidates are tokenized as the whole reply text, as the worked examples in the prompt were, so the model
sees the token sequences it was shown. ``finite_spellings`` returns None for anything it cannot enumerate
(free strings, unbounded numbers, optional keys); callers then fall back to grammar sampling.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

MAX_SPELLINGS = 5000  # beyond this a value is not "small": tokenizing the candidates would cost more than it saves


class TokenModel(Protocol):
    """What the chooser needs from a language model: tokens evaluated so far, evaluate more, score next."""

    def evaluated(self) -> Sequence[int]:
        """The token ids whose state the model holds, in order."""
        ...

    def evaluate(self, tokens: Sequence[int], *, keep: int) -> None:
        """Drop the state after the first ``keep`` tokens, then evaluate ``tokens`` after them."""
        ...

    def next_scores(self, candidates: Sequence[int]) -> Sequence[float]:
        """The model's scores (logits) of ``candidates`` as the next token after the evaluated ones."""
        ...


def finite_spellings(schema: Mapping[str, Any]) -> list[str] | None:
    """Every compact JSON spelling of a value of ``schema``, or None when there are too many or infinitely many."""
    if "enum" in schema:
        return [json.dumps(v, separators=(",", ":")) for v in schema["enum"]]
    if "const" in schema:
        return [json.dumps(schema["const"], separators=(",", ":"))]
    if "anyOf" in schema:
        options: list[str] = []
        for sub in schema["anyOf"]:
            spellings = finite_spellings(sub)
            if spellings is None:
                return None
            options += spellings
        return options if len(options) <= MAX_SPELLINGS else None
    kind = schema.get("type")
    if kind == "null":
        return ["null"]
    if kind == "boolean":
        return ["true", "false"]
    if kind == "integer" and "minimum" in schema and "maximum" in schema:
        low, high = int(schema["minimum"]), int(schema["maximum"])
        return [str(n) for n in range(low, high + 1)] if 0 <= high - low < MAX_SPELLINGS else None
    if kind == "array" and "prefixItems" in schema and "items" not in schema:
        parts = [finite_spellings(sub) for sub in schema["prefixItems"]]
        size = len(parts)
        if any(p is None for p in parts) or schema.get("minItems", size) != size or schema.get("maxItems") != size:
            return None
        count = 1
        for p in parts:
            count *= len(p or [])
        if count > MAX_SPELLINGS:
            return None
        return ["[" + ",".join(combo) + "]" for combo in itertools.product(*(p or [] for p in parts))]
    return None


def supported(schema: Mapping[str, Any]) -> bool:
    """Whether ``emit`` can write every value of ``schema`` (otherwise use grammar sampling)."""
    if finite_spellings(schema) is not None:
        return True
    if schema.get("type") == "object":
        props = schema.get("properties", {})
        return (
            schema.get("additionalProperties") is False
            and list(schema.get("required", [])) == list(props)
            and all(supported(sub) for sub in props.values())
        )
    if schema.get("type") == "array" and "items" in schema and "maxItems" in schema and "prefixItems" not in schema:
        return schema.get("minItems", 0) == 0 and finite_spellings(schema["items"]) is not None
    return False


class TokenChooser:
    """Builds a reply text choice by choice, asking the model only where the candidates' tokens differ."""

    def __init__(self, model: TokenModel, tokenize: Callable[[str], list[int]], prompt: Sequence[int]) -> None:
        self.model = model
        self.tokenize = tokenize
        self.prompt = list(prompt)
        self.text = ""
        self.decisions = 0  # model calls that chose between tokens (for the benchmark)

    def append(self, literal: str) -> None:
        """Forced text: evaluated with the next choice's shared tokens, at no extra step."""
        self.text += literal

    def choose(self, candidates: Sequence[str]) -> str:
        """The candidate the model prefers, appended to the text (candidates must be prefix-free)."""
        if not candidates:
            raise ValueError("nothing to choose from")
        sequences = [self.prompt + self.tokenize(self.text + c) for c in candidates]
        alive = list(range(len(candidates)))
        while len(alive) > 1:
            depth = _shared_length([sequences[i] for i in alive])
            if any(len(sequences[i]) <= depth for i in alive):
                raise ValueError(f"candidates are not prefix-free in tokens: {[candidates[i] for i in alive][:3]}")
            self._evaluate(sequences[alive[0]][:depth])
            options = sorted({sequences[i][depth] for i in alive})
            scores = self.model.next_scores(options)
            best = options[max(range(len(options)), key=lambda k: scores[k])]
            alive = [i for i in alive if sequences[i][depth] == best]
            self.decisions += 1
        chosen = candidates[alive[0]]
        self.text += chosen
        return chosen

    def finish(self) -> str:
        """The whole reply text (its last forced part is never evaluated: nothing follows it)."""
        return self.text

    def _evaluate(self, target: Sequence[int]) -> None:
        done = list(self.model.evaluated())
        keep = _shared_length([done, list(target)])
        if keep == len(target) == len(done):
            return  # the logits of the last evaluated token are the ones needed
        if keep == len(target):
            keep -= 1  # the last token must be evaluated again to score what follows it
        self.model.evaluate(list(target[keep:]), keep=keep)


def emit(chooser: TokenChooser, schema: Mapping[str, Any], after: str = "") -> None:
    """Write a value of ``schema`` with ``chooser``, followed by the literal ``after``.

    Every choice is made between candidates that run on to the next letter or digit (``after`` is part of
    them), because a tokenizer merges a run of punctuation such as ``],"`` into one token: cut inside the
    run, the candidates would be scored on token sequences the model never saw.
    """
    _emit(chooser, schema, (after,))


def _emit(chooser: TokenChooser, schema: Mapping[str, Any], afters: Sequence[str]) -> str:
    """Write a value followed by one of ``afters`` (the model chooses which); return the one written."""
    spellings = finite_spellings(schema)
    if spellings is not None:
        return _choose_followed(chooser, spellings, afters)
    if schema.get("type") == "object":
        props = list(schema["properties"].items())
        if not props:
            return chooser.choose(["{}" + a for a in afters])[2:]
        chooser.append("{" + json.dumps(props[0][0]) + ":")
        for index, (_key, sub) in enumerate(props):
            if index + 1 < len(props):
                _emit(chooser, sub, ("," + json.dumps(props[index + 1][0]) + ":",))
            else:
                return _emit(chooser, sub, tuple("}" + a for a in afters))[1:]
    if schema.get("type") == "array":
        return _emit_items(chooser, finite_spellings(schema["items"]) or [], int(schema["maxItems"]), afters)
    raise ValueError(f"schema not supported by choice decoding: {json.dumps(schema)[:120]}")


def _emit_items(chooser: TokenChooser, spellings: Sequence[str], most: int, afters: Sequence[str]) -> str:
    """An array of up to ``most`` items, each one of ``spellings``; each item is chosen with what follows it
    (a comma and the next item's opening, or the closing bracket), so every candidate ends at a word."""
    opening = _common_start(spellings)  # '["' for tuples that start with a string: part of every item
    ends = tuple("]" + a for a in afters)
    chosen = chooser.choose(["[" + e for e in ends] + ["[" + opening])
    if chosen != "[" + opening:
        return chosen[2:]
    for index in range(most):
        follows = ("," + opening, *ends) if index + 1 < most else ends
        chosen = _choose_followed(chooser, [s[len(opening) :] for s in spellings], follows)
        if chosen != "," + opening:
            return chosen[1:]
    raise AssertionError("unreachable: the last item is always followed by an end")


def _choose_followed(chooser: TokenChooser, values: Sequence[str], follows: Sequence[str]) -> str:
    """One of ``values`` followed by one of ``follows``, chosen together; returns the follow written."""
    chosen = chooser.choose([v + f for v in values for f in follows])
    known = set(values)
    return next(f for f in follows if chosen.endswith(f) and chosen[: len(chosen) - len(f)] in known)


def _shared_length(sequences: Sequence[Sequence[int]]) -> int:
    first = sequences[0]
    length = min(len(s) for s in sequences)
    for position in range(length):
        token = first[position]
        if any(s[position] != token for s in sequences[1:]):
            return position
    return length


def _common_start(texts: Sequence[str]) -> str:
    """The longest text every one of ``texts`` starts with."""
    if not texts:
        return ""
    start = texts[0]
    for text in texts[1:]:
        while not text.startswith(start):
            start = start[:-1]
    return start
