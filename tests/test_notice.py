"""The 一次性告知单: contents from the rules, three formats, and the HTML in a real browser.

Policy facts come from 《甘肃省医疗保障经办政务服务办事指南（试行）》 四（六）17 (门诊费用报销:
意外伤害就医 materials, 30个工作日).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from yibao_rules import YibaoError, load_rulebook
from yibao_rules.render import render_notice

from .conftest import run_cli

BOOK = load_rulebook()
SUBMITTED = dt.datetime(2026, 9, 28, 10, 0)


def outpatient_accident() -> Any:
    return BOOK.notice("门诊费用报销", situation="意外伤害就医", submitted=SUBMITTED)


def test_the_notice_holds_what_the_rules_say() -> None:
    notice = outpatient_accident()
    checklist = BOOK.checklist("门诊费用报销", situation="意外伤害就医")
    assert [m.name for m in notice.checklist.materials] == [m.name for m in checklist.materials]
    assert notice.deadline is not None and notice.deadline.due("stated") == dt.date(2026, 11, 13)
    model = BOOK.item("门诊费用报销").model
    assert notice.process == tuple(model.process) and notice.query_methods == tuple(model.query_methods)
    assert any("四（六）17" in c for c in notice.citations)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_lists_every_material_substitute_and_the_due_date(fmt: str) -> None:
    notice = outpatient_accident()
    text = render_notice(notice, fmt)
    for material in notice.checklist.materials:
        assert material.name in text
        for sub in material.substitutes:
            assert sub["kind"] in text
    assert "2026-11-13" in text and "30个工作日" in text


def test_html_escapes_rule_text(rules_copy: Path) -> None:
    item = rules_copy / "items" / "outpatient_reimbursement.yaml"
    item.write_text(
        item.read_text(encoding="utf-8").replace("- name: 处方底方", '- name: "处方底方<script>x</script>"')
    )
    notice = load_rulebook(rules_copy).notice("门诊费用报销", situation="普通门诊")
    html = render_notice(notice, "html")
    assert "<script>x" not in html and "处方底方&lt;script&gt;x&lt;/script&gt;" in html


def test_an_unknown_format_is_a_library_error() -> None:
    with pytest.raises(YibaoError, match="unknown format"):
        render_notice(outpatient_accident(), "pdf")


def test_the_phone_of_a_bundle_reaches_its_members_notice() -> None:
    # 《甘肃省就医费用报销“一件事”办事指南》 咨询投诉方式: 电话 0931-2912393.
    notice = BOOK.notice("职工医保个人账户家庭共济办理")
    assert any("0931-2912393" in c.phones for c in notice.contacts)
    assert "0931-2912393" in render_notice(notice, "text")


def test_cli_notice_writes_each_format_and_refuses_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "n.md"
    result = run_cli(
        "notice", "门诊费用报销", "--situation", "意外伤害就医", "--submitted", "2026-09-28T10:00",
        "--format", "markdown", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "| 序号 | 材料 |" in out.read_text(encoding="utf-8")
    bad = run_cli("notice", "门诊费用报销", "--situation", "意外伤害就")
    assert bad.returncode == 2 and "did you mean '意外伤害就医'" in bad.stderr and "Traceback" not in bad.stderr
    bad_date = run_cli("notice", "门诊费用报销", "--submitted", "tomorrow")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr


# -- the HTML in a real browser (Debian's chromium, installed by .ci/run; never downloaded) ----------------


def test_the_html_notice_renders_in_chromium_with_every_material_and_the_due_date(browser: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "notice.html"
    result = run_cli(
        "notice", "门诊费用报销", "--situation", "意外伤害就医", "--submitted", "2026-09-28T10:00",
        "--format", "html", "--out", str(page_file),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = browser.new_page()
    page.goto(page_file.as_uri())
    shown = page.inner_text("body")
    for material in BOOK.checklist("门诊费用报销", situation="意外伤害就医").materials:
        assert material.name in shown
    assert page.inner_text("#due") == "2026-11-13"
    assert page.get_attribute("#status", "data-status") == "undetermined"
    page.screenshot(path=str(tmp_path / "notice.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1, "a typical item fits one A4 page"
    page.close()
