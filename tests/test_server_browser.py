"""The web pages in a real browser: Debian's chromium driven by Playwright (never downloaded).

A person opens the page of 职工医保个人账户家庭共济办理, answers the what-if form with the
README's 兄弟姐妹 case as of 2024-01-01 (in scope since 甘医保函〔2023〕246号), reads that
the case is eligible (符合受理条件), opens the 一次性告知单 and keeps a screenshot of it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from yibao_rules import load_rulebook
from yibao_rules.server import create_app

FMA = "职工医保个人账户家庭共济办理"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread of this process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    running = uvicorn.Server(
        uvicorn.Config(create_app(load_rulebook()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def test_a_person_finds_the_item_answers_the_what_if_form_and_prints_the_notice(
    server: str, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/")
    page.fill("input[name=q]", "家庭共济")
    page.click("button[type=submit]")
    page.click(f"text={FMA}")
    assert page.inner_text("h1") == FMA

    page.fill("#on", "2024-01-01")
    page.select_option("#applicant\\.insured_province", "甘肃省")
    page.select_option("#applicant\\.insurance_type", "职工医保")
    page.select_option("#family_member\\.relationship", "兄弟姐妹")
    page.select_option("#family_member\\.insured_province", "甘肃省")
    page.select_option("#family_member\\.insurance_type", "城乡居民医保")
    page.click("#decide")

    assert page.inner_text("#status") == "符合受理条件"  # eligible
    assert page.get_attribute("#decision", "data-status") == "eligible"
    assert "甘医保函〔2023〕246号" in page.inner_text("#reasons")

    page.click("#notice-link")
    assert page.inner_text("h1") == "一次性告知单"
    assert page.get_attribute("#status", "data-status") == "eligible"
    shot = tmp_path / "notice.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()
