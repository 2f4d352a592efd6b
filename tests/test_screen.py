"""Screening (一次告知): worked cases from the sources and Hypothesis properties for every item.

家庭共济 facts are the README's 兄弟姐妹 case: 《甘肃省就医费用报销“一件事”办事指南》 受理条件 and
甘医保函〔2023〕246号 (from 2023-01-01) against 甘政办发〔2021〕111号 第十六条 (配偶、父母、子女).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from yibao_rules import load_rulebook
from yibao_rules.testing.strategies import applicants, facts_for

from .conftest import run_cli

BOOK = load_rulebook()
SIBLING = {
    "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
    "family_member": {"relationship": "兄弟姐妹", "insured_province": "620000", "insurance_type": "城乡居民医保"},
}
FMA = "职工医保个人账户家庭共济办理"


def ids(entries: Any) -> list[str]:
    return [e.item_id for e in entries]


def test_a_sibling_is_eligible_for_family_mutual_aid_after_246() -> None:
    result = BOOK.screen(SIBLING, on=dt.date(2024, 1, 1))
    assert "family_mutual_aid" in ids(result.eligible)


def test_a_sibling_is_ineligible_before_246_citing_111() -> None:
    result = BOOK.screen(SIBLING, on=dt.date(2022, 7, 1))
    entry = next(e for e in result.ineligible if e.item_id == "family_mutual_aid")
    assert [f.rule for f in entry.failed] == ["relative_in_scope_111"]
    assert "第十六条" in entry.failed[0].citation
    # The bundle is offered as a whole: a member that excludes the applicant excludes the bundle.
    bundle = next(e for e in result.ineligible if e.item_id == "medical_expense_one_thing")
    assert bundle.kind == "bundle" and "family_mutual_aid:relative_in_scope_111" in [f.rule for f in bundle.failed]


def test_with_no_facts_nothing_is_eligible_and_one_question_is_proposed() -> None:
    result = BOOK.screen({}, on=dt.date(2026, 6, 1))
    assert result.eligible == () and result.ineligible == ()
    assert all(e.next_question is not None for e in result.undetermined)
    assert result.next_question is not None and result.settles >= 1
    # The proposed question really settles that many items: answer it with each value and count.
    key = result.next_question.fact
    values = result.next_question.values or (True, False)
    settled = {
        item.item_id
        for item in result.undetermined
        if item.kind == "item"
        and all(BOOK.decide(item.item_id, {key: v}, on=result.on).status != "undetermined" for v in values)
    }
    assert len(settled) == result.settles


def test_cli_screen_json_contract() -> None:
    out = run_cli("screen", "--facts", "-", "--on", "2024-01-01", "--json", stdin=json.dumps(SIBLING))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"on", "eligible", "undetermined", "ineligible", "next_question", "settles", "rulebook_version"}
    assert {"item": FMA, "item_id": "family_mutual_aid", "kind": "item"} in data["eligible"]
    assert all({"item", "item_id", "next_question"} <= set(e) for e in data["undetermined"])
    assert all({"item", "item_id", "failed"} <= set(e) for e in data["ineligible"])


def test_cli_screen_refuses_bad_facts() -> None:
    out = run_cli("screen", "--facts", "-", stdin='{"employer": {"relationship": "配偶"}}')
    assert out.returncode == 2 and "unknown fact 'employer.relationship'" in out.stderr


# -- properties, for every item ------------------------------------------------------------------------

ITEMS = sorted(i.id for i in BOOK.items.values() if i.plan)
DATES = st.dates(min_value=dt.date(2023, 8, 1), max_value=dt.date(2026, 12, 31))  # every item has rules in force


@given(st.sampled_from(ITEMS), st.data(), DATES)
def test_with_every_used_fact_known_no_item_is_undetermined(item: str, data: st.DataObject, on: dt.date) -> None:
    facts = data.draw(facts_for(BOOK, item, complete=True))
    decision = BOOK.decide(item, facts, on=on)
    assert decision.status != "undetermined", (facts, decision.reasons)


@given(applicants(BOOK), DATES)
def test_screen_agrees_with_decide_item_by_item(facts: dict[str, Any], on: dt.date) -> None:
    result = BOOK.screen(facts, on=on)
    groups = {e.item_id: e.status for e in (*result.eligible, *result.undetermined, *result.ineligible)}
    for item in BOOK.items:
        assert groups[item] == BOOK.decide(item, facts, on=on).status, item
    for bundle in BOOK.bundles.values():
        members = [BOOK.decide(m.item, facts, on=on).status for m in bundle.model.members]
        expected = (
            "ineligible" if "ineligible" in members else "eligible" if set(members) == {"eligible"} else "undetermined"
        )
        assert groups[bundle.id] == expected
