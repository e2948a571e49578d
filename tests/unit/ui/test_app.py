"""ui.app: the page builds, mounts on the app at / (with optional log-in), and keeps clicks per session."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.ui.conftest import MakeAdvisor, OnePassage
from ui import app as ui_app
from ui.app import Session, build_ui, internal_key, mount, parse_users

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


def test_parse_users_skips_malformed() -> None:
    assert parse_users("ann:pw1, bob:p:w2,broken,:x,") == [("ann", "pw1"), ("bob", "p:w2")]
    assert parse_users(None) == []


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


def test_mount_with_users_asks_for_login() -> None:
    app = FastAPI()
    mount(app, SimpleNamespace(ui_users="ann:pw", ui_api_key="k", api_keys=None, ui_api_url="http://x"))
    with TestClient(app) as client:
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "ann", "password": "bad"}).status_code == 400
        assert client.post("/login", data={"username": "ann", "password": "pw"}).status_code == 200
        assert client.get("/config").status_code == 200


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
