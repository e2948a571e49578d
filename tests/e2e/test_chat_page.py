"""The chat page in a real browser against the real server: a conversation to a recommendation, answers
changed in the side panel, a citation opened, the exports downloaded, the glossary and feedback used."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import browser_page, serving

pytestmark = pytest.mark.e2e

RADIOLOGIST = (
    "I'm a radiologist; I want to draft CT reports from the images and summarise them; "
    "the data can't leave the hospital"
)


def send(page: Page, text: str) -> None:
    """Type a message, send it, and wait until the reply has finished streaming."""
    replies = page.locator("#ca-chat .message-row")
    before = replies.count()
    page.fill("#ca-input textarea", text)
    page.click("#ca-send")
    expect(replies).not_to_have_count(before)
    # the box is locked while the reply streams and unlocked with the last update (panel, table, exports)
    expect(page.locator("#ca-input textarea")).to_be_enabled()
    expect(page.locator("#ca-input textarea")).to_have_value("")


def answer_block(page: Page, question: str) -> Locator:
    """The side panel's control for the question whose text contains ``question``."""
    return page.locator(".ca-answer").filter(has_text=question)


def click_answer(page: Page, question: str, value: str) -> None:
    """Choose yes / no / unknown for one question and wait until the panel shows the click."""
    block = answer_block(page, question)
    block.get_by_label(value, exact=True).check()
    expect(block).to_contain_text("set by you")


def table_models(page: Page) -> str:
    """The models column's text."""
    return page.locator("#ca-table").inner_text()


