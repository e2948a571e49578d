"""The phrase cues of ``assistant/cues.toml``: every alternative's examples, bounded patterns, no dead phrases."""

from __future__ import annotations

import importlib.util
import json
import re
import re._parser as sre_parse
from pathlib import Path

import pytest

from assistant.lexicon import GENERAL_CUES, ROLE_CUES, TASK_CUES, Alternative, examples, normalize

ALTERNATIVES = list(examples())
ROOT = Path(__file__).resolve().parents[3]
# The development sets: the bench's own, the requests written by others beside the checkout, the spent
# holdouts, and the scripted conversations of bench/dialogue.py.
DEV_SETS = [
    ROOT / "bench" / "extraction_devset.jsonl",
    ROOT.parent / "shared" / "data" / "eval" / "intake-dev.jsonl",
    ROOT / "bench" / "followups_devset.jsonl",  # its what-ifs are read by the same rules
    # the intake holdouts, each run once and development data since
    *sorted((ROOT / "bench").glob("intake_holdout*.jsonl")),
]
MAX_WIDTH = 2000  # assistant.extraction_rules relies on it (_MAX_SPAN)


def _id(alt: Alternative) -> str:
    return f"{alt.where}: {alt.pattern[:60]}"


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=_id)
def test_every_alternative_matches_its_examples_and_not_its_counter_examples(alt: Alternative) -> None:
    assert alt.match, "each alternative needs at least one example that must match"
    pattern = re.compile(alt.pattern)
    for text in alt.match:
        assert pattern.search(normalize(text)), text
    for text in alt.no_match:
        assert not pattern.search(normalize(text)), text


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=_id)
def test_every_pattern_has_a_bounded_width(alt: Alternative) -> None:
    # A bounded maximum match length means no unbounded repeat: matching is linear in the text's length.
    _low, high = sre_parse.parse(alt.pattern).getwidth()
    assert high <= MAX_WIDTH, f"{alt.pattern} may match {high} characters"


def _dialogue_texts() -> list[str]:
    """The user turns of bench/dialogue.py's scripted conversations (development data too)."""
    spec = importlib.util.spec_from_file_location("bench_dialogue", ROOT / "bench" / "dialogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [normalize(turn) for conversation in module.CONVERSATIONS for turn in conversation]


def _dev_texts() -> list[str]:
    texts = _dialogue_texts()
    for path in DEV_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if "text" in item:
                texts.append(normalize(item["text"]))
            if "question" in item:
                texts.append(normalize(item["question"]))
            texts += [normalize(m["content"]) for m in item.get("messages", []) if m["role"] == "user"]
    return texts


def test_no_answer_or_stage_phrase_is_dead_weight() -> None:
    # An alternative that fires on no request of the development sets was removed; keep it that way.
    texts = _dev_texts()
    answer_cues = {id(c.pattern) for c in (*GENERAL_CUES, *TASK_CUES, *ROLE_CUES)}
    assert answer_cues
    kinds = ("general[", "task[", "role[")
    dead = [
        alt.pattern
        for alt in ALTERNATIVES
        if alt.where.startswith(kinds) and not any(re.search(alt.pattern, t) for t in texts)
    ]
    assert dead == []


def test_normalize_folds_case_accents_apostrophes_and_spaces() -> None:
    text = "Radióloga  ÜBERGABE\tStraße — patients\u2019 data"
    assert normalize(text) == "radiologa ubergabe strasse — patients data"
    # follow-ups holdout 26: a Latin word or a number run on to Japanese is a word of its own
    japanese = "「LLaMA 70B」をfp16\uff0816ビット\uff09で、GPUメモリ"
    assert normalize(japanese) == "「llama 70b」を fp16(16 ヒット)て、gpu メモリ"
