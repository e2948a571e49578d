"""The stage by the nearest labelled requests: the shipped data, the vote, its gates and its use by the intake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import stage_examples
from assistant.extraction import NOTICE_STAGE_BY_EXAMPLES, cache_clear, extract, read_history
from assistant.stage_examples import (
    EXCLUDE_ENV,
    Examples,
    excluded_sets,
    guess_stage,
    leave_out,
    load_examples,
    nearest_stage,
    use_embedder,
)
from index.embeddings import embed_query_if_loaded, embed_query_or_none
from index.stage_examples import labelled_requests

pytest.importorskip("sentence_transformers")


@pytest.fixture(autouse=True)
def _nothing_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EXCLUDE_ENV, raising=False)
    monkeypatch.setattr(stage_examples, "_embed", embed_query_or_none)  # wired as the CLI wires it
    cache_clear()


def test_the_shipped_examples_are_the_bench_sets_single_stage_requests() -> None:
    examples = load_examples()
    assert examples is not None
    wanted = list(labelled_requests())
    assert examples.ids == tuple(item_id for _, item_id, _, _ in wanted)
    assert examples.stages == tuple(stage for *_, stage in wanted)
    assert set(examples.stages) == {"I", "II", "III", "IV", "V"}
    assert len(examples.ids) > 500


def test_the_shipped_vectors_are_the_embedding_models_vectors_of_those_texts() -> None:
    from index.embeddings import get_embedder

    examples = load_examples()
    assert examples is not None
    rows = list(labelled_requests())
    for i in (0, len(rows) // 2, len(rows) - 1):
        vector = np.asarray(get_embedder().embed_query(rows[i][2]), dtype=np.float32)
        assert float(examples.vectors[i] @ vector) > 0.99, rows[i][1]


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Draft the findings section of chest CT reports for the radiologists to check.", "II"),
        ("Help the cardiologists pick the most likely diagnosis from the admission notes.", "III"),
        ("The night nurses want their handover notes written up from the observations charts.", "IV"),
        ("Write the discharge letter to the GP when the patient goes home.", "V"),
    ],
)
def test_a_request_worded_unlike_the_examples_gets_its_stage(text: str, stage: str) -> None:
    guess = guess_stage(text)
    assert guess is not None and guess.stage == stage
    assert guess.share >= stage_examples.MIN_SHARE and len(guess.neighbours) == stage_examples.NEIGHBOURS


@pytest.mark.parametrize(
    "text", ["Is the staff car park closed tomorrow?", "hello", "yes", "We use our own GPUs.", " "]
)
def test_a_message_unlike_every_request_gets_no_stage(text: str) -> None:
    assert guess_stage(text) is None


def test_a_benchmark_leaves_the_measured_sets_examples_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _, item_id, text, _ = next(r for r in labelled_requests() if r[0] == "intake_holdout16")
    with_it = guess_stage(text, min_share=0, min_nearest=0)
    assert with_it is not None and with_it.neighbours[0] == item_id and with_it.nearest > 0.99
    monkeypatch.setenv(EXCLUDE_ENV, "intake_holdout2")
    leave_out("intake_holdout16")
    assert excluded_sets() == {"intake_holdout2", "intake_holdout16"}
    without = guess_stage(text, min_share=0, min_nearest=0)
    assert without is not None and not any(n.startswith("h16-") for n in without.neighbours)
    assert without.nearest < 0.99


def _examples(stages: list[str], vectors: list[list[float]]) -> Examples:
    return Examples(
        np.asarray(vectors, dtype=np.float32), tuple(stages), ("s",) * len(stages), tuple(map(str, range(len(stages))))
    )


def test_the_vote_weighs_by_similarity_and_needs_a_clear_majority() -> None:
    examples = _examples(["II", "II", "IV"], [[1, 0], [0.8, 0.6], [0, 1]])
    guess = nearest_stage(examples, [1.0, 0.0], min_share=0.5)
    assert guess is not None and guess.stage == "II" and guess.share == pytest.approx(1.0)
    # Halfway between: II's two examples outweigh IV's one, but not by the share asked for.
    between = [0.7071, 0.7071]
    assert nearest_stage(examples, between, min_share=0.5) is not None
    assert nearest_stage(examples, between, min_share=0.9) is None
    assert nearest_stage(examples, [1.0, 0.0], min_share=0.5, min_nearest=1.01) is None


def test_the_intake_takes_the_examples_stage_where_no_reader_found_one_and_says_so() -> None:
    text = "Looking for something that reads the CT scans and outlines the tumour for the radiotherapy team."
    found = extract(text)
    assert found.stage == "II" and found.stages == ("II",)
    assert NOTICE_STAGE_BY_EXAMPLES.format(stage="II") in found.notices


def test_a_named_stage_and_a_given_stage_are_never_replaced() -> None:
    text = "Stage IV please: looking for something that reads the CT scans and outlines the tumour."
    assert extract(text).stage == "IV"
    plain = "Looking for something that reads the CT scans and outlines the tumour for the radiotherapy team."
    found = extract(plain, stage="V")
    assert found.stage == "V" and not any("example requests" in n for n in found.notices)


def test_an_answer_to_a_yes_no_question_is_not_given_a_stage_by_the_examples() -> None:
    text = "Looking for something that reads the CT scans and outlines the tumour for the radiotherapy team."
    assert extract(text, asked="data_sharing").stage is None


def test_a_server_does_not_wait_for_the_model_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import index.embeddings

    text = "The night nurses want their handover notes written up from the observations charts."
    assert guess_stage(text) is not None  # the CLI's embedder loads the model when it must
    use_embedder(embed_query_if_loaded)  # the server's
    assert guess_stage(text) is not None  # loaded by now: it votes
    monkeypatch.setattr(index.embeddings, "_loaded", None)  # as if the search index were still loading it
    assert guess_stage(text) is None


def test_without_an_embedder_there_is_no_vote() -> None:
    use_embedder(None)  # a light install, or a caller of the library that wired none
    text = "Looking for something that reads the CT scans and outlines the tumour for the radiotherapy team."
    assert guess_stage(text) is None
    found = extract(text)
    assert found.stage is None and not any("example requests" in n for n in found.notices)


def test_a_stated_role_is_moved_only_by_a_clear_vote(monkeypatch: pytest.MonkeyPatch) -> None:
    # a set vote, so the gate is tested whatever the shipped examples say of this text
    import assistant.extraction as extraction

    text = "Ward nurse here; we'd like help with the paperwork."
    for share, stage in ((stage_examples.ROLE_SHARE - 0.05, "IV"), (stage_examples.ROLE_SHARE + 0.05, "V")):
        vote = stage_examples.StageGuess("V", share, 0.7, ("x",))
        monkeypatch.setattr(extraction, "guess_stage", lambda *args, vote=vote, **kwargs: vote)
        cache_clear()
        assert extract(text).stage == stage


def test_where_no_reader_found_a_need_the_nearest_request_must_be_closer() -> None:
    text = (
        "Our breast screening unit wants something that goes through the mammograms and marks anything "
        "suspicious for the second reader; it stays on the trust's own servers."
    )
    vote = guess_stage(text)  # clear enough where a reader found a need ...
    assert vote is not None and stage_examples.MIN_NEAREST <= vote.nearest < stage_examples.FILL_NEAREST
    found = extract(text)  # ... but here neither did: a message this far from every request gets no stage
    assert found.stage is None and not any("example requests" in n for n in found.notices)


def test_a_chat_reports_the_stage_the_examples_gave() -> None:
    text = "Looking for something that reads the CT scans and outlines the tumour for the radiotherapy team."
    history = read_history([{"role": "user", "content": text}])
    assert history.stage == "II" and NOTICE_STAGE_BY_EXAMPLES.format(stage="II") in history.notices


def test_the_cli_and_the_server_wire_the_embedder(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from serving.app import create_app
    from serving.cli import cli
    from serving.settings import Settings

    use_embedder(None)
    text = "Looking for something that reads the CT scans and outlines the tumour for the radiotherapy team."
    out = CliRunner().invoke(cli, ["extract", "--backend", "none", "--json", text])
    assert out.exit_code == 0, out.output
    assert NOTICE_STAGE_BY_EXAMPLES.format(stage="II") in out.output
    assert stage_examples._embed is embed_query_or_none
    with TestClient(create_app(Settings(home=tmp_path, backend="none"), mount_ui=False, start_index=False)):
        assert stage_examples._embed is embed_query_if_loaded  # never waits for the model
    assert stage_examples._embed is None


def test_without_the_embedding_model_a_query_has_no_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    import index.embeddings

    def missing() -> None:
        raise index.embeddings.ModelNotInstalled("the embedding model package is not installed")

    monkeypatch.setattr(index.embeddings, "get_embedder", missing)
    assert embed_query_or_none("draft the discharge letters") is None


def test_the_examples_do_not_move_a_stage_where_a_phrases_task_and_the_role_agree() -> None:
    # trying a fresh `make start`: the model's nursing document (IV) against the rules' referral letters (III),
    # the GP's role siding with III, and then the nearest examples moved it to stage I
    text = (
        "We're a small GP practice. I'd like something that drafts referral letters to hospital specialists from "
        "my consultation notes. It has to run on the practice server; nothing can go to an outside company."
    )
    from tests.unit.assistant.test_extraction_llm import FakeBackend, reply

    backend = FakeBackend(reply(write_surgery_or_nursing_doc=[True, 2], local=[True, 3]))
    found = extract(text, backend=backend)
    assert found.stage == "III" and found.answers["decision_text_generation"] is True
