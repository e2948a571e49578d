"""``clinadvisor serve`` (the HTTP API and browser UI under uvicorn) and ``clinadvisor chat`` (a terminal chat)."""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import click

from serving.cli.options import backend_option
from serving.settings import Settings, load_settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _settings(backend: str | None) -> Settings:
    settings = load_settings()
    return settings.model_copy(update={"backend": backend}) if backend else settings


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the address cannot be listened on (another server has it, say), or None when it can."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: all).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@backend_option
@click.option("--no-ui", is_flag=True, help="Serve the API only, without the browser page at /.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Server log level.",
)
def serve(host: str, port: int, backend: str | None, no_ui: bool, log_level: str) -> None:
    """Serve the OpenAI-compatible API, the REST API and the browser UI (data in CLINADVISOR_HOME)."""
    try:
        import uvicorn

        from serving.app import create_app
    except ImportError as exc:
        click.echo(
            f"error: the server needs the [serve] extra ({exc.name} missing): pip install -e '.[serve]'", err=True
        )
        sys.exit(2)
    logging.basicConfig(level=log_level.upper(), format=LOG_FORMAT)
    settings = _settings(backend)
    try:
        app = create_app(settings, mount_ui=not no_ui)
    except OSError as exc:  # an unreadable keys file or data folder: say which, without a traceback
        click.echo(f"error: cannot start: {exc}", err=True)
        sys.exit(2)
    busy = _cannot_listen(host, port)
    if busy is not None:  # uvicorn would only log it and exit 3; say what to do
        click.echo(f"error: cannot listen on {host}:{port} ({busy}); stop the other server or use --port", err=True)
        sys.exit(2)
    click.echo(
        f"clinadvisor: serving on http://{host}:{port} (backend {settings.backend}, data in {settings.home})", err=True
    )
    # uvicorn's access log prints query strings (a search may quote a patient); ours logs route templates.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level=log_level, timeout_graceful_shutdown=5)


def _lines(stream: TextIO, prompt: bool) -> Iterator[str]:
    while True:
        if prompt:
            click.echo("you> ", nl=False, err=True)
        line = stream.readline()
        if not line:
            return
        yield line.strip()


@click.command()
@click.option("--url", default=None, help="A running server's base URL (with /v1); in-process when left out.")
@click.option("--api-key", default=None, envvar="CLINADVISOR_API_KEY", help="Key for --url (or CLINADVISOR_API_KEY).")
@backend_option
@click.option("--no-index", is_flag=True, help="In-process: do not open the search index (no citations).")
def chat(url: str | None, api_key: str | None, backend: str | None, no_index: bool) -> None:
    """Chat in the terminal: one user turn per input line (/reset starts over, /quit ends); works on pipes."""
    history: list[dict[str, Any]] = []
    send = _remote(url, api_key) if url else _local(backend, no_index)
    for line in _lines(sys.stdin, prompt=sys.stdin.isatty()):
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/reset":
            history.clear()
            continue
        history.append({"role": "user", "content": line})
        pieces: list[str] = []
        try:
            for piece in send(history):
                pieces.append(piece)
                click.echo(piece, nl=False)
        except TurnRefused as refused:  # the server said no to this turn: say why, forget it, go on
            click.echo(f"error: {refused}", err=True)
            history.pop()
            continue
        click.echo("\n")
        history.append({"role": "assistant", "content": "".join(pieces)})


class TurnRefused(Exception):
    """The server answered a turn with an error (a bad key, a message it refuses)."""


def _remote(url: str, api_key: str | None) -> Any:
    try:
        import openai
        from openai import OpenAI
    except ImportError:
        click.echo("error: --url needs the openai package: pip install -e '.[serve]'", err=True)
        sys.exit(2)
    client = OpenAI(base_url=url, api_key=api_key or os.environ.get("OPENAI_API_KEY") or "none", max_retries=0)

    def send(history: list[dict[str, Any]]) -> Iterator[str]:
        messages: Any = history  # the client's message type is a union of TypedDicts
        try:
            stream = client.chat.completions.create(model="clinadvisor", messages=messages, stream=True)
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.APIConnectionError:
            raise click.ClickException(f"cannot reach the server at {url}: is `clinadvisor serve` running?") from None
        except openai.APIStatusError as exc:
            raise TurnRefused(f"the server answered {exc.status_code}: {_message_of(exc)}") from None

    return send


def _message_of(exc: Any) -> str:
    """The OpenAI-shaped error's message, or the exception's own text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(exc)


def _local(backend: str | None, no_index: bool) -> Any:
    from assistant.dialogue import Reply, respond_stream
    from corpus.catalog import load_catalog
    from serving.api.state import IndexHolder
    from serving.cli.options import open_backend

    settings = _settings(backend)
    catalog = load_catalog()
    llm = open_backend(backend, settings).backend
    index = IndexHolder()
    if not no_index:
        index.start(settings, background=False)
        if index.detail:
            click.echo(f"notice: {index.detail}", err=True)

    def send(history: list[dict[str, Any]]) -> Iterator[str]:
        for piece in respond_stream(catalog, history, backend=llm, retriever=index.retriever):
            if not isinstance(piece, Reply):
                yield piece

    return send
