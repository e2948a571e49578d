"""The live check of issue 12: Open WebUI in front of ``clinadvisor serve``, driven in headless Chromium.

    python bench/openwebui_live.py [--open-webui /tmp/owui/bin/open-webui] [--backend none|embedded|openai]
        [--server-env NAME=VALUE ...] [--index-home DIR] [--record DIR] [--shots DIR] [--json FILE]

Open WebUI is not a dependency of this project: install it in a separate environment first
(``python3 -m venv /tmp/owui && /tmp/owui/bin/pip install open-webui==0.12.4``). The script starts

1. ``clinadvisor serve`` on a free loopback port (API key on, ``--backend``, data in a temporary folder; with
   ``--index-home`` a copy of a data folder whose search index is built, so that replies cite passages);
2. a recording proxy between the two (every request Open WebUI sends to ``/v1`` with its body, and the time of
   each chunk of the answer), so that what Open WebUI really sends can be read afterwards (``--record DIR``);
3. Open WebUI, offline (no model hub, no telemetry, no Ollama, no update check, auth off, its own data folder),
   pointed at the proxy with ``OPENAI_API_BASE_URL`` and ``OPENAI_API_KEY``;

then drives Open WebUI's page in Debian's Chromium (``/usr/bin/chromium``; never ``playwright install``) as a user
would: an English conversation (a need, then the answers to the questions asked, then a question about the
recommendation) and a German one (a need and one answer). It checks, and prints as a report:

- the chat's title Open WebUI shows is the one our server answered to the title task (not the first message);
- tags (read through Open WebUI's own API with the page's token) and follow-up suggestions under the reply;
- streaming: the content chunks of each reply and when they arrived, first chunk against end of the reply;
- the recommendation's Markdown table is rendered as an HTML table;
- whether the reply's citations show as Open WebUI source chips, and how ``[n]`` markers look.

Nothing here goes to the internet: every process listens on 127.0.0.1 and the browser's requests to any other
host are aborted and counted. The exit code is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvicorn
from playwright.sync_api import Page, Route, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route as StarletteRoute

from tests.fixtures.processes import free_port, stop

CLINADVISOR = Path(sys.executable).with_name("clinadvisor")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
API_KEY = "owui-live-key-0123456789"
EN_TURNS = (
    "I'm a radiologist and want to draft CT reports; the data must stay in the hospital.",
    "Only text goes in and out, and we want to run it on our own servers.",
    "Why is GPT-4 not on the list?",
)
DE_TURNS = (
    "Ich bin Radiologin und möchte CT-Befunde entwerfen lassen; die Daten dürfen das Krankenhaus nicht verlassen.",
    "Nur Text geht hinein und heraus, und wir wollen es auf unseren eigenen Servern betreiben.",
)
TURN_TIMEOUT_S = 600.0
STREAM_GAP_S = 0.5  # a reply "streams" when its last content chunk comes this long after its first
# the "N Sources" button of the message that holds a reply (Open WebUI puts it under the text, in the message)
SOURCES_TOGGLE = """(reply) => {
    const message = reply.closest("[id^='message-']");
    const button = message && message.querySelector("button[aria-label$=' sources']");
    return button ? button.getAttribute("aria-label") : "";
}"""
MARKER = re.compile(r"\[(\d{1,3})\]")
HEAVY_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}


@dataclass
class Exchange:
    """One request Open WebUI sent to our server, and how the answer came back."""

    method: str
    path: str
    body: Any
    started: float
    status: int = 0
    first_chunk: float | None = None
    ended: float | None = None
    content_chunks: list[tuple[float, int]] = field(default_factory=list)  # (seconds after start, characters)
    response: str = ""
    annotations: list[dict[str, Any]] = field(default_factory=list)  # url_citation annotations of the reply

    def record(self) -> dict[str, Any]:
        """The exchange as JSON: the request body, the status, the timings and the reply's text."""
        return {
            "method": self.method,
            "path": self.path,
            "body": self.body,
            "status": self.status,
            "first_chunk_s": None if self.first_chunk is None else round(self.first_chunk - self.started, 4),
            "total_s": None if self.ended is None else round(self.ended - self.started, 4),
            "content_chunks": [(round(t, 4), n) for t, n in self.content_chunks],
            "response": self.response,
            "annotations": self.annotations,
        }


