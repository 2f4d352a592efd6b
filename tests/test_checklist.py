"""情形 chosen from the facts: the mechanism, on an item file written for the test.

The item below is made up for the mechanism only (its materials are placeholders, not
policy); the embedded rulebook's 情形 are tested against the sources in
tests/test_item_statuses.py and the scenario files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao_rules import load_rulebook
from yibao_rules.engine import SituationError

ITEM = """\
id: situation_mechanism
name: 情形选择机制测试事项
jurisdiction: "620000"
source: {ref: gansu_service_guide, section: 四}
eligibility:
  - id: filed
    condition: applicant.cross_region_filed
    message: 须已备案
    citation: {ref: gansu_service_guide, section: 四}
situations:
  - name: 基本
    materials:
      - name: 材料甲
  - name: 职工
    when: applicant.insurance_type == "职工医保"
    inherits: [基本]
    materials:
      - name: 材料乙
      - name: 材料甲
  - name: 居民
    when: applicant.insurance_type == "城乡居民医保"
    materials:
      - name: 材料丙
  - name: 甘肃
    when: applicant.insured_province == "甘肃省"
    materials:
      - name: 材料丁
"""

ALTERNATIVES = """\
id: alternatives_only
name: 只有备选情形的事项
jurisdiction: "620000"
source: {ref: gansu_service_guide, section: 四}
eligibility:
  - id: filed
    condition: applicant.cross_region_filed
    message: 须已备案
    citation: {ref: gansu_service_guide, section: 四}
situations:
  - name: 职工
    when: applicant.insurance_type == "职工医保"
    materials:
      - name: 材料乙
  - name: 居民
    when: applicant.insurance_type == "城乡居民医保"
    materials:
      - name: 材料丙
"""


@pytest.fixture
def book(rules_copy: Path):  # type: ignore[no-untyped-def]
    (rules_copy / "items" / "situation_mechanism.yaml").write_text(ITEM, encoding="utf-8")
    (rules_copy / "items" / "alternatives_only.yaml").write_text(ALTERNATIVES, encoding="utf-8")
    return load_rulebook(rules_copy)


def names(checklist) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.name for m in checklist.materials]


def test_a_situation_without_when_applies_to_everyone(book) -> None:  # type: ignore[no-untyped-def]
    result = book.checklist(
        "situation_mechanism", {"applicant": {"insurance_type": "城乡居民医保", "insured_province": "四川省"}}
    )
    assert result.situations == ("基本", "居民") and result.situation == "基本、居民"
    assert names(result) == ["材料甲", "材料丙"]
    assert not any(m.conditional for m in result.materials) and result.next_questions == ()


def test_several_situations_merge_each_material_once(book) -> None:  # type: ignore[no-untyped-def]
    result = book.checklist(
        "situation_mechanism", {"applicant": {"insurance_type": "职工医保", "insured_province": "甘肃省"}}
    )
    assert result.situations == ("基本", "职工", "甘肃")
    assert names(result) == ["材料甲", "材料乙", "材料丁"]  # 材料甲 is named twice and listed once


def test_an_open_situation_adds_conditional_materials_and_a_question(book) -> None:  # type: ignore[no-untyped-def]
    result = book.checklist("situation_mechanism", {"applicant": {"insurance_type": "职工医保"}})
    assert result.situations == ("基本", "职工")
    by_name = {m.name: m for m in result.materials}
    assert by_name["材料丁"].conditional and by_name["材料丁"].situation == "甘肃"
    assert not by_name["材料乙"].conditional
    assert [q.fact for q in result.next_questions] == ["applicant.insured_province"]
    assert result.next_questions[0].party == "applicant"


def test_nothing_selected_yet_gives_the_next_question_not_an_error(book) -> None:  # type: ignore[no-untyped-def]
    result = book.checklist("alternatives_only", {})
    assert result.situation is None and result.materials == ()
    assert [q.fact for q in result.next_questions] == ["applicant.insurance_type"]
    assert any("answer the questions" in n for n in result.notes)


def test_no_situation_applies_says_so(book) -> None:  # type: ignore[no-untyped-def]
    # Every 情形 of the item is ruled out by the facts: no materials, no question, a note.
    rules = book.root
    text = (rules / "items" / "alternatives_only.yaml").read_text(encoding="utf-8")
    (rules / "items" / "alternatives_only.yaml").write_text(
        text.replace('== "城乡居民医保"', '== "职工医保" and applicant.cross_region_filed'), encoding="utf-8"
    )
    result = load_rulebook(rules).checklist(
        "alternatives_only", {"applicant": {"insurance_type": "城乡居民医保", "cross_region_filed": True}}
    )
    assert result.materials == () and result.next_questions == ()
    assert any("none of this item's 情形 applies" in n for n in result.notes)


def test_a_named_situation_overrides_the_facts(book) -> None:  # type: ignore[no-untyped-def]
    result = book.checklist("situation_mechanism", {"applicant": {"insurance_type": "城乡居民医保"}}, situation="职工")
    assert result.situations == ("职工",) and names(result) == ["材料甲", "材料乙"]


@pytest.mark.parametrize("item", ["situation_mechanism", "family_mutual_aid"])
def test_an_unknown_situation_is_refused_on_every_item(book, item: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SituationError, match="没有情形"):
        book.checklist(item, situation="意外伤害就医")


# -- the embedded rulebook: 情形 from the source's own 服务对象 ---------------------------------------


def test_item_9_death_withdrawal_checklist_without_a_situation() -> None:
    """四（二）9（5）②: 因死亡退保的参保人员需提供 继承人身份证；银行卡账户信息；死亡证明或通过数据共享查询
    死亡信息。无法查询时：个人承诺书。"""
    book = load_rulebook()
    facts = {"applicant": {"withdrawal_category": "因死亡退保"}}
    result = book.checklist("参保人员个人账户一次性支取", facts)
    assert result.situations == ("因死亡退保的参保人员",)
    by_name = {m.name: m for m in result.materials}
    assert "继承人身份证" in by_name
    assert [s["kind"] for s in by_name["死亡证明"].substitutes] == ["数据共享", "个人承诺书"]
    assert not any(m.conditional for m in result.materials)


def test_item_9_without_facts_asks_which_kind_of_person() -> None:
    result = load_rulebook().checklist("参保人员个人账户一次性支取", {})
    assert result.materials == () and result.next_questions[0].fact == "applicant.withdrawal_category"
