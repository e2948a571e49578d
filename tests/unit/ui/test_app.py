"""ui.app: the page builds, mounts on the app at / (with optional log-in), and keeps clicks per session."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.ui.conftest import MakeAdvisor, OnePassage
from ui import app as ui_app
from ui.app import SESSION_HEADER, Clients, Session, bound, build_ui, internal_key, mount

QUESTIONNAIRE = {
    "stages": [
        {
            "id": "II",
            "title": "Exams",
            "questions": [{"id": "data_sharing", "text": "Share?"}, {"id": "deploy_local", "text": "Local?"}],
        }
    ]
}


def test_build_ui_is_blocks() -> None:
    assert isinstance(build_ui("http://127.0.0.1:1", None), gr.Blocks)


def test_the_clicks_that_change_the_state_run_one_at_a_time_in_order() -> None:
    """Two clicks in flight at once would each start from the old state, and the later answer would undo the
    earlier one (a GPU picked, then "Check the fit" pressed at once, lost the fit in CI)."""
    listeners = build_ui("http://127.0.0.1:1", None).fns.values()
    clicks = [f for f in listeners if f.name in {"on_situation", "on_stage", "on_answer"}]
    assert len(clicks) >= 4  # the fit button, the GPU type, the stage and the answers
    assert {(f.concurrency_id, f.concurrency_limit) for f in clicks} == {(ui_app.CLICKS_QUEUE, 1)}
    turns = [f for f in listeners if f.name == "on_send"]
    assert turns and all(f.concurrency_id != ui_app.CLICKS_QUEUE for f in turns)  # chat turns are not held up


def test_internal_key_order(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# comment\n\nfile-key\n")
    assert internal_key(SimpleNamespace(ui_api_key="ui", api_keys="a,b")) == "ui"
    assert internal_key(SimpleNamespace(ui_api_key=None, api_keys=" a , b")) == "a"
    assert internal_key(SimpleNamespace(ui_api_key=None, api_keys=None, api_keys_file=keys)) == "file-key"
    assert internal_key(SimpleNamespace()) is None


def test_session_answers_prefer_clicks() -> None:
    session = Session(questionnaire=QUESTIONNAIRE)
    session.ext = {"stage": "II", "answers": {"data_sharing": {"value": False, "source": "extracted", "turn": 0}}}
    assert session.answers() == {"data_sharing": False, "deploy_local": None}
    assert session.overrides() is None
    session.clicked = {"data_sharing": True}
    assert session.answers() == {"data_sharing": True, "deploy_local": None}
    assert session.overrides() == {"stage": None, "answers": {"data_sharing": True}}
    session.clicked_stage = "III"
    assert session.stage == "III" and session.questions() == []


def test_own_url_without_request() -> None:
    assert ui_app._own_url(None) == "http://127.0.0.1:8000"


def test_mount_serves_the_page_offline() -> None:
    app = FastAPI()
    mount(app, SimpleNamespace(ui_users=None, ui_api_key=None, api_keys=None, ui_api_url="http://x"))
    with TestClient(app) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        config = client.get("/config").json()
        assert config["analytics_enabled"] is False and config["title"] == "Clinical LLM Advisor"
        # no stylesheet (fonts) from the internet
        assert not [s for s in config["stylesheets"] if str(s).startswith(("http://", "https://"))]


def page_request(token: str | None) -> SimpleNamespace:
    """A stand-in for gr.Request: the headers the server's door sets, and no server address."""
    return SimpleNamespace(headers={SESSION_HEADER: token} if token else {}, request=None)


def test_the_page_sends_the_sessions_own_token_else_the_configured_key() -> None:
    clients = Clients("http://127.0.0.1:1", "configured-key")
    as_ann = clients.for_request(page_request("cs1.ann-session"))  # type: ignore[arg-type]
    assert as_ann._headers == {"Authorization": "Bearer cs1.ann-session"}
    plain = clients.for_request(page_request(None))  # type: ignore[arg-type]
    assert plain._headers == {"Authorization": "Bearer configured-key"}
    assert as_ann._http is plain._http  # one connection pool for all sessions


