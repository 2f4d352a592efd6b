"""The web pages through the TestClient: index and search, the item page with its what-if form,
the 告知单 print view, the calendar with its deadline calculator, and the upload check.

Policy facts: 职工医保个人账户家庭共济办理 (兄弟姐妹 in scope from 2023-01-01, 甘医保函〔2023〕246号);
门诊费用报销 意外伤害就医 (四（六）17: 30个工作日, due 2026-11-13 for a 2026-09-28 submission).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from yibao_rules import load_rulebook
from yibao_rules.resources import default_rules_path
from yibao_rules.server import create_app

BOOK = load_rulebook()
FMA = "职工医保个人账户家庭共济办理"
SIBLING_FORM = {
    "applicant.insured_province": "甘肃省",
    "applicant.insurance_type": "职工医保",
    "family_member.relationship": "兄弟姐妹",
    "family_member.insured_province": "甘肃省",
    "family_member.insurance_type": "城乡居民医保",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(BOOK))


def test_the_index_lists_items_by_category_and_searches(client: TestClient) -> None:
    page = client.get("/").text
    assert "（二）基本医疗保险参保信息查询和个人账户一次性支取" in page
    assert page.count('href="/items/') == len(BOOK.items)
    by_name = client.get("/", params={"q": "家庭共济"}).text
    assert FMA in by_name and "门诊费用报销" not in by_name
    number = BOOK.item("门诊费用报销").model.number
    by_number = client.get("/", params={"q": f"第{number}项"}).text
    assert "门诊费用报销" in by_number and "共 1 项" in by_number
    assert "共 0 项" in client.get("/", params={"q": "<script>"}).text
    assert "<script>" not in client.get("/", params={"q": "<script>"}).text  # autoescaped


def test_the_index_follows_the_guides_category_order_and_links_the_bundle(client: TestClient) -> None:
    """《甘肃省医疗保障经办政务服务办事指南（试行）》's categories come （一） to （十）, as in the source."""
    page = client.get("/").text
    numerals = "一二三四五六七八九十"
    found = [m for m in re.findall(r"（([一二三四五六七八九十])）", page)]
    firsts = list(dict.fromkeys(found))
    assert firsts == sorted(firsts, key=numerals.index) and len(firsts) == 10
    assert 'href="/bundles/medical_expense_one_thing"' in page
    bundle = client.get("/bundles/medical_expense_one_thing")
    assert bundle.status_code == 200
    assert 'href="/items/family_mutual_aid"' in bundle.text and "联办" in bundle.text


def test_the_item_page_shows_the_guide_with_staff_notes_and_a_form_from_the_vocabulary(client: TestClient) -> None:
    page = client.get("/items/family_mutual_aid").text
    guide = page.split('<section class="guide" id="guide">', 1)[1].split("<footer>", 1)[0]
    assert "<html" not in guide and "<h1>职工医保个人账户家庭共济办理</h1>" in guide  # the shared guide's section
    assert "受理条件" in page and "政策依据" in page and 'id="staff-notes"' in page
    for note in BOOK.item(FMA).model.notes:  # staff notes visible
        assert note.text in page
    relationship = re.search(r'<select id="family_member.relationship".*?</select>', page, flags=re.S)
    assert relationship is not None
    options = re.findall(r'<option value="([^"]*)"', relationship.group(0))
    assert options == ["", *BOOK.vocabulary.facts["family_member.relationship"].values]  # "" is 不确定
    assert "不确定（unknown）" in relationship.group(0)
    assert 'id="decision"' not in page  # nothing decided before the form is sent


def test_the_what_if_form_decides_with_reasons_citations_and_the_next_question(client: TestClient) -> None:
    eligible = client.get(f"/items/{FMA}", params={"decide": "1", "on": "2024-01-01", **SIBLING_FORM}).text
    assert 'data-status="eligible"' in eligible and "符合受理条件" in eligible
    assert "甘医保函〔2023〕246号" in eligible
    before = client.get(f"/items/{FMA}", params={"decide": "1", "on": "2022-07-01", **SIBLING_FORM}).text
    assert 'data-status="ineligible"' in before and "甘政办发〔2021〕111号" in before
    partial = {k: v for k, v in SIBLING_FORM.items() if k != "applicant.insurance_type"}
    unsure = client.get(f"/items/{FMA}", params={"decide": "1", "on": "2024-01-01", **partial}).text
    assert 'data-status="undetermined"' in unsure and 'id="next-question"' in unsure
    assert BOOK.vocabulary.facts["applicant.insurance_type"].question in unsure
    wrong = client.get(f"/items/{FMA}", params={"decide": "1", "family_member.relationship": "兄弟姐姝"})
    assert wrong.status_code == 422 and "did you mean &#39;兄弟姐妹&#39;" in wrong.text


def test_the_notice_page_is_the_print_view_for_the_same_facts(client: TestClient) -> None:
    page = client.get(f"/items/{FMA}/notice", params={"on": "2024-01-01", **SIBLING_FORM}).text
    assert "<h1>一次性告知单</h1>" in page and 'data-status="eligible"' in page and BOOK.version in page
    outpatient = client.get(
        "/items/门诊费用报销/notice", params={"situation": "意外伤害就医", "submitted": "2026-09-28T10:00"}
    ).text
    assert '<dd id="due">2026-11-13</dd>' in outpatient


def test_the_calendar_marks_holidays_and_make_up_days_and_computes_deadlines(client: TestClient) -> None:
    page = client.get("/calendar", params={"month": "2026-10"}).text
    assert re.search(r'data-date="2026-10-01">1 <span class="mark">休</span>', page)
    assert '<span class="mark ban">班</span>' in page  # a 调休 working day around 国庆
    due = client.get(
        "/calendar", params={"month": "2026-09", "item": "outpatient_reimbursement", "submitted": "2026-09-28T10:00"}
    ).text
    assert "2026-11-13" in due and "受理日" in due
    assert client.get("/calendar", params={"month": "2026-13"}).status_code == 422


def test_check_my_rules_shows_located_problems(client: TestClient) -> None:
    assert "检查我的规则" in client.get("/check").text
    item = (default_rules_path() / "items" / "family_mutual_aid.yaml").read_text(encoding="utf-8")
    broken = item.replace("relationship", "relationshp", 1).encode()
    page = client.post("/check", files={"file": ("family_mutual_aid.yaml", broken)}).text
    assert re.search(r"<code>items/family_mutual_aid\.yaml:\d+:\d+</code>", page)
    assert "没有发现问题" in client.post("/check", files={"file": ("family_mutual_aid.yaml", item.encode())}).text


def test_unknown_pages_are_404_in_chinese(client: TestClient) -> None:
    missing = client.get("/items/没有这个事项")
    assert missing.status_code == 404 and "没有找到" in missing.text and "unknown item" in missing.text
