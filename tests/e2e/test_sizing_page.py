"""The chat page shows what it takes to run each model, and checks the fit against the GPUs the user sets."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_chat_page import send

pytestmark = pytest.mark.e2e

NEED = (
    "I'm a radiologist; I want to draft radiology reports. Input and output are text only, the data can't "
    "leave the hospital and we run everything on our own servers."
)


def test_to_run_it_and_the_fit_against_the_users_gpus(page: Page) -> None:
    send(page, NEED)
    table = page.locator("#ca-table")
    expect(table).to_contain_text("To run it")
    expect(table).to_contain_text("Reported hardware (phase)")
    expect(table).to_contain_text("16-bit")
    expect(table).to_contain_text("A100 80GB")  # the reference type until the user names theirs
    expect(page.locator("#ca-chat")).to_contain_text("To run it")  # the reply's own table and its note
    expect(page.locator("#ca-chart")).to_be_visible()

    newer = page.locator("#ca-newer")
    expect(newer).to_contain_text("Newer open-weight models to consider")
    expect(newer).to_contain_text("Outside the review's evidence")

    # one RTX 4090: the small models fit, and the table says so against the user's own card
    page.locator("#ca-gpu input").click()
    page.get_by_role("option", name="RTX 4090", exact=True).click()
    page.locator("#ca-gpu-count input").fill("1")
    page.locator("#ca-users input").fill("4")
    page.click("#ca-fit")
    expect(table).to_contain_text("fits your 1 x RTX 4090")

    # twenty users at once on a 16 GB T4: a 7B model's KV cache alone is 43 GB
    page.locator("#ca-gpu input").click()
    page.get_by_role("option", name="T4", exact=True).click()
    page.locator("#ca-users input").fill("20")
    page.click("#ca-fit")
    expect(table).to_contain_text("does not fit your 1 x T4")

    # the hardware set on the page stays in force on the next turn
    send(page, "What does QLoRA mean?")
    expect(table).to_contain_text("does not fit your 1 x T4")
