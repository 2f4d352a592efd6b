"""The durable-rules engine against the native one: same Decision for complete facts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao_rules import Rulebook, load_rulebook
from yibao_rules.engines.durable import DurableEngine, NotTranslatableError
from yibao_rules.testing.strategies import facts_for

from ..conftest import run_cli

BOOK = load_rulebook()
ENGINE = DurableEngine(BOOK)
ITEMS = sorted(BOOK.items)
DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 12, 31))


@st.composite
def complete_cases(draw: st.DrawFn) -> tuple[str, dict[str, Any], dt.date]:
    item = draw(st.sampled_from(ITEMS))
    return item, draw(facts_for(BOOK, item, complete=True)), draw(DATES)


@given(complete_cases())
def test_engines_agree_on_complete_facts(case: tuple[str, dict[str, Any], dt.date]) -> None:
    item, facts, on = case
    native, durable = BOOK.decide(item, facts, on), ENGINE.decide(item, facts, on)
    assert durable.status == native.status
    assert {r.rule for r in durable.reasons if r.outcome == "failed"} == {
        r.rule for r in native.reasons if r.outcome == "failed"
    }
    assert durable == native


@given(st.sampled_from(ITEMS), st.data(), DATES)
def test_with_unknown_facts_durable_is_kleene(item: str, data: st.DataObject, on: dt.date) -> None:
    """Missing facts: durable gives Kleene's answer, never contradicting the native engine."""
    facts = data.draw(facts_for(BOOK, item))
    native, durable = BOOK.decide(item, facts, on), ENGINE.decide(item, facts, on)
    assert durable.status in (native.status, "undetermined")
    for d, n in zip(durable.reasons, native.reasons, strict=True):
        assert d.rule == n.rule and d.outcome == n.outcome  # per rule, both are Kleene


def test_family_mutual_aid_2023_change_through_durable() -> None:
    facts = {"family_member": {"relationship": "兄弟姐妹"}}
    before = ENGINE.decide("职工医保个人账户家庭共济办理", facts, on=dt.date(2022, 7, 1))
    assert before.status == "ineligible"
    assert [r.rule for r in before.reasons if r.outcome == "failed"] == ["relative_in_scope_111"]


def test_several_rulebooks_in_one_process(rules_copy: Any) -> None:
    other = DurableEngine(load_rulebook(rules_copy))
    assert other.prefix != ENGINE.prefix
    facts = {"applicant": {"cross_region_filed": True}}
    assert other.decide("五种门诊慢特病费用跨省直接结算", facts) == ENGINE.decide(
        "五种门诊慢特病费用跨省直接结算", facts
    )


def test_untranslatable_condition_is_a_clear_error(rules_copy: Any) -> None:
    item = rules_copy / "items" / "chronic_disease_cross_province_settlement.yaml"
    item.write_text(
        item.read_text(encoding="utf-8").replace(
            "condition: applicant.cross_region_filed", "condition: days_between(today, today) == 0"
        ),
        encoding="utf-8",
    )
    book: Rulebook = load_rulebook(rules_copy)
    with pytest.raises(NotTranslatableError, match="durable-rules"):
        DurableEngine(book).decide("五种门诊慢特病费用跨省直接结算", {})


def test_cli_engine_option() -> None:
    args = ["evaluate", "family_mutual_aid", "--facts", "-", "--on", "2022-07-01", "--json"]
    stdin = '{"family_member": {"relationship": "兄弟姐妹"}}'
    native = json.loads(run_cli(*args, stdin=stdin).stdout)
    durable = json.loads(run_cli(*args, "--engine", "durable", stdin=stdin).stdout)
    assert durable == native and durable["status"] == "ineligible"
