"""Choice decoding against a toy model that wants one reply: the reply comes out exactly, the model is asked
only where the schema leaves a choice, forced text is evaluated in batches, and odd schemas are refused."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import jsonschema
import pytest

from assistant.extraction_llm import answer_schema
from serving.backends.choice_decoding import TokenChooser, emit, finite_spellings, supported

# Like a BPE pre-tokenizer: a word, one digit, or a whole run of punctuation is one token.
_PIECES = re.compile(r"[A-Za-z_]+|\d|[^A-Za-z_\d]+")


class Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.texts: list[str] = []

    def tokenize(self, text: str) -> list[int]:
        out = []
        for piece in _PIECES.findall(text):
            if piece not in self.ids:
                self.ids[piece] = len(self.texts)
                self.texts.append(piece)
            out.append(self.ids[piece])
        return out

    def text(self, tokens: Sequence[int]) -> str:
        return "".join(self.texts[t] for t in tokens)


class WantsOneReply:
    """A model that scores a token high when it continues the reply it wants."""

    def __init__(self, vocab: Vocabulary, prompt: Sequence[int], wanted: str) -> None:
        self.vocab, self.prompt_len, self.wanted = vocab, len(prompt), wanted
        self.tokens: list[int] = list(prompt)
        self.evaluate_calls: list[int] = []

    def evaluated(self) -> Sequence[int]:
        return self.tokens

    def evaluate(self, tokens: Sequence[int], *, keep: int) -> None:
        self.tokens = self.tokens[:keep] + list(tokens)
        self.evaluate_calls.append(len(tokens))

    def next_scores(self, candidates: Sequence[int]) -> Sequence[float]:
        so_far = self.vocab.text(self.tokens[self.prompt_len :])
        return [1.0 if self.wanted.startswith(so_far + self.vocab.texts[c]) else 0.0 for c in candidates]


def decode(schema: dict[str, Any], wanted: object) -> tuple[str, TokenChooser, WantsOneReply]:
    vocab = Vocabulary()
    prompt = vocab.tokenize("<prompt> read this message please")
    model = WantsOneReply(vocab, prompt, json.dumps(wanted, separators=(",", ":")))
    chooser = TokenChooser(model, vocab.tokenize, prompt)
    emit(chooser, schema)
    return chooser.finish(), chooser, model


REPLIES = [
    {"text_in": None, "text_out": None, "share": None, "local": None, "tasks": []},
    {"text_in": [True, 2], "text_out": [True, 2], "share": [False, 3], "local": None,
     "tasks": [["summarise_exam_report", True, 2]]},
    {"text_in": [False, 1], "text_out": [True, 4], "share": [True, 4], "local": [False, 4],
     "tasks": [["suggest_diagnosis", True, 1], ["draft_treatment_plan", False, 3],
               ["answer_medical_question", True, 2]]},
]  # fmt: skip


@pytest.mark.parametrize("wanted", REPLIES)
def test_the_reply_the_model_prefers_comes_out_exactly_and_fits_the_schema(wanted: dict[str, Any]) -> None:
    schema = answer_schema(4)
    text, _chooser, _model = decode(schema, wanted)
    assert json.loads(text) == wanted
    jsonschema.validate(json.loads(text), schema)


def test_forced_text_costs_no_decision_and_is_evaluated_in_batches() -> None:
    text, chooser, model = decode(answer_schema(4), REPLIES[0])
    # four general questions (null or a pair) and the task list (empty or not): five real choices
    assert chooser.decisions == 5
    assert len(model.evaluate_calls) <= chooser.decisions
    assert sum(model.evaluate_calls) < len(text)  # far fewer tokens evaluated than characters written


def test_a_clause_number_takes_one_decision_when_the_message_has_few_clauses() -> None:
    wanted = {"text_in": [True, 3], "text_out": None, "share": None, "local": None, "tasks": []}
    _text, few, _ = decode(answer_schema(9), wanted)
    _text, many, _ = decode(answer_schema(99), wanted)
    assert few.decisions == 5 + 2  # text_in: opened, true, 3
    assert many.decisions > few.decisions  # "3" or "3x"?: one more step


def test_a_list_stops_at_its_maximum_without_asking() -> None:
    schema = {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2}
    text, chooser, _ = decode(schema, ["b", "a"])
    assert text == '["b","a"]'
    # empty or not; which first; end or a second; which second (the end after two is forced, not asked)
    assert chooser.decisions == 4


def test_spellings_of_small_values() -> None:
    assert finite_spellings({"type": "boolean"}) == ["true", "false"]
    assert finite_spellings({"anyOf": [{"type": "null"}, {"enum": ["x"]}]}) == ["null", '"x"']
    assert finite_spellings({"type": "integer", "minimum": 1, "maximum": 3}) == ["1", "2", "3"]
    pair = {"type": "array", "prefixItems": [{"type": "boolean"}, {"const": 1}], "minItems": 2, "maxItems": 2}
    assert finite_spellings(pair) == ["[true,1]", "[false,1]"]
    assert finite_spellings({"type": "string"}) is None
    assert finite_spellings({"type": "integer", "minimum": 0}) is None


def test_open_schemas_are_left_to_grammar_sampling() -> None:
    assert supported(answer_schema(5))
    assert not supported({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
    optional = {"type": "object", "properties": {"a": {"type": "boolean"}}, "required": []}
    assert not supported(optional)  # an optional key is a choice this writer does not make
    assert not supported({"type": "array", "items": {"type": "boolean"}})  # no maxItems: unbounded


def test_candidates_that_are_prefixes_of_each_other_are_refused() -> None:
    vocab = Vocabulary()
    chooser = TokenChooser(WantsOneReply(vocab, [], "ab"), vocab.tokenize, [])
    with pytest.raises(ValueError, match="prefix-free"):
        chooser.choose(["1", "12"])