class RecordingProxy:
    """A loopback HTTP proxy to our server that keeps every ``/v1`` request and the timing of its answer."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.exchanges: list[Exchange] = []
        self.port = free_port()
        app = Starlette(routes=[StarletteRoute("/{path:path}", self._forward, methods=["GET", "POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        """The base URL Open WebUI is given (with ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Serve in a background thread until ``stop``."""
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def chats(self) -> list[Exchange]:
        """The chat completion requests, oldest first."""
        return [e for e in self.exchanges if e.path.endswith("/chat/completions")]

    async def _forward(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        exchange = Exchange(request.method, request.url.path, body, time.monotonic())
        self.exchanges.append(exchange)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HEAVY_HEADERS}
        client = httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=10.0))
        upstream = client.build_request(
            request.method, self.upstream + request.url.path, params=request.query_params, headers=headers, content=raw
        )
        response = await client.send(upstream, stream=True)
        exchange.status = response.status_code
        out_headers = {k: v for k, v in response.headers.items() if k.lower() not in HEAVY_HEADERS}

        async def relay() -> AsyncIterator[bytes]:
            pending = ""
            texts: list[str] = []
            try:
                async for chunk in response.aiter_raw():
                    now = time.monotonic()
                    if exchange.first_chunk is None:
                        exchange.first_chunk = now
                    pending += chunk.decode("utf-8", "replace")
                    *events, pending = pending.split("\n\n")
                    for event in events:
                        text, annotations = _delta(event)
                        exchange.annotations += annotations
                        if text:
                            exchange.content_chunks.append((now - exchange.started, len(text)))
                            texts.append(text)
                    yield chunk
            finally:
                exchange.ended = time.monotonic()
                exchange.response = "".join(texts) if texts else _completion_text(pending)
                await response.aclose()
                await client.aclose()

        return StreamingResponse(relay(), status_code=response.status_code, headers=out_headers)


def _completion_text(body: str) -> str:
    """The message content of a plain (not streamed) chat completion, or the body itself if it is not one."""
    with suppress(ValueError, KeyError, IndexError, TypeError):
        return str(json.loads(body)["choices"][0]["message"]["content"])
    return body


def _delta(event: str) -> tuple[str, list[dict[str, Any]]]:
    """The content and annotations of one SSE ``data:`` event of a chat completion chunk."""
    for line in event.splitlines():
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            with suppress(ValueError, KeyError, IndexError, TypeError):
                delta = json.loads(line[5:])["choices"][0]["delta"]
                return str(delta.get("content") or ""), list(delta.get("annotations") or [])
    return "", []


@contextmanager
def clinadvisor(home: Path, backend: str, extra: dict[str, str]) -> Iterator[str]:
    """``clinadvisor serve`` on a free loopback port; yields its base URL (no ``/v1``)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINADVISOR_")}
    env.update(
        CLINADVISOR_HOME=str(home),
        CLINADVISOR_BACKEND=backend,
        CLINADVISOR_API_KEYS=API_KEY,
        CLINADVISOR_RATE_LIMIT="0",
        CLINADVISOR_BUILD_INDEX_ON_START="false",
        HF_HUB_OFFLINE="1",
    )
    env.update(extra)
    log = (home / "server.log").open("wb")
    cmd = [str(CLINADVISOR), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-ui"]
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url + "/healthz", process, 300)
        yield url
    finally:
        stop(process)
        log.close()


def open_webui_env(data_dir: Path, base_url: str, key: str) -> dict[str, str]:
    """Open WebUI's environment: offline, no telemetry, no Ollama, auth off, pointed at our server only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLINADVISOR_", "OPENAI_", "OLLAMA_"))}
    env.update(
        DATA_DIR=str(data_dir),
        WEBUI_SECRET_KEY="live-check-secret",
        WEBUI_AUTH="False",
        OFFLINE_MODE="true",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ENABLE_OLLAMA_API="false",
        ENABLE_OPENAI_API="true",
        OPENAI_API_BASE_URL=base_url,
        OPENAI_API_KEY=key,
        ENABLE_VERSION_UPDATE_CHECK="false",
        ENABLE_COMMUNITY_SHARING="false",
        ENABLE_WEB_SEARCH="false",
        ANONYMIZED_TELEMETRY="false",
        DO_NOT_TRACK="true",
        SCARF_NO_ANALYTICS="true",
        # no local embedding model to load (it is not on disk and must not be downloaded): retrieval is off
        RAG_EMBEDDING_ENGINE="openai",
        BYPASS_EMBEDDING_AND_RETRIEVAL="true",
        RAG_EMBEDDING_MODEL_AUTO_UPDATE="false",
        RAG_RERANKING_MODEL_AUTO_UPDATE="false",
        WHISPER_MODEL_AUTO_UPDATE="false",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


@contextmanager
def open_webui(executable: str, data_dir: Path, base_url: str) -> Iterator[str]:
    """Open WebUI on a free loopback port, pointed at ``base_url``; yields its URL."""
    port = free_port()
    log = (data_dir / "open-webui.log").open("wb")
    cmd = [executable, "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, env=open_webui_env(data_dir, base_url, API_KEY)
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url + "/health", process, 600)
        yield url
    finally:
        stop(process)
        log.close()


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    name = Path(str(process.args[0] if isinstance(process.args, list) else process.args)).name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        with suppress(httpx.TransportError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


@dataclass
class Turn:
    """What one user turn showed in the page."""

    text: str  # the reply as the page shows it
    seconds: float
    reply_growth: list[int]  # the reply's visible length at each poll while it was being written
    html: str
    chips: list[str]  # the titles of the source chips inside the reply, in order
    sources_toggle: str  # Open WebUI's "N Sources" button under the reply ("" when none)


class Browser:
    """Open WebUI's page in headless Chromium, with requests to other hosts aborted and counted."""

    def __init__(self, page: Page, base: str, shots: Path | None) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.blocked: list[str] = []
        page.route("**/*", self._only_loopback)

    def _only_loopback(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def shot(self, name: str) -> None:
        """A screenshot and the page's HTML into ``--shots`` when given."""
        if self.shots is not None:
            self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
            (self.shots / f"{name}.html").write_text(self.page.content())

    def new_chat(self) -> None:
        """Open a fresh chat (and close the release notes Open WebUI shows on a first visit)."""
        self.page.goto(self.base + "/", timeout=120_000)
        self.page.wait_for_selector("#chat-input", timeout=120_000)
        time.sleep(2)
        notes = self.page.get_by_text("Okay, Let's Go!")
        if notes.count():
            notes.first.click()

    def send(self, text: str, answered: Callable[[], bool]) -> Turn:
        """Type a message, send it and wait until our server has ended the reply and the page shows all of it."""
        replies = self.page.locator("#response-content-container")
        before = replies.count()
        self.page.locator("#chat-input").click()
        self.page.keyboard.type(text)
        started = time.monotonic()
        self.page.keyboard.press("Enter")
        growth: list[int] = []
        deadline = started + TURN_TIMEOUT_S
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if replies.count() > before:
                growth.append(len(replies.nth(before).inner_text()))
                # the stream has ended (a reply may pause for minutes between pieces while an LLM writes), and
                # the text has stopped changing
                if answered() and growth[-1] > 0 and len(growth) >= 5 and len(set(growth[-5:])) == 1:
                    break
        reply = replies.nth(before)
        labels = [str(b.get_attribute("aria-label") or "") for b in reply.locator("button[aria-label]").all()]
        chips = [label.removeprefix("View source: ") for label in labels if label.startswith("View source: ")]
        sources = str(reply.evaluate(SOURCES_TOGGLE) or "")
        return Turn(reply.inner_text(), time.monotonic() - started, growth, reply.inner_html(), chips, sources)

    def follow_ups(self) -> list[str]:
        """The follow-up suggestions Open WebUI shows under the last reply."""
        buttons = self.page.locator("button[aria-label^='Follow up: ']").all()
        return [str(b.get_attribute("aria-label")).removeprefix("Follow up: ") for b in buttons]

    def token(self) -> str:
        """The page's Open WebUI session token (to read the chat's tags through its API)."""
        return str(self.page.evaluate("localStorage.token"))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start everything, play the conversations and return the report."""
    report: dict[str, Any] = {"backend": args.backend, "checks": {}, "observations": {}}
    work = Path(tempfile.mkdtemp(prefix="owui-live-"))
    home = work / "home"
    if args.index_home:
        shutil.copytree(args.index_home, home, ignore=shutil.ignore_patterns("*.db", "*.db-*", "server.log"))
    home.mkdir(exist_ok=True)
    (work / "owui").mkdir()
    extra = dict(item.split("=", 1) for item in args.server_env)
    with clinadvisor(home, args.backend, extra) as server:
        proxy = RecordingProxy(server)
        proxy.start()
        try:
            with open_webui(args.open_webui, work / "owui", proxy.url) as webui, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                ui = Browser(page, webui, args.shots)
                for lang, turns in (("en", EN_TURNS), ("de", DE_TURNS)):
                    report["observations"][lang] = play(ui, proxy, webui, lang, turns, report)
                report["observations"]["blocked_requests"] = ui.blocked
                browser.close()
        finally:
            proxy.stop()
    if args.record:
        args.record.mkdir(parents=True, exist_ok=True)
        for i, exchange in enumerate(proxy.exchanges):
            name = f"{i:02d}_{exchange.method.lower()}_{exchange.path.strip('/').replace('/', '_')}.json"
            (args.record / name).write_text(json.dumps(exchange.record(), ensure_ascii=False, indent=1) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return report


def play(
    ui: Browser, proxy: RecordingProxy, webui: str, lang: str, turns: tuple[str, ...], report: dict[str, Any]
) -> Any:
    """One conversation: its turns, then what Open WebUI shows (title, tags, follow-ups, table, sources)."""
    checks = report["checks"]
    ui.new_chat()
    seen: list[dict[str, Any]] = []
    for n, text in enumerate(turns, 1):
        first = len(proxy.chats())
        turn = ui.send(text, partial(_turn_ended, proxy, first))
        _wait_for_tasks(proxy, first)  # Open WebUI's background tasks run after the reply
        ui.shot(f"{lang}_turn{n}")
        new = proxy.chats()[first:]
        user_turn = next((e for e in new if _kind(e) == "turn"), None)
        observed: dict[str, Any] = {
            "seconds_in_page": round(turn.seconds, 2),
            "requests": [_kind(e) for e in new],
            "visible_length_while_writing": _distinct(turn.reply_growth),
            "task_seconds": {_kind(e): e.record()["total_s"] for e in new if _kind(e) != "turn"},
            "table_rendered": "<table" in turn.html,
            "source_chips": turn.chips,
            "sources_toggle": turn.sources_toggle,
            "plain_markers": len(MARKER.findall(turn.text)),
        }
        if user_turn is not None:
            rec = user_turn.record()
            chunks = rec["content_chunks"]
            observed.update(
                tools_sent=len((user_turn.body or {}).get("tools") or []),
                content_chunks=len(chunks),
                first_chunk_s=chunks[0][0] if chunks else None,
                last_chunk_s=chunks[-1][0] if chunks else None,
                annotations=len(user_turn.annotations),
                # what Open WebUI should show at each [n], in the order of the markers
                expected_chips=[a["url_citation"].get("title") for a in _in_text_order(user_turn.annotations)],
            )
        seen.append(observed)
    chat_id = ui.page.url.rstrip("/").rsplit("/", 1)[-1]
    headers = {"Authorization": f"Bearer {ui.token()}"}
    chat = httpx.get(f"{webui}/api/v1/chats/{chat_id}", headers=headers, timeout=10).json()
    tags = httpx.get(f"{webui}/api/v1/chats/{chat_id}/tags", headers=headers, timeout=10).json()
    shown_title = chat.get("title") or chat.get("chat", {}).get("title")
    tag_names = sorted(t.get("name") for t in tags) if isinstance(tags, list) else []
    ours = {kind: _json_value(_last(proxy, kind).response, kind) for kind in ("title", "tags", "follow_ups")}
    follow_ups = ui.follow_ups()
    checks[f"{lang}_title_is_ours"] = bool(ours["title"]) and shown_title == ours["title"] != turns[0]
    checks[f"{lang}_title_in_page"] = bool(ours["title"]) and ui.page.get_by_text(ours["title"]).count() > 0
    checks[f"{lang}_tags_are_ours"] = bool(tag_names) and tag_names == sorted(ours["tags"] or [])
    checks[f"{lang}_follow_ups_are_ours"] = bool(follow_ups) and follow_ups == (ours["follow_ups"] or [])
    checks[f"{lang}_table_rendered"] = any(t["table_rendered"] for t in seen)
    cited = [t for t in seen if t.get("annotations")]
    if cited:
        checks[f"{lang}_source_chips_shown"] = all(t["source_chips"] and t["sources_toggle"] for t in cited)
        checks[f"{lang}_source_chips_match_markers"] = all(t["source_chips"] == t["expected_chips"] for t in cited)
    if report["backend"] != "none":
        # with an LLM the prose streams: some reply shows its first piece well before its last
        checks[f"{lang}_streamed"] = any(
            t["content_chunks"] > 1 and t["last_chunk_s"] - t["first_chunk_s"] > STREAM_GAP_S for t in seen
        )
    return {
        "title_shown": shown_title,
        "title_answered": ours["title"],
        "tags_shown": tag_names,
        "follow_ups_shown": follow_ups,
        "turns": seen,
    }


def _turn_ended(proxy: RecordingProxy, first: int) -> bool:
    """Whether the user's turn sent after request ``first`` has been answered to its end."""
    return any(_kind(e) == "turn" and e.ended is not None for e in proxy.chats()[first:])


def _wait_for_tasks(proxy: RecordingProxy, first: int, quiet_s: float = 3.0) -> None:
    """Until the follow-up request after a reply has been answered and nothing new came for ``quiet_s``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = proxy.chats()[first:]
        done = all(e.ended for e in new) and any(_kind(e) == "follow_ups" for e in new)
        if done and time.monotonic() - max(e.ended or 0.0 for e in new) > quiet_s:
            return
        time.sleep(0.2)


def _last(proxy: RecordingProxy, kind: str) -> Exchange:
    found = [e for e in proxy.chats() if _kind(e) == kind]
    return found[-1] if found else Exchange("", "", None, 0.0)


def _in_text_order(annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cites = [a for a in annotations if a.get("type") == "url_citation" and "url_citation" in a]
    return sorted(cites, key=lambda a: int(a["url_citation"].get("start_index") or 0))


def _kind(exchange: Exchange) -> str:
    """Which request this is: an Open WebUI task (by the JSON key it asks for) or a user's turn."""
    messages = (exchange.body or {}).get("messages") or []
    last: dict[str, Any] = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    content = last.get("content")
    text = content if isinstance(content, str) else json.dumps(content)
    if text.lstrip().startswith("### Task:"):
        for key in ("title", "tags", "follow_ups", "queries", "text", "prompt"):
            if f'"{key}"' in text.split("<chat_history>", 1)[0]:
                return key
        return "task"
    return "turn"


def _json_value(text: str, key: str) -> Any:
    with suppress(ValueError, AttributeError):
        return json.loads(text[text.find("{") : text.rfind("}") + 1]).get(key)
    return None


def _distinct(values: list[int]) -> list[int]:
    out: list[int] = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


def main() -> None:
    """Parse the arguments, run the live check and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open-webui", default="/tmp/owui/bin/open-webui", help="Open WebUI's console script")
    parser.add_argument("--backend", default="none", choices=["none", "embedded", "openai"])
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for clinadvisor serve"
    )
    parser.add_argument("--index-home", type=Path, help="a data folder whose search index is built (copied)")
    parser.add_argument("--record", type=Path, help="write every request Open WebUI sent (and timings) here")
    parser.add_argument("--shots", type=Path, help="write screenshots here")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args()
    if not Path(args.open_webui).exists():
        sys.exit(f"Open WebUI is not installed at {args.open_webui} (see this script's docstring)")
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    report = run(args)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    sys.exit(0 if all(report["checks"].values()) else 1)


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
