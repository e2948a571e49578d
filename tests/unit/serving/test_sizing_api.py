"""``POST /v1/sizing`` and the situation on ``POST /v1/recommendations``: shapes, names, errors."""

from __future__ import annotations

from typing import Any

from assistant.sizing_query import SizingQuery, size_query
from corpus.catalog import load_catalog
from tests.unit.serving.test_errors import assert_error


def test_sizing_is_the_cli_document(client: Any) -> None:
    body = {"model": "Llama 2 70B", "bits": 4, "gpu": "A100 80GB", "gpus_available": 2, "users": 20, "extra": 1}
    r = client.post("/v1/sizing", json=body)
    assert r.status_code == 200
    expected = size_query(
        load_catalog(), SizingQuery(model="Llama 2 70B", bits=4, gpu="A100 80GB", gpus_available=2, users=20)
    )
    assert r.json() == expected
    assert r.json()["schema"] == "sizing/1" and r.json()["fits"] is True


def test_unknown_and_ambiguous_names_are_400_with_candidates(client: Any) -> None:
    r = client.post("/v1/sizing", json={"model": "LLaMA2"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == "model"
    assert {"llama2-7b", "llama2-13b", "llama2-70b"} <= set(error["candidates"])
    r = client.post("/v1/sizing", json={"model": "zzzz-unheard-of"})
    assert r.status_code == 400 and r.json()["error"]["candidates"] == []


def test_bad_fields_are_400_naming_them(client: Any) -> None:
    for body, param in (
        ({"model": "llama2-7b", "bits": 3}, "bits"),
        ({"model": "llama2-7b", "users": 0}, "users"),
        ({"model": "llama2-7b", "quant": "int3"}, "quant"),
        ({"model": "llama2-7b", "gpu": "voodoo"}, "gpu"),
        ({"model": "llama2-7b", "finetune": "adapter"}, "finetune"),
        ({}, "model"),
    ):
        r = client.post("/v1/sizing", json=body)
        assert r.status_code == 400, body
        assert_error(r.json(), "invalid_request_error", param=param)


def test_the_situation_sizes_to_run(client: Any) -> None:
    answers = {"medical_qa": True}
    situation = {"gpus": {"name": "RTX 4090", "count": 1}, "users": 5, "context_tokens": 2048}
    r = client.post("/v1/recommendations", json={"stage": "III", "answers": answers, "situation": situation})
    assert r.status_code == 200
    llama = next(m for m in r.json()["matches"] if m["id"] == "llama2-70b")
    run = llama["to_run"]
    assert run["gpu"]["name"] == "NVIDIA GeForce RTX 4090" and run["gpu"]["count_available"] == 1
    assert run["fits"] is False and run["int4"]["fits"] is False and run["users"] == 5
    assert run["reference_gpu"] is False


def test_a_bad_situation_is_400_naming_the_field(client: Any) -> None:
    body = {"stage": "III", "answers": {"medical_qa": True}, "situation": {"gpus": {"name": "Voodoo 2", "count": 1}}}
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 400
    assert_error(r.json(), "invalid_request_error", param="situation.gpus.name")
