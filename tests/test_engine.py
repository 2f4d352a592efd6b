"""The decision engine on worked cases from the sources, Hypothesis properties, and bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from yibao_rules import FactsError, UnknownItemError, load_rulebook
from yibao_rules.calendar import beijing_today
from yibao_rules.engine import SituationError
from yibao_rules.testing.strategies import fact_values, facts_for

from .conftest import run_cli

BOOK = load_rulebook()
FMA = "职工医保个人账户家庭共济办理"
BEFORE, AFTER = dt.date(2022, 7, 1), dt.date(2023, 7, 1)


def gansu_case(relationship: str, **overrides: Any) -> dict[str, Any]:
    applicant = {"insured_province": "甘肃省", "insurance_type": "职工医保"}
    member = {"relationship": relationship, "insured_province": "甘肃省", "insurance_type": "城乡居民医保"}
    for key, value in overrides.items():
        party, name = key.split("__")
        (applicant if party == "applicant" else member)[name] = value
    return {"applicant": applicant, "family_member": member}


# -- 家庭共济 (甘肃省就医费用报销“一件事”办事指南; 甘政办发〔2021〕111号; 甘医保函〔2023〕246号) ------------


@pytest.mark.parametrize("relative", ["配偶", "父母", "子女"])
def test_core_relatives_are_eligible_under_both_documents(relative: str) -> None:
    assert BOOK.decide(FMA, gansu_case(relative), on=BEFORE).status == "eligible"
    assert BOOK.decide(FMA, gansu_case(relative), on=AFTER).status == "eligible"


@pytest.mark.parametrize("relative", ["兄弟姐妹", "祖父母", "外祖父母", "孙子女", "外孙子女"])
def test_relatives_added_by_246_flip_on_2023_01_01(relative: str) -> None:
    before = BOOK.decide(FMA, gansu_case(relative), on=BEFORE)
    assert before.status == "ineligible"
    (failed,) = [r for r in before.reasons if r.outcome == "failed"]
    assert failed.rule == "relative_in_scope_111" and "甘政办发〔2021〕111号" in failed.citation
    after = BOOK.decide(FMA, gansu_case(relative), on=AFTER)
    assert after.status == "eligible"
    assert "甘医保函〔2023〕246号" in next(r.citation for r in after.reasons if r.rule == "relative_in_scope_246")
    assert BOOK.decide(FMA, gansu_case(relative), on=dt.date(2022, 12, 31)).status == "ineligible"
    assert BOOK.decide(FMA, gansu_case(relative), on=dt.date(2023, 1, 1)).status == "eligible"


def test_other_relations_are_never_eligible() -> None:
    assert BOOK.decide(FMA, gansu_case("其他"), on=AFTER).status == "ineligible"


@pytest.mark.parametrize(
    ("override", "rule"),
    [
        ({"applicant__insured_province": "四川省"}, "holder_insured_in_gansu"),
        ({"family_member__insured_province": "陕西"}, "member_insured_in_gansu"),
        ({"applicant__insurance_type": "城乡居民医保"}, "holder_is_employee_insured"),
        ({"family_member__insurance_type": "未参保"}, "member_insured"),
    ],
)
def test_cross_province_and_uninsured_cases_fail_the_right_rule(override: dict[str, str], rule: str) -> None:
    decision = BOOK.decide(FMA, gansu_case("配偶", **override), on=AFTER)
    assert decision.status == "ineligible"
    assert [r.rule for r in decision.reasons if r.outcome == "failed"] == [rule]
    assert decision.missing_facts == () and decision.next_questions == ()


def test_ineligible_as_soon_as_one_rule_is_false_whatever_is_missing() -> None:
    decision = BOOK.decide(FMA, {"applicant": {"insured_province": "四川省"}}, on=AFTER)
    assert decision.status == "ineligible"


def test_undetermined_lists_missing_facts_with_chinese_questions() -> None:
    decision = BOOK.decide(FMA, {"family_member": {"relationship": "配偶"}}, on=AFTER)
    assert decision.status == "undetermined"
    assert set(decision.missing_facts) == {
        "applicant.insured_province",
        "applicant.insurance_type",
        "family_member.insured_province",
        "family_member.insurance_type",
    }
    first = decision.next_questions[0]
    assert first.fact in decision.missing_facts and "？" in first.question


def test_rules_needing_fewer_answers_are_asked_first() -> None:
    decision = BOOK.decide("五种门诊慢特病费用跨省直接结算", {}, on=AFTER)
    assert decision.missing_facts == ("applicant.cross_region_filed",)
    assert decision.next_questions[0].question == "申请人是否已办理异地就医备案？"


def test_enumeration_settles_what_kleene_logic_cannot(tmp_path: Any, rules_copy: Any) -> None:
    item = rules_copy / "items" / "chronic_disease_cross_province_settlement.yaml"
    text = item.read_text(encoding="utf-8").replace(
        "condition: applicant.cross_region_filed",
        "condition: applicant.cross_region_filed or not applicant.cross_region_filed",
    )
    item.write_text(text, encoding="utf-8")
    decision = load_rulebook(rules_copy).decide("五种门诊慢特病费用跨省直接结算", {}, on=AFTER)
    assert decision.status == "eligible" and decision.missing_facts == ()


def test_an_item_without_rules_is_never_eligible(rules_copy: Any) -> None:
    """`eligible` is never given for lack of rules: with none in force the answer is undetermined."""
    item = rules_copy / "items" / "chronic_disease_cross_province_settlement.yaml"
    text = item.read_text(encoding="utf-8")
    start, end = text.index("eligibility:"), text.index("situations:")
    item.write_text(text[:start] + text[end:], encoding="utf-8")
    decision = load_rulebook(rules_copy).decide("五种门诊慢特病费用跨省直接结算", {}, on=AFTER)
    assert decision.status == "undetermined" and decision.reasons == ()
    assert any("never eligible for lack of rules" in n for n in decision.notes)


def test_a_date_with_no_rule_in_force_is_undetermined(rules_copy: Any) -> None:
    item = rules_copy / "items" / "chronic_disease_cross_province_settlement.yaml"
    text = item.read_text(encoding="utf-8")
    assert "    effective_from: 2021-12-31\n" in text  # 实施日期 2021年12月31日 (一件事办事指南)
    text = text.replace("    effective_from: 2021-12-31\n", "    effective_from: 2030-01-01\n")
    item.write_text(text, encoding="utf-8")
    book = load_rulebook(rules_copy)
    facts = {"applicant": {"cross_region_filed": True}}
    assert book.decide("五种门诊慢特病费用跨省直接结算", facts, on=AFTER).status == "undetermined"


# -- Hypothesis properties -------------------------------------------------------------------

items_with_rules = sorted(i.id for i in BOOK.items.values() if i.model.eligibility)
dates = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2026, 12, 31))


@given(st.sampled_from(items_with_rules), st.data(), dates)
@settings(max_examples=300, deadline=None)
def test_adding_facts_never_unsettles_a_decision(item: str, data: st.DataObject, on: dt.date) -> None:
    facts, more = data.draw(facts_for(BOOK, item)), data.draw(facts_for(BOOK, item))
    first = BOOK.decide(item, facts, on=on)
    second = BOOK.decide(item, {**more, **facts}, on=on)
    if first.status != "undetermined":
        assert second.status == first.status


@given(st.sampled_from(items_with_rules), dates, st.data())
@settings(max_examples=300, deadline=None)
def test_answering_every_missing_fact_settles_the_case(item: str, on: dt.date, data: st.DataObject) -> None:
    assume(BOOK.item(item).rules_in_force(on))  # with no rule in force no answer settles it (undetermined)
    facts = data.draw(facts_for(BOOK, item))
    decision = BOOK.decide(item, facts, on=on)
    answers = {k: data.draw(fact_values(BOOK, k)) for k in decision.missing_facts}
    assert BOOK.decide(item, {**facts, **answers}, on=on).status != "undetermined"


@given(st.sampled_from(items_with_rules), st.data(), dates, st.randoms())
@settings(max_examples=200, deadline=None)
def test_decision_does_not_depend_on_key_order(item: str, data: st.DataObject, on: dt.date, rnd: Any) -> None:
    facts = data.draw(facts_for(BOOK, item))
    keys = list(facts)
    rnd.shuffle(keys)
    assert BOOK.decide(item, {k: facts[k] for k in keys}, on=on) == BOOK.decide(item, facts, on=on)


# -- checklists and bundles --------------------------------------------------------------------


def test_outpatient_checklists_expand_inheritance() -> None:
    """门诊费用报销: 意外伤害就医 and 急诊 include 「上述普通门诊办理资料」."""
    base = [m.name for m in BOOK.checklist("门诊费用报销", situation="普通门诊").materials]
    assert base == ["医保电子凭证或有效身份证件或社保卡", "医院收费票据", "门诊费用清单", "处方底方"]
    accident = BOOK.checklist("门诊费用报销", situation="意外伤害就医")
    assert [m.name for m in accident.materials][:4] == base
    proof = accident.materials[-1]
    assert proof.name.startswith("交警事故认定书") and proof.count == 1 and proof.form == "复印件"
    assert [s["kind"] for s in proof.substitutes] == ["个人承诺书"]
    emergency = [m.name for m in BOOK.checklist("门诊费用报销", situation="急诊").materials]
    assert emergency == [*base, "急诊诊断证明"]


def test_inpatient_checklist() -> None:
    names = [m.name for m in BOOK.checklist("住院费用报销", situation="急诊转住院").materials]
    assert names == [
        "医保电子凭证或有效身份证件或社保卡",
        "医院收费票据",
        "住院费用清单",
        "诊断证明、病历资料",
        "急诊诊断证明",
    ]


def test_data_sharing_substitute_for_death_certificate() -> None:
    """参保人员个人账户一次性支取: 死亡证明 or 数据共享; 个人承诺书 when it cannot be queried."""
    materials = BOOK.checklist("参保人员个人账户一次性支取", situation="因死亡退保的参保人员").materials
    death = next(m for m in materials if m.name == "死亡证明")
    assert [s["kind"] for s in death.substitutes] == ["数据共享", "个人承诺书"]


def test_bundle_merges_and_compares_claims() -> None:
    report = BOOK.bundle_report("就医费用报销一件事", gansu_case("配偶"), on=AFTER)
    assert report.members[0].item == "职工医保个人账户家庭共济办理" and report.members[0].status == "eligible"
    names = [m.name for m in report.materials]
    assert len(names) == len(set(names)) == 3
    # 受理条件 二 writes 有效身份证件, 三 and 四 参保人员有效身份证件: one document (rules/materials.yaml)
    identity = next(m for m in report.materials if m.name == "有效身份证件")
    assert identity.members == (
        "基本医疗保险参保人员异地就医备案",
        "五种门诊慢特病费用跨省直接结算",
        "医疗费用报销直接结算",
    )
    assert report.metrics["materials"] == 3 == report.claims["materials"]["after"]
    assert not [w for w in report.warnings if "(materials)" in w]
    assert any("参保人员有效身份证件" in n and "同一材料" in n for n in report.notes)
    assert report.metrics["time_working_days"] == report.claims["time_working_days"]["after"] == 2


def test_bundle_checklist_is_a_subset_of_the_members_union() -> None:
    report = BOOK.bundle_report("medical_expense_one_thing")
    union = {
        m.name
        for d in BOOK.bundle("medical_expense_one_thing").model.members
        for s in BOOK.items[d.item].model.situations
        for m in s.materials
    }
    assert {m.name for m in report.materials} <= union


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "keyword"),
    [
        (lambda: BOOK.decide("家庭共济", {}), UnknownItemError, "unknown item"),
        (lambda: BOOK.decide(FMA, {"family_member": {"relationship": "兄妹"}}), FactsError, "allowed: 配偶"),
        (lambda: BOOK.decide(FMA, {"applicant": {"insured_province": 62}}), FactsError, "not a province"),
        (lambda: BOOK.decide(FMA, {}, on="2023-01-01"), FactsError, "must be a date"),  # type: ignore[arg-type]
        (lambda: BOOK.checklist("门诊费用报销", situation="普通门珍"), SituationError, "did you mean '普通门诊'?"),
        (lambda: BOOK.checklist(FMA, situation="意外伤害就医"), SituationError, "has no 情形"),
        (lambda: BOOK.bundle_report("就医一件事"), UnknownItemError, "unknown bundle"),
    ],
)
def test_bad_input_is_a_clear_library_error(call: Any, error: type[Exception], keyword: str) -> None:
    with pytest.raises(error, match=keyword):
        call()


# -- CLI contract ------------------------------------------------------------------------------


def test_evaluate_json_contract(tmp_path: Any) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(gansu_case("兄弟姐妹"), ensure_ascii=False), encoding="utf-8")
    result = run_cli("evaluate", FMA, "--facts", str(facts), "--on", "2022-07-01", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert {"item", "status", "reasons", "missing_facts", "next_questions"} <= set(data)
    assert data["item"] == FMA and data["status"] == "ineligible"
    assert {"rule", "message", "citation"} <= set(data["reasons"][0])


def test_evaluate_reads_stdin_and_reports_undetermined() -> None:
    result = run_cli(
        "evaluate",
        "family_mutual_aid",
        "--facts",
        "-",
        "--json",
        "--on",
        "2023-07-01",
        stdin='{"family_member": {"relationship": "配偶"}}',
    )
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["status"] == "undetermined"
    assert data["next_questions"][0]["fact"] == data["missing_facts"][0]


@pytest.mark.parametrize(
    ("stdin", "keyword"),
    [
        ('{"applicant": {"insured_provnce": "甘肃"}}', "did you mean 'applicant.insured_province'?"),
        ("{not json", "not valid JSON"),
        ('["applicant"]', "JSON object"),
    ],
)
def test_evaluate_bad_facts_exit_2(stdin: str, keyword: str) -> None:
    result = run_cli("evaluate", "family_mutual_aid", "--facts", "-", stdin=stdin)
    assert result.returncode == 2 and keyword in result.stderr and "Traceback" not in result.stderr


def test_checklist_and_bundle_json_contracts() -> None:
    data = json.loads(run_cli("checklist", "门诊费用报销", "--situation", "急诊", "--json").stdout)
    assert data["situation"] == "急诊" and {"name", "required", "substitutes"} <= set(data["materials"][0])
    data = json.loads(run_cli("bundle", "就医费用报销一件事", "--json").stdout)
    assert {"bundle", "members", "materials", "metrics", "claims", "warnings"} <= set(data)
    assert {"item", "status"} <= set(data["members"][0])


def test_interview_asks_until_decided() -> None:
    answers = "\n".join(["甘肃", "1", "甘肃省", "2", "兄弟姐妹"]) + "\n"
    result = run_cli("interview", FMA, "--on", "2023-07-01", stdin=answers)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("？") >= 5
    assert "符合受理条件" in result.stdout and "不符合" not in result.stdout


def test_interview_re_asks_on_a_bad_answer_and_stops_when_ineligible() -> None:
    result = run_cli("interview", FMA, "--on", "2023-07-01", stdin="火星\n四川省\n")
    assert "无法识别的回答" in result.stdout and "不符合受理条件" in result.stdout


def test_interview_with_too_few_answers_exits_cleanly() -> None:
    result = run_cli("interview", FMA, stdin="甘肃省\n")
    assert result.returncode == 2 and "input ended" in result.stderr  # bad input, not a rulebook problem


def test_situation_material_and_substitute_conditions(rules_copy: Any) -> None:
    """The mechanism behind `when:` (the sources themselves give no such conditions): a 情形 chosen by
    the facts, a material left out when its condition is false, a substitute flagged while unknown."""
    item = rules_copy / "items" / "chronic_disease_cross_province_settlement.yaml"
    text = item.read_text(encoding="utf-8")
    text = text.replace(
        "situations:\n  - name: 跨省直接结算\n    materials:\n      - name: 参保人员有效身份证件\n",
        "situations:\n"
        "  - name: 跨省直接结算\n"
        "    when: applicant.cross_region_filed\n"
        "    materials:\n"
        "      - name: 参保人员有效身份证件\n"
        "        substitutes:\n"
        "          - kind: 电子证照\n"
        '            when: applicant.insured_province == "甘肃省"\n'
        "      - name: 五种门诊慢特病费用跨省直接结算\n"
        '        when: applicant.insurance_type == "职工医保"\n'
        "  - name: 直接结算\n"
        "    when: not applicant.cross_region_filed\n"
        "    materials: []\n",
    )
    item.write_text(text, encoding="utf-8")
    book = load_rulebook(rules_copy)
    name = "五种门诊慢特病费用跨省直接结算"

    unknown = book.checklist(name, {"applicant": {"cross_region_filed": True}})
    assert unknown.situation == "跨省直接结算"
    (identity, extra) = unknown.materials
    assert identity.substitutes[0]["conditional"] is True and extra.conditional is True

    known = book.checklist(
        name,
        {"applicant": {"cross_region_filed": True, "insured_province": "四川省", "insurance_type": "城乡居民医保"}},
    )
    assert [m.name for m in known.materials] == ["参保人员有效身份证件"]
    assert known.materials[0].substitutes == ()

    assert book.checklist(name, {"applicant": {"cross_region_filed": False}}).situation == "直接结算"
    undecided = book.checklist(name, {})
    assert undecided.situation is None and undecided.materials == ()
    assert [q.fact for q in undecided.next_questions] == ["applicant.cross_region_filed"]


def test_the_default_date_is_today_in_beijing_whatever_the_machines_zone() -> None:
    """The CLI, the library and the service share one default date (Asia/Shanghai)."""
    assert BOOK.decide("family_mutual_aid", {}).on == beijing_today()
    exe = Path(sys.executable).with_name("yibao-rules")
    for zone in ("UTC", "America/Los_Angeles", "Pacific/Kiritimati"):
        run = subprocess.run(
            [str(exe), "evaluate", "family_mutual_aid", "--json"],
            capture_output=True,
            text=True,
            env={**os.environ, "TZ": zone},
            check=True,
        )
        assert json.loads(run.stdout)["on"] == beijing_today().isoformat()
