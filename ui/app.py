"""The browser chat page (Gradio): ``build_ui(base_url, api_key)`` and ``mount(app, settings)``.

The page reaches the assistant only over the documented ``/v1`` routes (``ui.client``); it imports nothing
of the other packages. It keeps the conversation and the user's clicked answers per browser session and
sends them with every turn (the ``clinadvisor`` request extension), so the server stays stateless.
Nothing is fetched from the internet: Gradio's frontend is in its wheel, and the theme uses system fonts.

When the server asks for a log-in (its door: ``serving.api.door``), each page request carries the browser's
session in the ``X-Clinadvisor-Session`` header; the page sends it to ``/v1`` as its Bearer token, so each
session acts as the one who logged in. A session's conversation is bound to that log-in: another log-in
that presents the same Gradio session id gets an error, not the conversation.
"""

from __future__ import annotations

import os

# before gradio is imported anywhere: no usage statistics sent home
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from ui import render
from ui.client import AdvisorClient, ChatResult, ClientError

log = logging.getLogger("clinadvisor.ui")

TITLE = "Clinical LLM Advisor"
SESSION_HEADER = "x-clinadvisor-session"  # set by the server's door on a logged-in page request
CONCURRENT_TURNS = 32  # chat turns served at once across all browser sessions
CLICKS_QUEUE = "clicks"  # the queue of the clicks that change answers or hardware: one at a time, in order
SLOTS = 16  # answer controls; a stage has at most 10 questions today, the spare ones stay hidden
EXAMPLES = [
    "I'm a radiologist; I want to draft CT reports from the images and summarise them; "
    "the data can't leave the hospital",
    "Trabajo en el alta hospitalaria: quiero que el modelo redacte las cartas de alta a partir de la historia "
    "clínica escrita. Los datos no pueden salir del hospital.",
    "Ich bin Pflegekraft und möchte Pflegeberichte nach Operationen automatisch schreiben lassen; nur Text, "
    "wir betreiben alles lokal.",
    "We want to draft discharge letters from the written patient record; renting cloud GPUs is fine but the "
    "records must not be shared.",
]
CSS = """
/* Gradio's container hides overflow, which would stop the banner sticking; clip looks the same and lets it */
.gradio-container { overflow: clip !important; }
#ca-disclaimer { position: sticky; top: 0; z-index: 1000; background: #fff4d6; border: 1px solid #e0b84c;
  border-radius: 6px; padding: 6px 12px; font-size: 0.92em; }
#ca-notices:empty { display: none; }
.ca-citation { border-bottom: 1px solid #ddd; padding: 4px 0; }
.ca-citation summary { cursor: pointer; font-weight: 600; }
.ca-citation blockquote { margin: 6px 0 6px 12px; padding-left: 8px; border-left: 3px solid #bbb; }
.ca-muted { color: #666; font-size: 0.9em; }
"""


@dataclass
class Session:
    """One browser session: the conversation, the last reply's state and the user's clicks."""

    questionnaire: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, str]] = field(default_factory=list)
    ext: dict[str, Any] = field(default_factory=dict)
    clicked: dict[str, bool | None] = field(default_factory=dict)
    clicked_stage: str | None = None
    response_id: str | None = None
    slots: list[str] = field(default_factory=list)
    error: str | None = None
    export_dir: str | None = None
    situation: dict[str, Any] = field(default_factory=dict)  # the user's hardware and use, as set on the page
    owner: str | None = None  # a hash of the log-in this conversation belongs to (None: no log-in)

    @property
    def stage(self) -> str | None:
        """The stage in force: the one clicked, else the one the assistant understood."""
        return self.clicked_stage or self.ext.get("stage")

    def questions(self, stage: str | None = None) -> list[dict[str, Any]]:
        """The questions of a stage (default: the current one), in asking order."""
        wanted = stage or self.stage
        for s in self.questionnaire.get("stages") or []:
            if s.get("id") == wanted:
                return list(s.get("questions") or [])
        return []

    def question_text(self) -> dict[str, str]:
        """Question id -> its text (the first stage's wording where ids repeat)."""
        texts: dict[str, str] = {}
        for s in self.questionnaire.get("stages") or []:
            for q in s.get("questions") or []:
                texts.setdefault(q["id"], q["text"])
        return texts

    def answers(self) -> dict[str, bool | None]:
        """The current stage's answers: clicks over the assistant's extracted ones."""
        extracted = self.ext.get("answers") or {}
        values: dict[str, bool | None] = {}
        for q in self.questions():
            qid = q["id"]
            values[qid] = self.clicked[qid] if qid in self.clicked else (extracted.get(qid) or {}).get("value")
        return values

    def overrides(self) -> dict[str, Any] | None:
        """The ``clinadvisor`` request extension: clicked stage and answers, and the situation set on the page."""
        if not self.clicked and not self.clicked_stage and not self.situation:
            return None
        out: dict[str, Any] = {"stage": self.clicked_stage, "answers": dict(self.clicked)}
        if self.situation:
            out["situation"] = dict(self.situation)
        return out


