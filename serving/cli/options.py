"""Click options shared by the commands that talk to an LLM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from serving.backends.registry import BACKENDS, LoadedBackend, load_backend
from serving.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def backend_option(func: F) -> F:
    """``--backend embedded|openai|none``; left out, CLINADVISOR_BACKEND decides (default embedded)."""
    return click.option(
        "--backend",
        type=click.Choice(BACKENDS, case_sensitive=False),
        default=None,
        help="LLM backend; default: CLINADVISOR_BACKEND, else embedded. 'none' answers without an LLM.",
    )(func)


def open_backend(name: str | None, settings: Settings | None = None, *, probe: bool = True) -> LoadedBackend:
    """The backend for a command, printing to stderr why it degraded to ``none`` if it did."""
    loaded = load_backend(name, settings or load_settings(), probe=probe)
    for notice in loaded.notices:
        click.echo(f"notice: {notice}", err=True)
    return loaded
