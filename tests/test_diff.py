"""Rule-change impact: the 家庭共济 2023-01-01 change found by search.

Sources: 甘政办发〔2021〕111号 第十六条 → 甘医保函〔2023〕246号 (甘肃省就医费用报销“一件事”办事指南).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from yibao_rules import load_rulebook
from yibao_rules.diff import diff_rulebooks

from .conftest import RULES, run_cli


def pre_change_rules(rules_copy: Path) -> Path:
    """The rules as they were before 246号: only the 111号 relative set, with no end date."""
    item = rules_copy / "items" / "family_mutual_aid.yaml"
    text = item.read_text(encoding="utf-8")
    text = re.sub(r"\n  - id: relative_in_scope_246\n.*?effective_from: 2023-01-01\n", "\n", text, flags=re.S)
    text = text.replace("    effective_to: 2022-12-31\n", "")
    item.write_text(text, encoding="utf-8")
    return rules_copy


def test_diff_finds_an_applicant_whose_decision_flips(rules_copy: Path) -> None:
    result = diff_rulebooks(load_rulebook(pre_change_rules(rules_copy)), load_rulebook(RULES))
    details = {(c.change, c.what, c.detail) for c in result.changes}
    assert ("added", "rule", "relative_in_scope_246") in details
    assert ("changed", "rule", "relative_in_scope_111.effective_to: — → 2022-12-31") in details
    (flip,) = result.flips
    assert flip.item == "职工医保个人账户家庭共济办理"
    assert flip.on == dt.date(2023, 1, 1)
    assert flip.facts["family_member"]["relationship"] in {"兄弟姐妹", "祖父母", "外祖父母", "孙子女", "外孙子女"}
    assert (flip.old_status, flip.new_status) == ("ineligible", "eligible")
    assert flip.old_failed == ("relative_in_scope_111",)
    # the reported applicant really does flip
    old, new = load_rulebook(rules_copy), load_rulebook(RULES)
    assert old.decide(flip.item, dict(flip.facts), flip.on).status == "ineligible"
    facts = {p: {k: v for k, v in kv.items()} for p, kv in flip.facts.items()}
    assert new.decide(flip.item, facts, flip.on).status == "eligible"


def test_material_and_time_limit_changes_are_listed(rules_copy: Path) -> None:
    item = rules_copy / "items" / "outpatient_reimbursement.yaml"
    text = item.read_text(encoding="utf-8").replace("      - name: 处方底方\n", "").replace("days: 30", "days: 20")
    item.write_text(text, encoding="utf-8").__int__()
    result = diff_rulebooks(load_rulebook(RULES), load_rulebook(rules_copy))
    assert {(c.change, c.what, c.detail) for c in result.changes} >= {("removed", "material", "普通门诊: 处方底方")}
    assert any(
        c.what == "time limit" and "20个工作日" not in c.detail and "30个工作日" in c.detail for c in result.changes
    ) or any(c.what == "time limit" for c in result.changes)
    assert result.flips == ()


def test_cli_diff(rules_copy: Path) -> None:
    old = pre_change_rules(rules_copy)
    data = json.loads(run_cli("diff", str(old), str(RULES), "--json").stdout)
    assert data["flips"][0]["old"] == {"status": "ineligible", "failed": ["relative_in_scope_111"]}
    human = run_cli("diff", str(old), str(RULES)).stdout
    assert "! 职工医保个人账户家庭共济办理 于 2023-01-01：不符合受理条件 → 符合受理条件" in human
    assert run_cli("diff", str(RULES), str(RULES)).stdout.strip() == "没有变化 (no changes)"