class Clients:
    """AdvisorClients by base URL; with none configured, the server that received the page's request."""

    def __init__(self, base_url: str | None, api_key: str | None) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self._clients: dict[str, AdvisorClient] = {}
        self._questionnaires: dict[str, dict[str, Any]] = {}
        self._gpus: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def for_request(self, request: gr.Request | None) -> AdvisorClient:
        """The client for this page request: it sends the request's log-in session, else the configured key."""
        url = self.base_url or _own_url(request)
        with self._lock:
            if url not in self._clients:
                self._clients[url] = AdvisorClient(url, self.api_key)
            shared = self._clients[url]
        token = session_token(request)
        return shared.with_key(token) if token else shared

    def questionnaire(self, request: gr.Request | None) -> dict[str, Any]:
        """GET /v1/questionnaire, fetched once per server (it changes only with the server's version)."""
        url = self.base_url or _own_url(request)
        if url not in self._questionnaires:
            self._questionnaires[url] = self.for_request(request).questionnaire()
        return self._questionnaires[url]

    def gpus(self, request: gr.Request | None) -> list[dict[str, Any]]:
        """GET /v1/gpus, fetched once per server."""
        url = self.base_url or _own_url(request)
        if url not in self._gpus:
            self._gpus[url] = self.for_request(request).gpus()
        return self._gpus[url]


def session_token(request: gr.Request | None) -> str | None:
    """The log-in session the server's door passed with this page request, if any."""
    headers = getattr(request, "headers", None) if request is not None else None
    if headers is None:
        return None
    value = headers.get(SESSION_HEADER)
    return str(value) if value else None


def owner_of(request: gr.Request | None) -> str | None:
    """A stable, non-reversible label of the request's log-in (None without a log-in)."""
    token = session_token(request)
    return hashlib.sha256(token.encode()).hexdigest()[:32] if token else None


def bound(session: Session, request: gr.Request | None) -> Session:
    """The session, bound to the request's log-in on first use; gr.Error when it belongs to another log-in.

    Gradio keys a session's state by a session id that the browser chooses and that appears in URLs; with a
    log-in, the state answers only to the log-in that started it."""
    owner = owner_of(request)
    if session.owner is None:
        return session if owner is None else replace(session, owner=owner)
    if session.owner != owner:
        raise gr.Error("This conversation belongs to another log-in. Reload the page to start your own.")
    return session


def _own_url(request: gr.Request | None) -> str:
    """The address this server accepted the page's connection on (reachable from the server itself)."""
    inner = getattr(request, "request", None) if request is not None else None
    server = inner.scope.get("server") if inner is not None else None
    if not server:
        return "http://127.0.0.1:8000"
    host, port = server[0], server[1]
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    host = "[::1]" if host == "::" else f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def disclaimer_html(text: str) -> str:
    """The fixed banner's content."""
    import html

    return f"<strong>⚠ Not medical advice.</strong> {html.escape(text)}"


EXPORT_ROOT = Path(tempfile.gettempdir()) / "clinadvisor-exports"
EXPORT_MAX_AGE_S = 86_400  # a session's export folder is removed a day after its last write