def test_conversation_panel_citation_export(page: Page, tmp_path: Path) -> None:
    disclaimer = page.locator("#ca-disclaimer")
    expect(disclaimer).to_be_visible()
    expect(disclaimer).to_contain_text("not medical advice")

    send(page, RADIOLOGIST)
    expect(page.locator("#ca-progress")).to_contain_text("Stage II")
    expect(page.locator("#ca-chat")).to_contain_text("deploy_local")  # the follow-up question
    # each answer read from the message shows the words it was read from
    expect(answer_block(page, "shared with third parties")).to_contain_text("leave the hospital")
    send(page, "We would run it locally on our own servers, and text is all we need back.")
    expect(page.locator("#ca-progress")).to_contain_text(re.compile(r"Stage II: \d+ of 10 answered"))
    expect(page.locator("#ca-table")).to_contain_text("RaDialog-7B")
    assert "GPT-4" not in table_models(page)
    expect(answer_block(page, "own hardware").get_by_label("yes", exact=True)).to_be_checked()

    click_answer(page, "shared with third parties", "yes")
    click_answer(page, "own hardware", "no")
    expect(page.locator("#ca-table")).to_contain_text("GPT-4")
    expect(page.locator("#ca-table")).to_contain_text("/h to rent")
    # the clicks travel with the next turn, so the message's own "can't leave the hospital" stays overridden
    send(page, "What does QLoRA mean?")
    expect(page.locator("#ca-table")).to_contain_text("GPT-4")
    expect(answer_block(page, "shared with third parties").get_by_label("yes", exact=True)).to_be_checked()

    citation = page.locator("#ca-citations details").first
    expect(citation).to_be_visible()
    passage = citation.locator("blockquote")
    expect(passage).to_be_hidden()
    citation.locator("summary").click()
    expect(passage).to_be_visible()
    text = passage.inner_text()
    assert len(text) > 40 and "not available" not in text

    page.get_by_text("Export this conversation").click()
    with page.expect_download() as markdown_download:
        page.click("#ca-export-md")
    markdown = Path(markdown_download.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as json_download:
        page.click("#ca-export-json")
    document = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert "RaDialog-7B" in markdown and "GPT-4" in markdown and RADIOLOGIST in markdown
    assert "not medical advice" in markdown
    names = {m["name"] for m in document["recommendation"]["matches"]}
    assert {"RaDialog", "GPT-4"} <= names
    assert "not medical advice" in document["disclaimer"] and document["citations"]

    page.screenshot(path=str(tmp_path / "chat-page.png"), full_page=True)
    page.mouse.wheel(0, 3000)
    expect(disclaimer).to_be_in_viewport()  # the banner stays on screen while scrolling


def test_glossary_feedback_and_examples(page: Page) -> None:
    page.get_by_text("What does this mean?").click()
    page.locator("#ca-term input").fill("qlora")
    page.get_by_role("option", name="qlora", exact=True).click()
    expect(page.locator("#ca-term-text")).to_contain_text("fine-tuning")

    page.click("#ca-up")
    expect(page.locator("#ca-feedback-note")).to_contain_text("Nothing to rate yet")

    # a stage picked by hand shows its questions; an answer clicked there gives a recommendation at once
    page.locator("#ca-stage input").click()
    page.get_by_role("option", name=re.compile(r"^III: ")).click()
    expect(page.locator("#ca-progress")).to_contain_text("Stage III: 0 of")
    click_answer(page, "medical questions", "yes")
    expect(page.locator("#ca-progress")).to_contain_text("Stage III: 1 of")
    expect(page.locator("#ca-status")).to_contain_text("Stage III")
    expect(page.locator("#ca-table")).not_to_contain_text("no recommendation yet")
    page.click("text=New conversation")
    expect(page.locator("#ca-progress")).to_contain_text("No stage yet")

    page.get_by_text("Trabajo en el alta hospitalaria").click()
    expect(page.locator("#ca-input textarea")).to_have_value(re.compile("cartas de alta"))
    send(page, page.locator("#ca-input textarea").input_value())
    expect(page.locator("#ca-progress")).to_contain_text("Stage V")

    page.get_by_placeholder("Optional comment on the last answer").fill("Clear, thanks")
    page.click("#ca-down")
    expect(page.locator("#ca-feedback-note")).to_contain_text("recorded")


def log_in(page: Page, user: str, password: str) -> None:
    """Fill and send the server's log-in form, then wait for the chat page."""
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#ca-input textarea")


def test_log_in_and_api_keys(data_home: Path, tmp_path: Path) -> None:
    """With API keys and page users configured, /v1 refuses strangers, the page asks for a log-in first (a page
    user or an API key), and the logged-in page works under its content-security policy."""
    keys = {"CLINADVISOR_API_KEYS": "first-key,second-key", "CLINADVISOR_UI_USERS": "ann:s3cret"}
    with serving(data_home, tmp_path, **keys) as url:
        assert httpx.get(url + "/v1/questionnaire").status_code == 401
        assert httpx.post(url + "/gradio_api/call/on_send", json={"data": [RADIOLOGIST]}).status_code == 401
        with browser_page(url, tmp_path / "profile") as page:
            log_in(page, "ann", "s3cret")
            send(page, RADIOLOGIST)
            expect(page.locator("#ca-progress")).to_contain_text("Stage II")
            expect(page.locator("#ca-table")).to_contain_text("RaDialog-7B")
        with browser_page(url, tmp_path / "profile-key") as page:
            log_in(page, "it-team", "second-key")
            send(page, RADIOLOGIST)
            expect(page.locator("#ca-progress")).to_contain_text("Stage II")


def test_a_question_after_the_recommendation_is_answered_from_the_literature_with_its_source(page: Page) -> None:
    send(page, RADIOLOGIST)
    send(page, "We would run it locally on our own servers, and text is all we need back.")
    expect(page.locator("#ca-table")).to_contain_text("RaDialog-7B")
    send(page, "Which prompting techniques help language models in radiology?")
    last = page.locator("#ca-chat .message-row").last
    expect(last).to_contain_text("still stands")  # a pointer, not the table again
    expect(last).to_contain_text(re.compile(r"\[1\]"))
    answer = last.inner_text()
    assert "| # |" not in answer and "Star" not in answer
    citation = page.locator("#ca-citations details").first
    citation.locator("summary").click()
    passage = citation.locator("blockquote")
    expect(passage).to_be_visible()
    quoted = re.search(r"> (.+?) \[1\]", answer) or re.search(r"^(.+?) \[1\]", answer, re.M)
    assert quoted, answer
    words = [w for w in re.findall(r"[A-Za-z]{5,}", quoted.group(1))][:4]
    assert words and all(w in passage.inner_text() for w in words)  # the cited passage holds what was said
