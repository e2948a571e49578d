"""The catalog's generated documents cite the review and state the facts the questions need."""

from __future__ import annotations

from corpus.catalog import load_catalog
from corpus.loaders.catalog_docs import REVIEW_URL, catalog_documents


def test_one_document_per_model_and_per_column_cited_to_the_review() -> None:
    catalog = load_catalog()
    docs = list(catalog_documents(catalog))
    assert len(docs) == len(catalog.models) + len(catalog.columns)
    assert all(d.doi == "10.2196/71916" and d.url == REVIEW_URL and d.year == 2025 for d in docs)
    assert all(d.authors == ("HongYi Li", "Jun-Fen Fu", "Andre Python") for d in docs)
    assert len({d.doc_id for d in docs}) == len(docs)


def test_model_document_states_usage_and_gpus() -> None:
    doc = next(d for d in catalog_documents(load_catalog()) if d.doc_id == "catalog:model:radialog-7b")
    text = doc.text
    assert text.startswith("RaDialog 7B: open model")
    assert "used by 7 studies" in text and "reported best by 6" in text
    assert "Report generation (text generation; input image (2D) + optional text)" in text
    assert "Fine-tuning: 1 x NVIDIA A40" in text and "7,799 USD" in text


def test_discharge_column_lists_the_models_used() -> None:
    doc = next(
        d for d in catalog_documents(load_catalog()) if d.doc_id == "catalog:column:v.discharge-summary-generation.text"
    )
    assert doc.sections[0].heading == "Catalog: Discharge summary generation (stage V, text)"
    assert "Models studies used for discharge summary generation" in doc.text
    assert "GPT-3.5-175B" in doc.text