def _prune_exports(root: Path, max_age_s: float = EXPORT_MAX_AGE_S) -> None:
    """Remove sessions' export folders untouched for ``max_age_s`` (a long-running server would fill /tmp)."""
    limit = time.time() - max_age_s
    for folder in root.glob("*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # another worker removed it first
            continue


def _export_files(session: Session) -> tuple[str, str]:
    """Write the Markdown and JSON exports of the session; their paths."""
    if session.export_dir is None:
        EXPORT_ROOT.mkdir(parents=True, exist_ok=True)
        _prune_exports(EXPORT_ROOT)
        session.export_dir = tempfile.mkdtemp(dir=EXPORT_ROOT)
    folder = Path(session.export_dir)
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / "clinadvisor-conversation.md"
    js = folder / "clinadvisor-conversation.json"
    md.write_text(render.export_markdown(session.messages, session.ext, session.question_text()), encoding="utf-8")
    js.write_text(render.export_json(session.messages, session.ext), encoding="utf-8")
    os.utime(folder)
    return str(md), str(js)


def _slot_updates(session: Session) -> list[Any]:
    """One update per answer control: the current stage's questions, the rest hidden."""
    questions = session.questions()
    session.slots = [q["id"] for q in questions][:SLOTS]
    values = session.answers()
    extracted = session.ext.get("answers") or {}
    updates: list[Any] = []
    for i in range(SLOTS):
        if i >= len(questions):
            updates.append(gr.update(visible=False, value=render.UNKNOWN))
            continue
        q = questions[i]
        qid = q["id"]
        if qid in session.clicked:
            origin = "set by you"
        elif (extracted.get(qid) or {}).get("value") is not None:
            origin = _understood_from(extracted[qid])
        else:
            origin = "not answered yet"
        updates.append(
            gr.update(visible=True, label=q["text"], info=origin, value=render.answer_label(values.get(qid)))
        )
    return updates


def _understood_from(answer: dict[str, Any]) -> str:
    """Where an extracted answer was read: the turn and, when the reply carries it, the user's own words."""
    turn = answer.get("turn")
    origin = "understood from your message" + (f" (turn {turn + 1})" if isinstance(turn, int) else "")
    quote = (answer.get("evidence") or {}).get("quote")
    if isinstance(quote, str) and quote:
        short = quote if len(quote) <= 80 else quote[:77].rsplit(" ", 1)[0] + " …"
        origin += f': "{short}"'
    return origin


def _stage_choices(session: Session) -> list[tuple[str, str]]:
    stages = session.questionnaire.get("stages") or []
    return [("(not chosen yet)", "")] + [(f"{s['id']}: {s['title']}", s["id"]) for s in stages]


def _view(session: Session) -> list[Any]:
    """Every output but the chat: banner, notices, stage, progress, answers, recommendation, references, exports."""
    ext = session.ext
    rec = ext.get("recommendation")
    notices = list(ext.get("notices") or [])
    if session.error:
        notices.insert(0, session.error)
    md, js = _export_files(session)
    figure = render.run_memory_figure(rec)
    return [
        gr.update(value=disclaimer_html(ext.get("disclaimer") or render.DEFAULT_DISCLAIMER)),
        gr.update(value="\n".join(f"- Note: {n}" for n in notices)),
        gr.update(choices=_stage_choices(session), value=session.stage or ""),
        gr.update(
            value=render.progress_markdown(session.stage, [q["id"] for q in session.questions()], session.answers())
        ),
        *_slot_updates(session),
        gr.update(value=render.status_markdown(rec, session.question_text())),
        gr.update(value=render.table_value(rec)),
        gr.update(value=figure, visible=figure is not None),
        gr.update(value=render.newer_models_markdown(rec)),
        gr.update(value=render.citations_html(ext.get("citations") or [])),
        gr.update(value=md),
        gr.update(value=js),
    ]


def _with_passages(client: AdvisorClient, citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Citations with their passage text; fetched through /v1/search when the reply left it out."""
    filled: list[dict[str, Any]] = []
    for c in citations:
        if not c.get("text") and c.get("title"):
            try:
                hits = client.search(str(c["title"]), k=20).get("hits") or []
            except ClientError:
                hits = []
            match = next((h for h in hits if h.get("key") == c.get("key")), None)
            if match is not None:
                c = {**c, "text": match.get("text")}
        filled.append(c)
    return filled


def _with_questionnaire(clients: Clients, request: gr.Request | None, session: Session) -> Session:
    """The session with the questionnaire loaded (a first click may come before the page's load event)."""
    if not session.questionnaire:
        try:
            session.questionnaire = clients.questionnaire(request)
        except ClientError as exc:
            session.error = f"the assistant is not reachable: {exc.message}"
    return session


def _recompute(client: AdvisorClient, session: Session) -> Session:
    """The recommendation for the current stage and answers, from POST /v1/recommendations."""
    stage = session.stage
    session.error = None
    if not stage:
        return session
    answers = session.answers()
    try:
        rec = client.recommend(stage, answers, session.situation or None)
    except ClientError as exc:
        session.error = f"could not update the recommendation: {exc.message}"
        return session
    merged = dict(session.ext.get("answers") or {})
    for qid, value in session.clicked.items():
        merged[qid] = {"value": value, "source": "clicked", "turn": None}
    session.ext = {**session.ext, "stage": stage, "answers": merged, "recommendation": rec}
    session.ext["missing"] = rec.get("missing") or []
    session.ext.setdefault("disclaimer", rec.get("disclaimer"))
    return session


def situation_of(gpu: str | None, count: float | None, users: float | None, context: float | None) -> dict[str, Any]:
    """The situation object (CONTRACTS.md) from the page's controls; empty when nothing is set.

    An empty number box sends 0: values below 1 mean "not said".
    """
    situation: dict[str, Any] = {}
    if gpu:
        situation["gpus"] = {"name": gpu, "count": int(count) if count and count >= 1 else None}
    if users and users >= 1:
        situation["users"] = int(users)
    if context and context >= 1:
        situation["context_tokens"] = int(context)
    return situation


def build_ui(base_url: str | None = None, api_key: str | None = None) -> gr.Blocks:
    """The chat page; ``base_url`` is the assistant's server (default: the server serving the page)."""
    clients = Clients(base_url, api_key)

    # delete_cache: Gradio's copies of the exports are removed hourly once a day old
    demo = gr.Blocks(title=TITLE, fill_width=True, analytics_enabled=False, delete_cache=(3600, EXPORT_MAX_AGE_S))
    with demo:
        state = gr.State(Session())
        banner = gr.HTML(disclaimer_html(render.DEFAULT_DISCLAIMER), elem_id="ca-disclaimer")
        gr.Markdown(
            f"# {TITLE}\nDescribe the clinical task you want a language model for, in your own words. "
            "I ask what I still need, then recommend models with the evidence, hardware, power and cost."
        )
        notices = gr.Markdown(elem_id="ca-notices")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation", height=460, elem_id="ca-chat", feedback_options=None, buttons=["copy"]
                )
                with gr.Row():
                    message = gr.Textbox(
                        placeholder="e.g. I'm a radiologist and want to draft CT reports...",
                        show_label=False,
                        scale=5,
                        lines=2,
                        elem_id="ca-input",
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="ca-send")
                gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[message], label="Examples")
                with gr.Row():
                    thumbs_up = gr.Button("✓ Helpful", size="sm", elem_id="ca-up")
                    thumbs_down = gr.Button("✗ Not helpful", size="sm", elem_id="ca-down")
                    comment = gr.Textbox(
                        placeholder="Optional comment on the last answer", show_label=False, scale=3, lines=1
                    )
                feedback_note = gr.Markdown(elem_id="ca-feedback-note")
                restart = gr.Button("New conversation", size="sm")
            with gr.Column(scale=2, elem_id="ca-answers"):
                gr.Markdown("### Your answers\nChange any answer here: the recommendation updates at once.")
                stage = gr.Dropdown(
                    choices=[("(not chosen yet)", "")], value="", label="Stage", interactive=True, elem_id="ca-stage"
                )
                progress = gr.Markdown(elem_id="ca-progress")
                slots = [
                    gr.Radio(
                        [render.YES, render.NO, render.UNKNOWN],
                        value=render.UNKNOWN,
                        visible=False,
                        interactive=True,
                        elem_classes=["ca-answer"],
                        elem_id=f"ca-slot-{i}",
                    )
                    for i in range(SLOTS)
                ]
                with gr.Accordion("Your hardware and use (to check the fit)", open=True, elem_id="ca-situation"):
                    gpu_type = gr.Dropdown(
                        choices=[("(not said)", "")], value="", label="GPU type", interactive=True, elem_id="ca-gpu"
                    )
                    with gr.Row():
                        gpu_count = gr.Number(label="How many", precision=0, elem_id="ca-gpu-count")
                        users_in = gr.Number(label="Users at once", precision=0, elem_id="ca-users")
                        context_in = gr.Number(label="Context (tokens)", precision=0, elem_id="ca-context")
                    fit_button = gr.Button("Check the fit", size="sm", elem_id="ca-fit")
        gr.Markdown("## Recommendation")
        status = gr.Markdown(render.status_markdown(None), elem_id="ca-status")
        table = gr.Dataframe(
            value=render.table_value(None),
            headers=render.TABLE_HEADERS,
            interactive=False,
            wrap=True,
            column_widths=["3%", "13%", "4%", "7%", "6%", "24%", "17%", "7%", "19%"],
            elem_id="ca-table",
        )
        chart = gr.Plot(label="Memory to run the top models", visible=False, elem_id="ca-chart")
        newer = gr.Markdown(elem_id="ca-newer")
        with gr.Accordion("References (open one to read the passage)", open=True):
            references = gr.HTML(render.citations_html([]), elem_id="ca-citations")
        with gr.Accordion("What does this mean? (plain-language glossary)", open=False):
            term = gr.Dropdown(choices=[], label="Term or question", interactive=True, elem_id="ca-term")
            term_text = gr.Markdown(elem_id="ca-term-text")
        with gr.Accordion("Export this conversation", open=False), gr.Row():
            md_button = gr.DownloadButton("Download Markdown", elem_id="ca-export-md")
            json_button = gr.DownloadButton("Download JSON", elem_id="ca-export-json")

        view = [
            banner,
            notices,
            stage,
            progress,
            *slots,
            status,
            table,
            chart,
            newer,
            references,
            md_button,
            json_button,
        ]

        def on_load(session: Session, request: gr.Request) -> list[Any]:
            """Bind the session to the log-in; show the questionnaire's stages, the glossary and the GPU types."""
            session = _with_questionnaire(clients, request, replace(bound(session, request)))
            terms = sorted(render.glossary_entries(session.questionnaire), key=str.casefold)
            try:
                names = [str(g["name"]) for g in clients.gpus(request)]
            except ClientError:
                names = []
            choices = [("(not said)", ""), *[(render.short_gpu(n), n) for n in names]]
            return [gr.update(choices=terms), gr.update(choices=choices), session, *_view(session)]

        def on_send(text: str, session: Session, request: gr.Request) -> Iterator[list[Any]]:
            """One chat turn, streamed; then the side panel, table, chart and references follow the reply."""
            text = (text or "").strip()
            if not text:
                yield [gr.skip(), gr.skip(), gr.skip(), *[gr.skip() for _ in view]]
                return
            client = clients.for_request(request)
            session = bound(session, request)
            session = replace(session, messages=[*session.messages, {"role": "user", "content": text}], error=None)
            session = _with_questionnaire(clients, request, session)
            shown: list[dict[str, str]] = [{"role": m["role"], "content": m["content"]} for m in session.messages]
            shown.append({"role": "assistant", "content": ""})
            skip_view = [gr.skip() for _ in view]
            # the box is locked while the reply streams: one turn at a time per page
            yield [gr.update(value="", interactive=False), shown, session, *skip_view]
            pieces: list[str] = []
            result: ChatResult | None = None
            try:
                for piece in client.chat_stream(session.messages, session.overrides()):
                    if isinstance(piece, ChatResult):
                        result = piece
                        break
                    pieces.append(piece)
                    shown[-1] = {"role": "assistant", "content": "".join(pieces)}
                    yield [gr.skip(), shown, gr.skip(), *skip_view]
            except ClientError as exc:
                session.error = f"the assistant could not answer: {exc.message}"
                shown[-1] = {"role": "assistant", "content": f"_(no answer: {exc.message})_"}
                session.messages = session.messages[:-1]
                yield [gr.update(value=text, interactive=True), shown, session, *_view(session)]
                return
            if result is None:  # pragma: no cover - chat_stream raises instead
                return
            shown[-1] = {"role": "assistant", "content": result.text}
            ext = dict(result.extension)
            ext["citations"] = _with_passages(client, list(ext.get("citations") or []))
            session.messages = [*session.messages, {"role": "assistant", "content": result.text}]
            session.ext = ext
            session.response_id = result.id
            if session.situation and ext.get("recommendation"):
                # the table keeps checking the fit against the hardware set on the page
                session = _recompute(client, session)
            yield [gr.update(interactive=True), shown, session, *_view(session)]

        def on_stage(choice: str, session: Session, request: gr.Request) -> list[Any]:
            """The user picked a stage: show its questions and recompute."""
            client = clients.for_request(request)
            session = bound(session, request)
            session = _with_questionnaire(clients, request, replace(session, clicked_stage=choice or None))
            session = _recompute(client, session)
            return [session, *_view(session)]

        def answer_handler(index: int) -> Callable[..., list[Any]]:
            def on_answer(choice: str, session: Session, request: gr.Request) -> list[Any]:
                """The user changed one answer: remember the click and recompute."""
                session = bound(session, request)
                if index >= len(session.slots):
                    return [session, *_view(session)]
                clicked = {**session.clicked, session.slots[index]: render.answer_value(choice)}
                session = replace(session, clicked=clicked)
                session = _recompute(clients.for_request(request), session)
                return [session, *_view(session)]

            return on_answer

        def on_situation(
            gpu: str,
            count: float | None,
            users: float | None,
            context: float | None,
            session: Session,
            request: gr.Request,
        ) -> list[Any]:
            """The user set their hardware or use: size every model for it (POST /v1/recommendations)."""
            session = replace(bound(session, request), situation=situation_of(gpu, count, users, context))
            session = _recompute(clients.for_request(request), _with_questionnaire(clients, request, session))
            return [session, *_view(session)]

        def on_feedback(rating: str) -> Callable[..., tuple[str, Any]]:
            def send_feedback(note: str, session: Session, request: gr.Request) -> tuple[str, Any]:
                """Thumbs up or down, with the optional comment, on the last reply."""
                session = bound(session, request)
                if not session.response_id:
                    return "Nothing to rate yet: ask something first.", gr.skip()
                try:
                    clients.for_request(request).feedback(session.response_id, rating, note or None)
                except ClientError as exc:
                    return f"Feedback not saved: {exc.message}", gr.skip()
                return f"Thank you: your feedback ({'helpful' if rating == 'up' else 'not helpful'}) was recorded.", ""

            return send_feedback

        def on_term(name: str, request: gr.Request) -> str:
            """The plain-language explanation of one term or question."""
            try:
                entries = render.glossary_entries(clients.questionnaire(request))
            except ClientError as exc:
                return f"The glossary is not available: {exc.message}"
            return entries.get(name or "", "")

        def on_restart(session: Session, request: gr.Request) -> list[Any]:
            """Start over: keep the questionnaire, forget the conversation and the clicks."""
            session = bound(session, request)
            fresh = Session(
                questionnaire=session.questionnaire,
                export_dir=session.export_dir,
                situation=session.situation,
                owner=session.owner,
            )
            return [[], "", fresh, *_view(fresh)]

        demo.load(on_load, inputs=[state], outputs=[term, gpu_type, state, *view], show_progress="hidden")
        situation_inputs = [gpu_type, gpu_count, users_in, context_in, state]
        # The clicks that change the answers or the hardware run one at a time, in the order they came: two in
        # flight at once would each start from the state before the other, and the one that finished last would
        # undo the other (a GPU picked, then "Check the fit" pressed before the pick's table came back, lost the
        # fit). Each takes well under a second; the chat turns, which take longer, keep their own queue.
        serial: dict[str, Any] = {"concurrency_id": CLICKS_QUEUE, "concurrency_limit": 1}
        fit_button.click(
            on_situation, inputs=situation_inputs, outputs=[state, *view], show_progress="minimal", **serial
        )
        gpu_type.input(on_situation, inputs=situation_inputs, outputs=[state, *view], show_progress="minimal", **serial)
        chat_outputs = [message, chatbot, state, *view]
        send.click(on_send, inputs=[message, state], outputs=chat_outputs, show_progress="minimal")
        message.submit(on_send, inputs=[message, state], outputs=chat_outputs, show_progress="minimal")
        stage.input(on_stage, inputs=[stage, state], outputs=[state, *view], show_progress="minimal", **serial)
        for i, slot in enumerate(slots):
            slot.input(
                answer_handler(i), inputs=[slot, state], outputs=[state, *view], show_progress="minimal", **serial
            )
        thumbs_up.click(on_feedback("up"), inputs=[comment, state], outputs=[feedback_note, comment])
        thumbs_down.click(on_feedback("down"), inputs=[comment, state], outputs=[feedback_note, comment])
        term.input(on_term, inputs=[term], outputs=[term_text])
        restart.click(on_restart, inputs=[state], outputs=[chatbot, message, state, *view])
    # Gradio runs one call per event at a time by default: every user's chat turn would wait for the others'
    demo.queue(default_concurrency_limit=CONCURRENT_TURNS)
    return demo


def theme() -> gr.themes.Base:
    """Gradio's default look with system fonts (the stock theme would load fonts from the internet)."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def internal_key(settings: Any) -> str | None:
    """The key the page sends to /v1: CLINADVISOR_UI_API_KEY, else the first configured API key, else none."""
    explicit = getattr(settings, "ui_api_key", None)
    if explicit:
        return str(explicit)
    keys = [k.strip() for k in str(getattr(settings, "api_keys", None) or "").split(",") if k.strip()]
    keys_file = getattr(settings, "api_keys_file", None)
    if not keys and keys_file:
        lines = Path(keys_file).read_text(encoding="utf-8").splitlines()
        keys = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return keys[0] if keys else None


def mount(app: Any, settings: Any) -> None:
    """Mount the page at ``/`` of the assistant's FastAPI app (the hook ``serving.app`` calls).

    The log-in is the server's (its door guards every route of the page); the page only forwards it."""
    blocks = build_ui(getattr(settings, "ui_api_url", None), internal_key(settings))
    mounted = gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        footer_links=[],
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        theme=theme(),
        css=CSS,
    )
    _answer_unknown_events(mounted)


def _answer_unknown_events(app: Any) -> None:
    """A call to an event name the page does not have gets 404, not Gradio's 500 (found by fuzzing the page)."""
    from fastapi.responses import JSONResponse
    from gradio.route_utils import FnIndexInferError

    async def unknown_event(_: Any, exc: Exception) -> JSONResponse:
        body = {"error": {"message": "the page has no such event", "type": "invalid_request_error",
                          "param": None, "code": "not_found"}}  # fmt: skip
        return JSONResponse(body, status_code=404)

    for route in getattr(app, "routes", []):
        page: Any = getattr(route, "app", None)
        if getattr(route, "path", None) == "" and hasattr(page, "add_exception_handler"):
            page.add_exception_handler(FnIndexInferError, unknown_event)


def main() -> None:
    """Run the page alone against a running server: ``python -m ui.app URL [API_KEY]``."""
    import sys

    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    key = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("CLINADVISOR_API_KEY")
    build_ui(url, key).launch(theme=theme(), css=CSS, footer_links=[], ssr_mode=False)


if __name__ == "__main__":
    main()
