"""`check --consistency`: every recorded conflict and computed disagreement, as warnings that never fail check."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from yibao_rules import Rulebook, load_rulebook
from yibao_rules.consistency import consistency_warnings

from .conftest import run_cli


def test_relative_sets_conflict_is_reported_with_citations(rulebook: Rulebook) -> None:
    warnings = consistency_warnings(rulebook)
    conflict = [w for w in warnings if "111号 第十六条 的共济范围" in w.message]
    assert len(conflict) == 1
    assert conflict[0].location.path.endswith("citations.yaml")
    assert "甘医保函〔2023〕246号" in conflict[0].message and conflict[0].severity == "warning"


def test_bundle_material_claim_is_checked_against_members(rulebook: Rulebook, tmp_path: Path) -> None:
    """就医费用报销一件事 claims 5 → 3 materials: with the material catalogue its members name 3
    distinct documents, so there is no warning; without the catalogue they name 4, and the
    check says so, located at the bundle file."""
    assert not [w for w in consistency_warnings(rulebook) if "(materials)" in w.message]
    rules = tmp_path / "rules"
    shutil.copytree(rulebook.root, rules)
    (rules / "materials.yaml").unlink()
    (claim,) = [w for w in consistency_warnings(load_rulebook(rules)) if "(materials)" in w.message]
    assert "材料 (materials)：声称 5→3，按规则库数据计算为 4 (claimed 5→3, computed 4)" in claim.message
    assert claim.location.path.endswith("medical_expense_one_thing.yaml")


def test_time_claim_agrees_with_legal_and_promised_limits(rulebook: Rulebook) -> None:
    assert not [
        w for w in consistency_warnings(rulebook) if "time_working_days" in w.message or "声称时间" in w.message
    ]


def test_stage_sums_are_checked(rules_copy: Path) -> None:
    item = rules_copy / "items" / "relationship_transfer.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("days: 10\n", "days: 11\n"), encoding="utf-8")
    warnings = consistency_warnings(load_rulebook(rules_copy))
    assert any("各阶段合计 21 天" in w.message for w in warnings)


def test_every_recorded_conflict_is_reported(rulebook: Rulebook) -> None:
    recorded = sum(
        doc_text.count("kind: conflict")
        for doc_text in (Path(p).read_text(encoding="utf-8") for p in rulebook.documents)
    )
    reported = [w for w in consistency_warnings(rulebook) if w.message.startswith("来源不一致")]
    assert recorded >= 6 and len(reported) == recorded


def test_warnings_never_fail_check(tmp_path: Path) -> None:
    result = run_cli("check", "--consistency", cwd=tmp_path)
    assert result.returncode == 0
    assert "warning: 来源不一致" in result.stdout
    assert "consistency warning(s)" in result.stdout


def test_family_mutual_aid_dated_rules(rulebook: Rulebook) -> None:
    """职工医保个人账户家庭共济办理: a 兄弟姐妹 fails as of 2022-07-01 (111号 第十六条) and passes as of
    2023-07-01 (246号); the rules in force are chosen by date."""
    item = rulebook.item("职工医保个人账户家庭共济办理")
    facts = rulebook.vocabulary.normalise(
        {
            "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
            "family_member": {
                "relationship": "兄弟姐妹",
                "insured_province": "甘肃省",
                "insurance_type": "城乡居民医保",
            },
        }
    )

    def failing(on: dt.date) -> list[str]:
        return [
            rulebook.citation_text(step.rule.citation.ref, step.rule.citation.clause)
            for step in item.plan
            if step.rule.in_force(on) and step.condition.evaluate(facts, on) is False
        ]

    assert failing(dt.date(2022, 7, 1)) == [
        "《甘肃省人民政府办公厅关于印发甘肃省职工基本医疗保险门诊共济保障实施办法的通知》（甘政办发〔2021〕111号）第十六条"
    ]
    assert failing(dt.date(2023, 7, 1)) == []
    in_force_2023 = [step.rule.id for step in item.plan if step.rule.in_force(dt.date(2023, 7, 1))]
    assert "relative_in_scope_246" in in_force_2023 and "relative_in_scope_111" not in in_force_2023
