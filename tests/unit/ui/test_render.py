"""ui.render over real recommendation/1 dicts from the rules core."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.catalog import Catalog
from assistant.rules import recommend
from ui import render

BASE = {
    "input_text_only": False,
    "output_text_only": True,
    "radiology_text_generation": True,
    "radiology_report_summarization": True,
}


@pytest.fixture
def local_rec(catalog: Catalog) -> dict[str, Any]:
    """Stage II radiology, data stays in, local hardware."""
    return recommend(catalog, "II", {**BASE, "data_sharing": False, "deploy_local": True}).to_dict()


@pytest.fixture
def cloud_rec(catalog: Catalog) -> dict[str, Any]:
    """The same tasks with data sharing and cloud use allowed."""
    return recommend(catalog, "II", {**BASE, "data_sharing": True, "deploy_local": False}).to_dict()


def test_rows_follow_the_server_ranking(local_rec: dict[str, Any]) -> None:
    rows = render.recommendation_rows(local_rec)
    assert [r[1] for r in rows] == [render.model_label(m) for m in local_rec["matches"]][: len(rows)]
    radialog = next(r for r in rows if r[1] == "RaDialog-7B")
    assert radialog[2] == "★" and radialog[4] == "Open"
    # to run it (sized by the server, reference GPU), then what the studies reported, labelled by phase
    assert radialog[5].startswith("16-bit ") and "4-bit" in radialog[5] and "A100 80GB" in radialog[5]
    assert radialog[6] == "fine-tuning: 1 x NVIDIA A40, 48 GB" and radialog[7] == "300 W"
    assert "$7,799 to buy" in radialog[8]
    assert all(len(r) == len(render.TABLE_HEADERS) for r in rows)


def test_cloud_rows_show_api_prices(cloud_rec: dict[str, Any]) -> None:
    gpt4 = next(r for r in render.recommendation_rows(cloud_rec) if r[1] == "GPT-4")
    assert gpt4[4] == "API" and "per 1k tokens" in gpt4[8] and gpt4[5] == "online API only"
    assert "to buy" not in " ".join(r[8] for r in render.recommendation_rows(cloud_rec))


def test_money_keeps_small_token_prices() -> None:
    assert render.money(7799.0) == "$7,799"
    assert render.money(3.75) == "$3.75"
    assert render.money(0.0015) == "$0.0015"


def test_no_recommendation_has_a_placeholder_row() -> None:
    assert render.recommendation_rows(None) == []
    assert render.table_value(None)["data"][0][1] == "no recommendation yet"


def test_partial_matches_name_what_they_lack() -> None:
    model = {
        "name": "M",
        "size": "7B",
        "access": "Open",
        "star": False,
        "evidence": {"studies": 1, "best": 0},
        "resources": {},
        "covers": ["a"],
        "lacks": ["b"],
    }
    rec = {"status": "no_full_match", "matches": [], "partial_matches": [model]}
    assert render.recommendation_rows(rec)[0][1] == "M-7B (lacks: b)"


def test_chart_uses_purchase_price_and_power_locally(local_rec: dict[str, Any]) -> None:
    unit, points = render.chart_points(local_rec)
    assert unit == "purchase, USD"
    radialog = next(p for p in points if p.label == "RaDialog-7B")
    assert (radialog.price, radialog.power_w) == (7799.0, 300.0)
    figure = render.cost_power_figure(local_rec)
    assert figure is not None and len(figure.axes) == 2


def test_chart_in_the_cloud_has_rental_price_only(cloud_rec: dict[str, Any]) -> None:
    unit, points = render.chart_points(cloud_rec)
    assert unit == "cloud rental, USD/hour" and points
    figure = render.cost_power_figure(cloud_rec)
    assert figure is not None and [ax.get_title() for ax in figure.axes] == ["Price (cloud rental, USD/hour)"]


def test_chart_without_figures_is_none() -> None:
    assert render.cost_power_figure(None) is None


def test_status_lists_exclusions_and_open_questions(local_rec: dict[str, Any]) -> None:
    text = render.status_markdown(local_rec, {"examination_qa": "Answer exam questions?"})
    assert "GPT-4 (online API: needs data sharing)" in text
    assert "Answer exam questions?" in text


CITATION = {
    "n": 1,
    "key": "k#1",
    "title": "A <b>bold</b> title",
    "authors": ["A", "B", "C", "D"],
    "year": 2023,
    "url": "https://example.org/paper",
    "source": "card.md",
    "page": 4,
    "section": None,
    "text": "Passage & text",
}


def test_citations_open_on_the_escaped_passage() -> None:
    out = render.citations_html([CITATION])
    assert out.count("<details") == 1
    assert "[1] A &lt;b&gt;bold&lt;/b&gt; title. A, B, C et al. (2023)" in out
    assert "<blockquote>Passage &amp; text</blockquote>" in out
    assert "href='https://example.org/paper'" in out and "card.md, p. 4" in out


def test_citations_without_text_or_safe_url() -> None:
    out = render.citations_html([{**CITATION, "text": "", "url": "javascript:alert(1)"}])
    assert "not available" in out and "javascript:" not in out
    assert "No references yet" in render.citations_html([])


def test_progress_counts_answered_questions() -> None:
    ids = ["a", "b", "c", "d"]
    assert render.progress(ids, {"a": True, "b": False, "c": None}) == (2, 4)
    assert "2 of 4 answered" in render.progress_markdown("II", ids, {"a": True, "b": False})
    assert "No stage" in render.progress_markdown(None, ids, {})


def test_answer_labels_round_trip() -> None:
    for value in (True, False, None):
        assert render.answer_value(render.answer_label(value)) is value


def test_glossary_has_terms_and_questions() -> None:
    questionnaire = {
        "glossary": {"qlora": "A way..."},
        "stages": [{"questions": [{"id": "x", "text": "Is it?", "explanation": "Because."}]}],
    }
    assert render.glossary_entries(questionnaire) == {"qlora": "A way...", "Question: Is it?": "Because."}


def _ext(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage": "II",
        "answers": {"data_sharing": {"value": False, "source": "extracted", "turn": 0}},
        "recommendation": rec,
        "citations": [CITATION],
        "disclaimer": "Not medical advice (server).",
    }


def test_markdown_export_has_everything(local_rec: dict[str, Any]) -> None:
    messages = [{"role": "user", "content": "I'm a radiologist"}, {"role": "assistant", "content": "Which stage?"}]
    out = render.export_markdown(messages, _ext(local_rec), {"data_sharing": "May data be shared?"})
    assert "**You:**" in out and "I'm a radiologist" in out and "Which stage?" in out
    assert "| May data be shared? | no | extracted |" in out
    assert "RaDialog-7B" in out and "https://example.org/paper" in out
    assert out.count("Not medical advice (server).") == 2


def test_json_export_round_trips(local_rec: dict[str, Any]) -> None:
    document = json.loads(render.export_json([{"role": "user", "content": "hi"}], _ext(local_rec)))
    assert document["schema"] == "clinadvisor-export/1"
    assert document["recommendation"]["matches"][0]["name"] == local_rec["matches"][0]["name"]
    assert document["citations"][0]["key"] == "k#1" and document["disclaimer"] == "Not medical advice (server)."
    assert json.loads(render.export_json([], {}))["disclaimer"] == render.DEFAULT_DISCLAIMER


def _with_situation(catalog: Catalog, situation: dict[str, Any]) -> dict[str, Any]:
    from assistant.situation import Situation

    facts = catalog.sizing_facts
    assert facts is not None
    return recommend(catalog, "II", BASE, situation=Situation.from_dict(situation, facts.gpus)).to_dict()


def test_to_run_cell_checks_the_fit_against_the_users_gpus(catalog: Catalog) -> None:
    one = _with_situation(catalog, {"gpus": {"name": "RTX 4090", "count": 1}, "users": 4})
    crowded = _with_situation(catalog, {"gpus": {"name": "T4", "count": 1}, "users": 20})
    big = _with_situation(catalog, {"gpus": {"name": "H100", "count": 8}})
    assert "✓ fits your 1 x RTX 4090" in {r[1]: r[5] for r in render.recommendation_rows(one)}["RaDialog-7B"]
    # 20 sessions of 4,096 tokens of a 7B model's cache (43 GB) do not fit one 16 GB T4, even at 4 bits
    assert "✗ does not fit your 1 x T4" in {r[1]: r[5] for r in render.recommendation_rows(crowded)}["RaDialog-7B"]
    assert all("✗" not in r[5] for r in render.recommendation_rows(big))


def test_memory_chart_is_log_scaled_with_the_users_capacity(catalog: Catalog) -> None:
    rec = _with_situation(catalog, {"gpus": {"name": "A100 80GB", "count": 2}})
    points, capacity, label = render.memory_points(rec)
    assert points and capacity == 2 * 80 * 0.9 and label == "your 2 x A100 80GB (SXM)"
    figure = render.run_memory_figure(rec)
    assert figure is not None
    (ax,) = figure.axes
    assert ax.get_xscale() == "log" and "Memory to run" in ax.get_title()
    assert any("usable" in t.get_text() for t in ax.get_legend().get_texts())


def test_newer_models_are_labelled_outside_the_evidence(catalog: Catalog) -> None:
    rec = _with_situation(catalog, {"gpus": {"name": "A100 80GB", "count": 1}})
    text = render.newer_models_markdown(rec)
    assert text.startswith("### Newer open-weight models to consider")
    assert "Outside the review's evidence" in text and "★" not in text
    assert "(to check)" in text or all(m["licence"]["settled"] for m in rec["newer_models"])
    assert render.newer_models_markdown(None) == ""


def test_a_row_without_a_size_whose_family_is_an_encoder_is_marked_unable_to_write(catalog: Catalog) -> None:
    from assistant.replies import models_table

    answers = {"input_text_only": True, "output_text_only": True, "data_sharing": True, "deploy_local": False,
               "discharge_text_generation": True}  # fmt: skip
    rec = recommend(catalog, "V", answers)
    bert = next(m for m in rec.matches if m.id == "bert")
    assert bert.to_run is None and bert.can_generate_text is False
    row = {r[1]: r[5] for r in render.recommendation_rows(rec.to_dict())}["BERT"]
    assert row == "size unknown · encoder: cannot write text"
    assert "size unknown; encoder: cannot write text" in models_table("en", rec.matches)
