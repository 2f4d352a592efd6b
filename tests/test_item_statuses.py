"""Every item decides (issue 11): with no facts, an item whose source restricts who it is for
is ``undetermined`` and asks a question, never ``eligible`` for anyone.

The table is written from the sources, not computed from the rulebook: each row names the item,
the status expected for ``{}`` facts, the party whose fact is asked first, and the section of the
source that restricts the 服务对象 / 受理条件 (which some rule of the item must cite).
"""

from __future__ import annotations

import datetime as dt

import pytest

from yibao_rules import Rulebook

ON = dt.date(2026, 6, 1)
U = "undetermined"
GUIDE = "gansu_service_guide"  # 甘肃省医疗保障经办政务服务办事指南（试行）
ONE_THING = "gansu_one_thing_guide"  # 甘肃省就医费用报销“一件事”办事指南
DAYE = "daye_2022_8"  # 冶医保发〔2022〕8号

# (item, status for {}, party asked first, (citation ref, section or clause the 服务对象 rule cites))
TABLE: list[tuple[str, str, str, tuple[str, str]]] = [
    # 甘肃省医疗保障经办政务服务办事指南（试行） 四, items 1–28: each （2）服务对象
    ("单位参保登记", U, "employer", (GUIDE, "四（一）1（2）")),  # 经相关部门批准成立的用人单位
    ("职工参保登记", U, "applicant", (GUIDE, "四（一）2（2）")),  # 新参加医疗保险的参保单位或参保人员
    ("城乡居民参保登记", U, "applicant", (GUIDE, "四（一）3（2）")),  # 城乡非从业居民、各类学生、学龄前儿童
    ("单位参保信息变更登记", U, "employer", (GUIDE, "四（一）4（2）")),  # 登记信息发生变更的参保单位
    ("职工参保信息变更登记", U, "applicant", (GUIDE, "四（一）5（2）")),  # 登记信息改变的参保职工
    ("城乡居民参保信息变更登记", U, "applicant", (GUIDE, "四（一）6（2）")),  # 登记信息改变的城乡居民
    ("参保单位参保信息查询", U, "employer", (GUIDE, "四（二）7（2）")),  # 已参加基本医疗保险的参保单位
    ("参保人员参保信息查询", U, "applicant", (GUIDE, "四（二）8（2）")),  # 已参加基本医疗保险的参保人员
    ("参保人员个人账户一次性支取", U, "applicant", (GUIDE, "四（二）9（2）")),  # ①–⑤ 五类人员
    ("出具《参保凭证》", U, "applicant", (GUIDE, "四（三）10（2）")),  # 申请办理职工医疗保险关系转移的参保人员
    ("转移接续手续办理", U, "applicant", (GUIDE, "四（三）11（2）")),  # 申请办理职工基本医疗保险关系接续的参保人员
    ("异地安置退休人员备案", U, "applicant", (GUIDE, "四（四）12（2）")),  # 退休后在异地定居且户籍迁入定居地
    ("异地长期居住人员备案", U, "applicant", (GUIDE, "四（四）13（2）")),  # 异地居住生活且符合参保地规定
    ("常驻异地工作人员备案", U, "applicant", (GUIDE, "四（四）14（2）")),  # 用人单位派驻异地工作且符合参保地规定
    ("异地转诊人员备案", U, "applicant", (GUIDE, "四（四）15（2）")),  # 符合参保地转诊转院规定的转诊转院人员
    ("基本医疗保险参保人员享受门诊慢特病病种待遇认定", U, "applicant", (GUIDE, "四（五）16（2）")),
    ("门诊费用报销", U, "applicant", (GUIDE, "四（六）17（2）")),  # 未能即时结算的参保人员
    ("住院费用报销", U, "applicant", (GUIDE, "四（六）18（2）")),  # 未能即时结算的参保人员
    ("产前检查费支付", U, "applicant", (GUIDE, "四（七）19（2）")),  # 符合生育保险规定的生育人员
    ("生育医疗费支付", U, "applicant", (GUIDE, "四（七）20（2）")),  # 符合生育保险规定的参保职工
    ("计划生育医疗费支付", U, "applicant", (GUIDE, "四（七）21（2）")),  # 符合生育保险规定的参保职工
    ("生育津贴支付", U, "applicant", (GUIDE, "四（七）22（2）")),  # 符合生育保险规定的参保职工
    (
        "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴",
        U,
        "applicant",
        (GUIDE, "四（八）23（2）"),  # 参加城乡居民医保的参保人员中，符合资助条件的救助对象
    ),
    ("医疗救助对象手工（零星）报销", U, "applicant", (GUIDE, "四（八）24（2）")),  # 参保救助对象 ①–④
    ("医疗机构申请定点协议管理", U, "institution", (GUIDE, "四（九）25（2）")),  # 经卫健部门批准成立的医疗机构
    ("零售药店申请定点协议管理", U, "institution", (GUIDE, "四（九）26（2）")),  # 经市场监管部门批准成立的零售药店
    ("基本医疗保险定点医疗机构费用结算", U, "institution", (GUIDE, "四（十）27（2）")),  # 定点医疗机构
    ("基本医疗保险定点零售药店费用结算", U, "institution", (GUIDE, "四（十）28（2）")),  # 定点零售药店
    # 甘肃省就医费用报销“一件事”办事指南: the bundle's four members
    ("职工医保个人账户家庭共济办理", U, "applicant", (ONE_THING, "适用对象说明")),  # 仅支持甘肃省内参保人员
    ("基本医疗保险参保人员异地就医备案", U, "applicant", (ONE_THING, "涉及的内容")),  # 事项名称：参保人员
    ("五种门诊慢特病费用跨省直接结算", U, "applicant", (ONE_THING, "受理条件 三")),  # 1.异地就医备案人员
    ("医疗费用报销直接结算", U, "applicant", (ONE_THING, "医疗费用报销直接结算 政策内容")),  # 结算参保人员……费用
    # 冶医保发〔2022〕8号 附件1 三、服务对象 / 五、申请条件
    ("慢性病规定病种申报一件事", U, "applicant", (DAYE, "附件1 五、申请条件 1")),  # 参加我市基本医疗保险
]

