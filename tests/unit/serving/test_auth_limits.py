"""API keys, the per-client rate limit, the request size limit and CORS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serving.api.auth import KeyChecker, key_id, load_keys
from serving.api.errors import APIError
from serving.api.limits import RateLimiter
from serving.settings import Settings
from tests.unit.serving.conftest import MakeClient
from tests.unit.serving.test_errors import assert_error

REC = {"stage": "II", "answers": {"radiology_text_generation": True}}


def test_keys_from_variable_and_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# operators\nkey-b\n\n  key-c  \nkey-a\n")
    settings = Settings(home=tmp_path, api_keys=" key-a, ,key-z", api_keys_file=keys_file)
    assert load_keys(settings) == ("key-a", "key-z", "key-b", "key-c")


def test_key_checker() -> None:
    assert KeyChecker([]).check(None, "10.0.0.1").identity == "ip:10.0.0.1"
    checker = KeyChecker(["s3cret", "other"])
    assert checker.check("Bearer s3cret", "h").key_id == key_id("s3cret")
    assert checker.check("bearer other", "h").identity == f"key:{key_id('other')}"
    for header in (None, "", "Bearer ", "Basic s3cret", "Bearer s3cre", "Bearer s3cret2"):
        with pytest.raises(APIError) as info:
            checker.check(header, "h")
        assert info.value.status == 401
    assert "s3cret" not in key_id("s3cret")


def test_routes_need_a_key_when_keys_are_configured(make_client: MakeClient) -> None:
    client = make_client(api_keys="k1,k2")
    for method, path in (
        ("GET", "/v1/models"),
        ("POST", "/v1/recommendations"),
        ("GET", "/v1/questionnaire"),
        ("GET", "/metrics"),
        ("POST", "/v1/chat/completions"),
    ):
        r = client.request(method, path, json=REC)
        assert r.status_code == 401, path
        assert_error(r.json(), "authentication_error", code="invalid_api_key")
        assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/v1/models", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["message"] == "incorrect API key"
    assert client.get("/v1/models", headers={"Authorization": "Bearer k2"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Bearer k1"}).status_code == 200
    # health and the API description stay open
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_openapi_documents_bearer_auth(client: Any) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_token_bucket_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("a")
    with pytest.raises(APIError) as info:
        limiter.check("a")
    assert info.value.status == 429 and info.value.headers["Retry-After"] == "20"
    limiter.check("b")  # buckets are per client
    now[0] = 20.0  # 3 a minute: one token back after 20 s
    limiter.check("a")
    with pytest.raises(APIError):
        limiter.check("a")
    RateLimiter(0).check("a")  # 0 disables


def test_rate_limit_is_per_key(make_client: MakeClient) -> None:
    client = make_client(api_keys="k1,k2", rate_limit=2)
    h1, h2 = {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}
    assert [client.get("/v1/models", headers=h1).status_code for _ in range(3)] == [200, 200, 429]
    r = client.get("/v1/models", headers=h1)
    assert_error(r.json(), "rate_limit_error", code="rate_limit_exceeded")
    assert int(r.headers["retry-after"]) >= 1
    assert client.get("/v1/models", headers=h2).status_code == 200
    assert client.get("/healthz").status_code == 200  # health checks are never limited


def test_anonymous_callers_are_limited_by_address(make_client: MakeClient) -> None:
    client = make_client(rate_limit=1)
    assert [client.get("/v1/models").status_code for _ in range(2)] == [200, 429]


def test_body_too_large_by_content_length(make_client: MakeClient) -> None:
    client = make_client(max_request_bytes=300)
    big = {"model": "clinadvisor", "messages": [{"role": "user", "content": "x" * 400}]}
    r = client.post("/v1/chat/completions", json=big)
    assert r.status_code == 413
    assert_error(r.json(), "invalid_request_error", code="request_too_large")
    assert client.post("/v1/recommendations", json=REC).status_code == 200


def test_body_too_large_when_streamed_without_length(make_client: MakeClient) -> None:
    client = make_client(max_request_bytes=300)

    def chunks() -> Any:
        yield b'{"stage": "II", "answers": {}, "pad": "'
        for _ in range(10):
            yield b"y" * 50
        yield b'"}'

    r = client.post("/v1/recommendations", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413

    def small() -> Any:
        yield b'{"stage": "II", '
        yield b'"answers": {}}'

    assert client.post("/v1/recommendations", content=small(), headers={"content-type": "application/json"}).is_success


def test_cors_origins(make_client: MakeClient) -> None:
    client = make_client(cors_origins="https://portal.hospital.example")
    r = client.get("/v1/models", headers={"Origin": "https://portal.hospital.example"})
    assert r.headers["access-control-allow-origin"] == "https://portal.hospital.example"
    r = client.options(
        "/v1/chat/completions",
        headers={
            "Origin": "https://portal.hospital.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert r.status_code == 200 and "POST" in r.headers["access-control-allow-methods"]
    r = client.get("/v1/models", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_no_cors_headers_by_default(client: Any) -> None:
    r = client.get("/v1/models", headers={"Origin": "https://portal.hospital.example"})
    assert "access-control-allow-origin" not in r.headers
