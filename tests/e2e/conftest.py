"""Fixtures of the browser tests: the real server (``clinadvisor serve``) and Debian's Chromium via Playwright.

The server runs as users run it: its own process on a free loopback port, no LLM (``CLINADVISOR_BACKEND=none``),
data in a temporary folder whose search index is built once per session with ``clinadvisor index build``
(set ``CLINADVISOR_E2E_INDEX`` to an already built data folder to copy it instead, when iterating locally).
The browser is ``/usr/bin/chromium`` (``make e2e-deps``); ``playwright install`` is never used. Every request
the page makes to anything but the test server is aborted and recorded, and the test fails if there was one;
so does a report from the browser that the page's content-security policy blocked something.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from tests.fixtures.processes import free_port, stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLINADVISOR = Path(sys.executable).with_name("clinadvisor")
# a chat turn takes a few seconds on two busy cores; Playwright's default of 5 s is for snappier pages
expect.set_options(timeout=60_000)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINADVISOR_")}
    env.update(CLINADVISOR_HOME=str(home), CLINADVISOR_BACKEND="none", HF_HUB_OFFLINE="1", NO_PROXY="127.0.0.1")
    return env


@pytest.fixture(scope="session")
def data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the shipped search index built."""
    home = tmp_path_factory.mktemp("e2e") / "home"
    prebuilt = os.environ.get("CLINADVISOR_E2E_INDEX")
    if prebuilt:
        shutil.copytree(prebuilt, home)
        return home
    home.mkdir()
    subprocess.run([str(CLINADVISOR), "index", "build"], env=_env(home), check=True, capture_output=True, timeout=900)
    return home


@contextmanager
def serving(home: Path, log_dir: Path, **env: str) -> Iterator[str]:
    """Run ``clinadvisor serve`` on a free loopback port until its index is ready; yield its base URL."""
    port = free_port()
    log = (log_dir / "serve.log").open("w")
    process = subprocess.Popen(
        [str(CLINADVISOR), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**_env(home), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"clinadvisor serve exited with {process.returncode}; see {log.name}")
            try:
                health = httpx.get(url + "/healthz", timeout=2).json()
                if health["index"]["status"] == "ready":
                    break
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not become ready in time; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def server(data_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running ``clinadvisor serve`` with the page at ``/`` (open: no keys, no log-in)."""
    with serving(data_home, tmp_path_factory.mktemp("e2e-log")) as url:
        yield url


@contextmanager
def browser_page(server: str, profile: Path) -> Iterator[Page]:
    """A fresh headless Chromium page on ``server``; only the server may be reached (checked on exit)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make e2e-deps` (apt-get install chromium chromium-driver)")
    outside: list[str] = []
    blocked: list[str] = []  # the browser's reports of what the content-security policy refused

    def only_local(route: Route) -> None:
        url = route.request.url
        if url.startswith((server, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
        )
        try:
            context.set_default_timeout(60_000)
            page = context.new_page()
            page.route("**/*", only_local)
            page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(server + "/")
            yield page
        finally:
            context.close()
    assert outside == [], f"the page fetched from outside the server: {outside}"
    assert blocked == [], f"the content-security policy blocked part of the page: {blocked}"


@pytest.fixture
def page(server: str, tmp_path: Path) -> Iterator[Page]:
    """The chat page of the open server in a fresh browser, ready for input."""
    with browser_page(server, tmp_path / "chromium-profile") as page:
        page.wait_for_selector("#ca-input textarea")
        yield page