def test_a_conversation_answers_only_to_the_log_in_that_started_it() -> None:
    ann, bob = page_request("cs1.ann"), page_request("cs1.bob")
    session = bound(Session(messages=[{"role": "user", "content": "ann's words"}]), ann)  # type: ignore[arg-type]
    assert session.owner is not None and "cs1.ann" not in session.owner
    assert bound(session, ann) is session  # type: ignore[arg-type]
    with pytest.raises(gr.Error):
        bound(session, bob)  # type: ignore[arg-type]
    with pytest.raises(gr.Error):
        bound(session, page_request(None))  # type: ignore[arg-type]
    open_session = Session()
    assert bound(open_session, page_request(None)) is open_session  # type: ignore[arg-type]


def test_recompute_applies_clicks_through_the_api(make_advisor: MakeAdvisor) -> None:
    client = make_advisor()
    session = Session(questionnaire=client.questionnaire())
    answers = {"input_text_only": False, "output_text_only": True, "radiology_report_summarization": True}
    session.ext = {
        "stage": "II",
        "answers": {q: {"value": v, "source": "extracted", "turn": 0} for q, v in answers.items()},
    }
    session.clicked = {"data_sharing": True, "deploy_local": False}
    session = ui_app._recompute(client, session)
    assert session.error is None
    assert "GPT-4" in [m["name"] for m in session.ext["recommendation"]["matches"]]
    assert session.ext["answers"]["data_sharing"] == {"value": True, "source": "clicked", "turn": None}
    assert session.ext["answers"]["input_text_only"]["source"] == "extracted"


def test_recompute_reports_errors_in_the_session(make_advisor: MakeAdvisor) -> None:
    session = Session(questionnaire=QUESTIONNAIRE, clicked_stage="IX")
    session = ui_app._recompute(make_advisor(), session)
    assert session.error is not None and "could not update" in session.error


def test_missing_passage_text_is_fetched_by_search(make_advisor: MakeAdvisor) -> None:
    client = make_advisor(retriever=OnePassage())
    cited = [{"n": 1, "key": "card-x#0", "title": "A card"}, {"n": 2, "key": "gone", "title": "Other"}]
    filled = ui_app._with_passages(client, cited)
    assert filled[0]["text"] == "The passage text."
    assert "text" not in filled[1]


def test_exports_are_written_and_old_ones_pruned(tmp_path: Path) -> None:
    old, fresh = tmp_path / "old", tmp_path / "fresh"
    old.mkdir()
    fresh.mkdir()
    os.utime(old, (0, 0))
    ui_app._prune_exports(tmp_path, max_age_s=3600)
    assert not old.exists() and fresh.exists()
    session = Session(messages=[{"role": "user", "content": "hello there"}])
    md, js = ui_app._export_files(session)
    assert "hello there" in Path(md).read_text(encoding="utf-8")
    assert json.loads(Path(js).read_text(encoding="utf-8"))["messages"][0]["content"] == "hello there"
    assert ui_app._export_files(session) == (md, js)  # one folder per session


def test_situation_from_the_controls() -> None:
    assert ui_app.situation_of("", 0, 0, 0) == {}  # empty number boxes send 0
    assert ui_app.situation_of("NVIDIA L40S", 4, 20, 8192) == {
        "gpus": {"name": "NVIDIA L40S", "count": 4},
        "users": 20,
        "context_tokens": 8192,
    }
    assert ui_app.situation_of("NVIDIA L40S", None, None, None) == {"gpus": {"name": "NVIDIA L40S", "count": None}}


def test_recompute_sends_the_situation_and_the_chat_carries_it(make_advisor: MakeAdvisor) -> None:
    client = make_advisor()
    session = Session(questionnaire=client.questionnaire(), clicked_stage="III", clicked={"medical_qa": True})
    session.situation = ui_app.situation_of("NVIDIA GeForce RTX 4090", 1, 12, None)
    session = ui_app._recompute(client, session)
    assert session.error is None
    runs = [m["to_run"] for m in session.ext["recommendation"]["matches"] if m["to_run"]]
    assert runs and all(r["gpu"]["name"] == "NVIDIA GeForce RTX 4090" and r["users"] == 12 for r in runs)
    assert {r["fits"] for r in runs} == {True, False}
    overrides = session.overrides()
    assert overrides is not None and overrides["situation"]["gpus"]["count"] == 1
    assert client.gpus() and {"name", "memory_gb", "bandwidth_gb_s", "power_w"} <= set(client.gpus()[0])