BUNDLES = {"就医费用报销一件事": U}  # every member restricts its 服务对象


def test_the_table_lists_every_item_once(rulebook: Rulebook) -> None:
    names = [row[0] for row in TABLE]
    assert len(names) == len(set(names)) == 33
    assert set(names) == {item.name for item in rulebook.items.values()}
    assert set(BUNDLES) == {bundle.name for bundle in rulebook.bundles.values()}


@pytest.mark.parametrize(("item", "status", "party", "cited"), TABLE, ids=[row[0] for row in TABLE])
def test_status_with_no_facts(rulebook: Rulebook, item: str, status: str, party: str, cited: tuple[str, str]) -> None:
    decision = rulebook.decide(item, {}, on=ON)
    assert decision.status == status
    if status == "undetermined":
        assert decision.next_questions, "an undetermined item must say what to ask next"
        assert decision.next_questions[0].fact.startswith(f"{party}.")
        assert all(q.question for q in decision.next_questions)


@pytest.mark.parametrize(("item", "status", "party", "cited"), TABLE, ids=[row[0] for row in TABLE])
def test_a_rule_cites_the_service_object_section(
    rulebook: Rulebook, item: str, status: str, party: str, cited: tuple[str, str]
) -> None:
    ref, where = cited
    rules = rulebook.item(item).model.eligibility
    assert any(r.citation.ref == ref and where in (r.citation.section or r.citation.clause or "") for r in rules), (
        f"no eligibility rule of {item} cites {ref} {where}"
    )


@pytest.mark.parametrize(("bundle", "status"), BUNDLES.items())
def test_bundle_members_with_no_facts(rulebook: Rulebook, bundle: str, status: str) -> None:
    report = rulebook.bundle_report(bundle, {}, on=ON)
    assert [m.status for m in report.members] == [status] * len(report.members)


# -- parties: a decision's next question addresses whoever can answer it ---------------------------


