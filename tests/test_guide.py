"""The 办事指南 rendered from the rules: contents, staff annotations, the site, the CLI and a real browser.

Policy facts come from 《甘肃省医疗保障经办政务服务办事指南（试行）》 四（六）17 (门诊费用报销: three
情形 普通门诊, 意外伤害就医, 急诊) and 《甘肃省就医费用报销“一件事”办事指南》 (联办事项, 服务成效).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from yibao_rules import Rulebook, UnknownItemError, load_rulebook
from yibao_rules.render import SiteError, render_guide, render_notice, write_site

from .conftest import run_cli

BOOK = load_rulebook()
ON = dt.date(2026, 1, 1)


def test_the_guide_of_an_item_lays_out_its_sections_in_the_sources_order() -> None:
    text = render_guide(BOOK.guide("门诊费用报销", on=ON), "text")
    labels = ["受理单位", "服务对象", "办理渠道", "办理流程", "办理材料", "办理时限", "查询方式", "政策依据"]
    positions = [text.index(f"{label}：") for label in labels]
    assert positions == sorted(positions)
    assert "17.门诊费用报销（实现基本医疗保险门诊统筹的统筹地区可参照执行）" in text
    assert "办理时限：30个工作日" in text
    for situation in ("①普通门诊", "②意外伤害就医", "③急诊"):
        assert situation in text
    assert "上述普通门诊办理资料" in text
    assert "可替代：个人承诺书：无法提供的应填写个人承诺书" in text


def test_the_guide_model_lists_every_material_of_every_situation() -> None:
    g = BOOK.guide("outpatient_reimbursement", on=ON)
    assert [s.name for s in g.situations] == ["普通门诊", "意外伤害就医", "急诊"]
    assert g.materials[:4] == ("医保电子凭证或有效身份证件或社保卡", "医院收费票据", "门诊费用清单", "处方底方")
    assert "急诊诊断证明" in g.materials


def test_gap_and_conflict_notes_are_staff_annotations_hidden_by_public() -> None:
    g = BOOK.guide("门诊费用报销", on=ON)
    assert {a.kind for a in g.annotations} == {"gap", "conflict"}
    staff = render_guide(g, "text")
    public = render_guide(g, "text", public=True)
    assert "〔来源冲突〕门诊费用报销：办理渠道写作" in staff
    assert "工作人员注" not in public and "来源冲突" not in public
    assert "interpretation" not in staff  # interpretations are the rule author's, not annotations
    for fmt in ("markdown", "html"):
        assert "工作人员注" in render_guide(g, fmt) and "工作人员注" not in render_guide(g, fmt, public=True)


def test_time_limits_show_stages_and_exclusions() -> None:
    text = render_guide(BOOK.guide("daye_chronic_disease_application", on=ON), "text")
    assert "10个工作日（不含公示、发证时间）" in text
    assert "阶段：结果公示：" in text and "不计入时限" in text
    assert "审批决定机构：市医疗保障局服务中心" in text


def test_citations_show_number_issuer_and_effective_date() -> None:
    text = render_guide(BOOK.guide("family_mutual_aid", on=ON), "text")
    assert "《关于进一步做好职工基本医疗保险门诊共济保障工作的通知》（甘医保函〔2023〕246号）" in text
    assert "发文机关：甘肃省医疗保障局" in text
    assert "实施日期：2023年1月1日" in text


def test_the_bundle_guide_has_the_joint_table_and_the_claimed_effects() -> None:
    g = BOOK.guide("就医费用报销一件事", on=ON)
    assert [m.name for m in g.members] == [
        "职工医保个人账户家庭共济办理",
        "基本医疗保险参保人员异地就医备案",
        "五种门诊慢特病费用跨省直接结算",
        "医疗费用报销直接结算",
    ]
    text = render_guide(g, "text")
    assert "递交材料：单办件 5份材料　一事联办 3份材料" in text
    assert "减环节：通过整合办事事项" in text
    assert "法定办结时限：3个工作日" in text and "承诺办结时限：2个工作日" in text
    html = render_guide(g, "html")
    assert '<table id="members">' in html and "<td>定点医药机构</td>" in html


def test_html_escapes_rule_text() -> None:
    html = render_guide(BOOK.guide("employer_registration", on=ON), "html")
    assert "《基本医疗保险单位参保信息登记表》" in html
    assert "<script" not in html


def test_an_unknown_item_is_a_clear_error() -> None:
    with pytest.raises(UnknownItemError, match="门诊费用报销"):
        BOOK.guide("门诊费用报")


def test_the_notice_still_renders_with_the_shared_base() -> None:
    html = render_notice(BOOK.notice("门诊费用报销", situation="意外伤害就医", on=ON), "html")
    assert html.startswith("<!DOCTYPE html>") and "一次性告知单：门诊费用报销" in html
    assert '<table id="materials">' in html


def test_the_site_has_an_index_by_category_a_page_per_item_and_per_citation(tmp_path: Path) -> None:
    written = write_site(BOOK, tmp_path, "markdown", on=ON)
    assert len([p for p in written if p.parent.name == "items"]) == len(BOOK.items)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "## （六）基本医疗保险参保人员医疗费用手工（零星）报销" in index
    assert "[17.门诊费用报销](items/outpatient_reimbursement.md)" in index
    page = (tmp_path / "citations" / "gansu_2023_246.md").read_text(encoding="utf-8")
    assert "实施日期：2023年1月1日" in page and "职工医保个人账户家庭共济办理" in page
    item = (tmp_path / "items" / "family_mutual_aid.md").read_text(encoding="utf-8")
    assert "(../citations/gansu_2023_246.md)" in item


def test_a_text_site_or_an_unwritable_directory_is_a_site_error(tmp_path: Path) -> None:
    with pytest.raises(SiteError):
        write_site(BOOK, tmp_path, "text")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SiteError, match="cannot write"):
        write_site(BOOK, blocker, "html")


def test_cli_guide_formats_and_errors(tmp_path: Path) -> None:
    result = run_cli("guide", "门诊费用报销", "--format", "markdown", "--on", "2026-01-01", "--public")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# 17.门诊费用报销") and "工作人员注" not in result.stdout
    unknown = run_cli("guide", "没有这个事项")
    assert unknown.returncode == 2 and "unknown item or bundle" in unknown.stderr and "Traceback" not in unknown.stderr
    bad = run_cli("guide", "门诊费用报销", "--format", "pdf")
    assert bad.returncode == 2
    unwritable = run_cli("guide", "门诊费用报销", "--out", str(tmp_path / "no" / "such" / "dir.txt"))
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr
    site = run_cli("guide", "--all", "--format", "html", "--out", str(tmp_path / "site"))
    assert site.returncode == 0, site.stderr
    assert (tmp_path / "site" / "bundles" / "medical_expense_one_thing.html").is_file()
    assert run_cli("guide", "--all").returncode == 2


# -- the HTML in a real browser (Debian's chromium; never downloaded) -------------------------------


def test_the_html_guide_of_a_three_situation_item_shows_every_material_in_chromium(
    browser: Any, tmp_path: Path
) -> None:
    page_file = tmp_path / "guide.html"
    result = run_cli("guide", "门诊费用报销", "--format", "html", "--on", "2026-01-01", "--out", str(page_file))
    assert result.returncode == 0, result.stderr
    page = browser.new_page()
    page.goto(page_file.as_uri())
    shown = page.inner_text("body")
    guide = BOOK.guide("门诊费用报销", on=ON)
    assert len(guide.situations) == 3
    for situation in guide.situations:
        assert situation.name in page.inner_text("#materials")
        for material in situation.materials:
            assert material.name in shown, material.name
    assert "来源冲突" in page.inner_text("#staff-notes")
    page.screenshot(path=str(tmp_path / "guide.png"), full_page=True)
    page.close()


def test_on_picks_the_rules_in_force_shown_to_staff() -> None:
    """家庭共济: 111号 (配偶、父母、子女) until 2022-12-31, 246号 (eight relations) from 2023-01-01."""
    before = render_guide(BOOK.guide("family_mutual_aid", on=dt.date(2022, 7, 1)), "text")
    after = render_guide(BOOK.guide("family_mutual_aid", on=dt.date(2024, 1, 1)), "text")
    assert "受理条件（规则库，2022-07-01 施行）" in before
    assert "（甘政办发〔2021〕111号）第十六条" in before.split("常见问题")[0]
    assert "（… 至 2022-12-31）" in before and "（… 至 2022-12-31）" not in after
    assert "（2023-01-01 至 …）" in after
    public = render_guide(BOOK.guide("family_mutual_aid", on=dt.date(2024, 1, 1)), "text", public=True)
    assert "规则库" not in public and "在甘肃省参保的城镇职工、城乡居民" in public


def test_an_item_outside_its_dates_is_marked(rules_copy: Path) -> None:
    item = rules_copy / "items" / "employer_registration.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("number: 1\n", "number: 1\neffective_to: 2020-12-31\n"))
    book = load_rulebook(rules_copy)
    assert not book.guide("单位参保登记", on=ON).in_force
    assert book.guide("单位参保登记", on=dt.date(2020, 1, 1)).in_force
    assert "注意：本事项在 2026-01-01 不在规则的施行期内" in render_guide(book.guide("单位参保登记", on=ON))


def test_a_text_site_is_refused_not_silently_written_as_html(tmp_path: Path) -> None:
    result = run_cli("guide", "--all", "--out", str(tmp_path / "site"), "--format", "text")
    assert result.returncode == 2 and "html or markdown" in result.stderr
    assert not (tmp_path / "site").exists()
    assert run_cli("guide", "--all", "--out", str(tmp_path / "site")).returncode == 0
    assert (tmp_path / "site" / "index.html").is_file()


def test_markdown_lists_each_condition_on_its_own_line(rulebook: Rulebook) -> None:
    """门诊费用报销 has two 受理条件 in the source: in Markdown they are two list entries, not one run-on line."""
    text = render_guide(rulebook.guide("门诊费用报销"), "markdown")
    block = text.split("- **受理条件**：", 1)[1].split("\n- **", 1)[0]
    entries = [line for line in block.splitlines() if line.startswith("  - ")]
    assert len(entries) == len(rulebook.guide("门诊费用报销").conditions) == 2
