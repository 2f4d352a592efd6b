"""Decisions explain themselves: a passed rule reads as passed, the notes that decide come back
with the answer, and a date before the rules is flagged (correctness sweep, issue 12 points 5–7).

Policy facts: 职工医保个人账户家庭共济办理 — 甘政办发〔2021〕111号 第十六条 (配偶、父母、子女),
甘医保函〔2023〕246号 from 2023-01-01 (adds 兄弟姐妹 …), per 《甘肃省就医费用报销“一件事”办事指南》;
实施日期 of the bundle's members from the same guide's 政策依据 columns; 大冶 冶医保发〔2022〕8号 dated
2022年4月18日.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yibao_rules import Rulebook, load_rulebook
from yibao_rules.resources import default_rules_path

SIBLING: dict[str, Any] = {
    "applicant": {"insurance_type": "职工医保", "insured_province": "甘肃省"},
    "family_member": {"insurance_type": "职工医保", "insured_province": "甘肃省", "relationship": "兄弟姐妹"},
}


def _with(relationship: str) -> dict[str, Any]:
    return {**SIBLING, "family_member": {**SIBLING["family_member"], "relationship": relationship}}


# -- 5: a passed rule is shown as passed ----------------------------------------------------------


def test_a_passed_rule_does_not_show_its_failure_message(rulebook: Rulebook) -> None:
    decision = rulebook.decide("family_mutual_aid", SIBLING, dt.date(2024, 1, 1))
    assert decision.status == "eligible"
    scope = next(r for r in decision.reasons if r.rule == "relative_in_scope_246")
    assert scope.outcome == "passed"
    assert "不在" not in scope.message
    assert scope.message.startswith("家庭成员在共济范围内")


def test_a_passed_rule_without_a_label_shows_its_condition(rulebook: Rulebook) -> None:
    """基本医疗保险参保人员异地就医备案: its rule has no label, so passing shows the condition."""
    decision = rulebook.decide("cross_region_medical_filing", {"applicant": {"insurance_type": "职工医保"}})
    insured = next(r for r in decision.reasons if r.rule == "insured")
    assert insured.outcome == "passed"
    assert insured.message == f"满足条件：{insured.condition}"


def test_a_failed_rule_still_shows_its_message(rulebook: Rulebook) -> None:
    decision = rulebook.decide("family_mutual_aid", _with("兄弟姐妹"), dt.date(2022, 7, 1))
    failed = [r for r in decision.reasons if r.outcome == "failed"]
    assert [r.rule for r in failed] == ["relative_in_scope_111"]
    assert "不在共济范围内" in failed[0].message


# -- 6: the notes that decide ---------------------------------------------------------------------


def test_ineligible_under_111_carries_the_notes_of_the_rule_and_its_citation(rulebook: Rulebook) -> None:
    decision = rulebook.decide("family_mutual_aid", _with("兄弟姐妹"), dt.date(2022, 7, 1))
    assert decision.status == "ineligible"
    notes = "\n".join(decision.notes)
    # the rule's own gap note (the 111号 → 246号 switch date) and its citation's conflict note
    assert "规则 relative_in_scope_111" in notes and "2022-12-31" in notes
    assert "〔来源冲突 conflict〕依据 甘政办发〔2021〕111号" in notes
    # only the deciding rule's notes: the passing rules' interpretations are not there
    assert "member_insured_in_gansu" not in notes


def test_eligible_under_246_carries_the_named_set_note(rulebook: Rulebook) -> None:
    decision = rulebook.decide("family_mutual_aid", SIBLING, dt.date(2024, 1, 1))
    assert any(n.startswith("〔本规则库的解释 interpretation〕集合 共济亲属_246号") for n in decision.notes)
    assert decision.to_json()["notes"] == list(decision.notes)


def test_notes_reached_through_a_predicate(tmp_path: Path) -> None:
    """A rule whose condition is a named predicate gets the predicate's notes too
    (holder_insured_in_gansu is written as the predicate 在甘肃省参保)."""
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path(), rules)
    file = rules / "eligibility" / "family_mutual_aid.yaml"
    text = file.read_text(encoding="utf-8")
    anchor = "    label: 申请人在甘肃省参保\n"
    assert anchor in text
    note = "    notes:\n      - kind: gap\n        text: 测试用的谓词说明\n"
    file.write_text(text.replace(anchor, anchor + note), encoding="utf-8")
    book = load_rulebook(rules)
    decision = book.decide("family_mutual_aid", {"applicant": {"insured_province": "北京市"}}, dt.date(2024, 1, 1))
    assert decision.status == "ineligible"
    assert "〔来源缺口 gap〕谓词 在甘肃省参保：测试用的谓词说明" in decision.notes


# -- 7: dates before the rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "start"),
    [
        ("cross_region_medical_filing", dt.date(2023, 7, 31)),
        ("medical_expense_direct_settlement", dt.date(2023, 7, 31)),
        ("chronic_disease_cross_province_settlement", dt.date(2021, 12, 31)),
        ("daye_chronic_disease_application", dt.date(2022, 4, 18)),
    ],
)
def test_rules_carry_the_sources_implementation_dates(rulebook: Rulebook, item: str, start: dt.date) -> None:
    compiled = rulebook.item(item)
    assert compiled.plan, item
    assert all(step.start == start for step in compiled.plan)
    assert all(any("实施日期" in n or "落款日期" in n for n in step.notes) for step in compiled.plan)
    before = rulebook.decide(item, {}, start - dt.timedelta(days=1))
    assert before.status == "undetermined" and before.outside_dated_range
    assert any("超出规则库的日期范围" in n for n in before.notes)
    assert not rulebook.decide(item, {}, start).outside_dated_range


def test_a_date_before_the_111_document_is_flagged_not_silently_answered(rulebook: Rulebook) -> None:
    """配偶 on 2015-01-01: 111号 is a 2021 document, so the rulebook cannot speak for 2015."""
    decision = rulebook.decide("family_mutual_aid", _with("配偶"), dt.date(2015, 1, 1))
    assert decision.outside_dated_range
    assert decision.to_json()["outside_dated_range"] is True
    assert any("2021-01-01" in n and "甘政办发〔2021〕111号" in n for n in decision.notes)
    far = rulebook.decide("family_mutual_aid", _with("配偶"), dt.date(1990, 1, 1))
    assert far.outside_dated_range
    inside = rulebook.decide("family_mutual_aid", _with("配偶"), dt.date(2022, 7, 1))
    assert not inside.outside_dated_range
    assert not any("日期范围" in n for n in inside.notes)


def test_the_cli_shows_the_flag(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(_with("配偶"), ensure_ascii=False), encoding="utf-8")
    exe = Path(sys.executable).with_name("yibao-rules")
    run = subprocess.run(
        [str(exe), "evaluate", "family_mutual_aid", "--facts", str(facts), "--on", "1990-01-01", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout)["outside_dated_range"] is True
    human = subprocess.run(
        [str(exe), "evaluate", "family_mutual_aid", "--facts", str(facts), "--on", "1990-01-01"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "超出规则库的日期范围" in human.stdout