@pytest.mark.parametrize("item", ["单位参保登记", "单位参保信息变更登记", "参保单位参保信息查询"])
def test_employer_items_ask_the_employer(rulebook: Rulebook, item: str) -> None:
    """四（一）1、4 and 四（二）7 serve 用人单位 / 参保单位."""
    questions = rulebook.decide(item, {}, on=ON).next_questions
    assert questions and questions[0].fact.startswith("employer.")
    assert all(q.fact.startswith("employer.") for q in questions)


@pytest.mark.parametrize(
    "item",
    [
        "医疗机构申请定点协议管理",
        "零售药店申请定点协议管理",
        "基本医疗保险定点医疗机构费用结算",
        "基本医疗保险定点零售药店费用结算",
    ],
)
def test_institution_items_ask_the_institution(rulebook: Rulebook, item: str) -> None:
    """四（九）25–26 and 四（十）27–28 serve 医疗机构 / 零售药店 / 定点医药机构."""
    questions = rulebook.decide(item, {}, on=ON).next_questions
    assert questions and questions[0].fact.startswith("institution.")
    assert all(q.fact.startswith("institution.") for q in questions)


def test_new_parties_are_declared(rulebook: Rulebook) -> None:
    facts = rulebook.vocabulary.facts
    assert any(key.startswith("employer.") for key in facts)
    assert any(key.startswith("institution.") for key in facts)


# -- 四（二）9 参保人员个人账户一次性支取: five kinds of person ---------------------------------------

WITHDRAWAL = "参保人员个人账户一次性支取"
FIVE_KINDS = [  # 四（二）9（2）①–⑤, as the source writes each kind of person
    ("因死亡退保", "因死亡退保的参保人员"),
    ("出国定居", "出国定居的人员"),
    ("主动放弃参加职工基本医疗保险", "主动放弃参加职工基本医疗保险的人员"),
    ("长期异地安置", "长期异地安置的参保人员"),
    ("医疗保险关系转移时无法转移个人账户资金", "医疗保险关系转移时无法转移个人账户资金的参保人员"),
]


def test_death_withdrawal_is_eligible(rulebook: Rulebook) -> None:
    decision = rulebook.decide(WITHDRAWAL, {"applicant": {"withdrawal_category": "因死亡退保"}}, on=ON)
    assert decision.status == "eligible" and decision.next_questions == ()


def test_none_of_the_five_kinds_is_ineligible_citing_the_service_objects(rulebook: Rulebook) -> None:
    decision = rulebook.decide(WITHDRAWAL, {"applicant": {"withdrawal_category": "其他"}}, on=ON)
    assert decision.status == "ineligible"
    failed = [r.rule for r in decision.reasons if r.outcome == "failed"]
    rules = {r.id: r for r in rulebook.item(WITHDRAWAL).model.eligibility}
    assert failed and all(rules[f].citation.section == "四（二）9（2）" for f in failed)


def test_the_decision_shows_the_cited_section(rulebook: Rulebook) -> None:
    """The reason given to the applicant names the section it rests on, not just the guide's title."""
    decision = rulebook.decide(WITHDRAWAL, {"applicant": {"withdrawal_category": "其他"}}, on=ON)
    failed = [r for r in decision.reasons if r.outcome == "failed"]
    assert failed and all("四（二）9（2）" in r.citation for r in failed)


@pytest.mark.parametrize(("value", "situation"), FIVE_KINDS)
def test_each_kind_is_eligible_and_selects_its_own_situation(rulebook: Rulebook, value: str, situation: str) -> None:
    facts = {"applicant": {"withdrawal_category": value}}
    assert rulebook.decide(WITHDRAWAL, facts, on=ON).status == "eligible"
    item = rulebook.item(WITHDRAWAL).model
    (chosen,) = [s for s in item.situations if s.name == situation]
    assert chosen.when is not None and f'"{value}"' in chosen.when
    assert rulebook.checklist(WITHDRAWAL, facts, on=ON).situation == situation


def test_withdrawal_values_are_the_sources_kinds_plus_other(rulebook: Rulebook) -> None:
    fact = rulebook.vocabulary.facts["applicant.withdrawal_category"]
    assert list(fact.values) == [value for value, _ in FIVE_KINDS] + ["其他"]
