"""docker/: the compose file and the Dockerfile checked statically (no Docker engine here), and the image's
entry command run outside Docker with the image's environment."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]

from tests.conftest import REPO
from tests.fixtures.processes import free_port, stop
from tests.integration.serving.conftest import base_env, clinadvisor_command

pytestmark = pytest.mark.integration

DOCKER = REPO / "docker"


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line.removesuffix("\\").strip() + " "
        if line.endswith("\\"):
            continue
        word, _, rest = pending.strip().partition(" ")
        instructions.append((word.upper(), rest.strip()))
        pending = ""
    return instructions


def env_of(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """The variables the ENV instructions set (KEY=VALUE form)."""
    env: dict[str, str] = {}
    for word, args in instructions:
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))  # type: ignore[misc]
    return env


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKER / "Dockerfile")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return data


def test_dockerfile(dockerfile: list[tuple[str, str]]) -> None:
    words = [w for w, _ in dockerfile]
    assert dockerfile[0] == ("FROM", "python:3.11-slim")
    copies = " ".join(a for w, a in dockerfile if w == "COPY")
    assert "constraints.txt" in copies and "pyproject.toml" in copies
    for package in ("assistant", "corpus", "index", "serving", "ui"):
        assert f"./{package}" in copies, package  # every package setuptools includes
    installs = [a for w, a in dockerfile if w == "RUN" and "pip install" in a]
    assert installs and all("-c constraints.txt" in a for a in installs)
    extras = dict(a.split("=", 1) for w, a in dockerfile if w == "ARG")["EXTRAS"]
    assert {"serve", "rag", "ui"} <= set(extras.split(","))  # API, search index and browser page
    assert json.loads(dict(dockerfile)["CMD"])[:4] == ["clinadvisor", "serve", "--host", "0.0.0.0"]
    assert env_of(dockerfile)["CLINADVISOR_HOME"] == "/data" and "VOLUME" in words and "HEALTHCHECK" in words
    assert ("USER", "clinadvisor") in dockerfile  # not root
    for path in ("pyproject.toml", "constraints.txt", "README.md"):
        assert (REPO / path).exists()


def test_compose_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"vllm", "app", "chroma"} <= set(services)
    vllm, app, chroma = services["vllm"], services["app"], services["chroma"]
    assert "vllm/vllm-openai" in vllm["image"]
    command = vllm["command"]
    served = command[command.index("--served-model-name") + 1]
    assert "Qwen/Qwen2.5-7B-Instruct" in command[command.index("--model") + 1]
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    # the app is wired to vLLM by service name, with the model name vLLM serves
    env = app["environment"]
    assert env["CLINADVISOR_BACKEND"] == "openai"
    assert env["CLINADVISOR_LLM_URL"] == "http://vllm:8000/v1"
    assert env["CLINADVISOR_LLM_MODEL"] == served
    assert app["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert (DOCKER / ".." / app["build"]["dockerfile"]).resolve().exists()
    assert app["depends_on"]["vllm"]["condition"] == "service_healthy"
    assert any(v.endswith(":/data") for v in app["volumes"])
    assert chroma["profiles"] == ["chroma"] and "chromadb/chroma" in chroma["image"]
    for name in ("vllm", "app", "chroma"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(app["healthcheck"]["test"]) and "/health" in " ".join(vllm["healthcheck"]["test"])
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert named <= set(compose["volumes"])


def test_chroma_image_matches_the_client_pin(compose: dict[str, Any]) -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    tag = compose["services"]["chroma"]["image"].split(":")[1]
    assert f'"chromadb=={tag}"' in pyproject


def test_the_image_command_serves_health(dockerfile: list[tuple[str, str]], tmp_path: Path) -> None:
    """Run the CMD as the image would (its ENV, data folder, and --host), on loopback and a free port."""
    cmd = json.loads(dict(dockerfile)["CMD"])
    assert cmd[0] == "clinadvisor"
    port = free_port()
    args = cmd[1:]
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = str(port)
    env = {
        **base_env(tmp_path),
        **env_of(dockerfile),
        "CLINADVISOR_HOME": str(tmp_path / "data"),
        "CLINADVISOR_BUILD_INDEX_ON_START": "false",
    }
    env.pop("PIP_EXTRA_INDEX_URL", None)
    with (tmp_path / "log").open("wb") as log:
        process = subprocess.Popen([*clinadvisor_command(), *args], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, (tmp_path / "log").read_text()[-3000:]
        assert health["backend"]["name"] == env["CLINADVISOR_BACKEND"] and health["catalog_version"]
        assert (tmp_path / "data" / "clinadvisor.db").exists()  # the data folder the image declares
    finally:
        stop(process)
