"""Evaluation in Kleene's three-valued logic: missing facts are UNKNOWN."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yibao_rules.expr import UNKNOWN, EvaluationError, compile_expr, parse
from yibao_rules.expr.compile import Evaluator

DAY = dt.date(2024, 6, 30)


def run(text: str, facts: dict[str, Any], **kw: Any) -> Any:
    return compile_expr(parse(text), **kw)(facts, DAY)


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (False, None, False, UNKNOWN),
        (True, None, UNKNOWN, True),
        (None, None, UNKNOWN, UNKNOWN),
        (None, False, False, UNKNOWN),
    ],
)
def test_kleene_truth_tables(a: bool | None, b: bool | None, and_: Any, or_: Any) -> None:
    facts = {k: v for k, v in {"p.a": a, "p.b": b}.items() if v is not None}
    assert run("p.a and p.b", facts) is and_
    assert run("p.a or p.b", facts) is or_
    assert run("not p.a", facts) is (UNKNOWN if a is None else (not a))


def test_unknown_propagates_through_comparisons_and_membership() -> None:
    assert run('p.x == "a"', {}) is UNKNOWN
    assert run("p.x in [1, 2]", {}) is UNKNOWN
    assert run("p.x + 1 > 2", {}) is UNKNOWN
    assert run("p.x in [1, 2] or true", {}) is True


def test_dates_and_ages() -> None:
    born = dt.date(1964, 7, 1)
    assert run("years_between(p.born, today)", {"p.born": born}) == 59  # birthday is tomorrow
    assert run("years_between(p.born, today + 1)", {"p.born": born}) == 60
    assert run("days_between(p.born, p.born + 10)", {"p.born": born}) == 10
    assert run("today - p.born", {"p.born": DAY - dt.timedelta(days=3)}) == 3
    assert run("p.born - 1", {"p.born": born}) == dt.date(1964, 6, 30)


def test_membership_in_named_sets_and_predicates() -> None:
    sets = {"近亲属": frozenset({"配偶", "父母"})}
    pred: Evaluator = compile_expr(parse('p.rel == "配偶"'))
    assert run("p.rel in 近亲属", {"p.rel": "父母"}, sets=sets) is True
    assert run("p.rel not in 近亲属", {"p.rel": "父母"}, sets=sets) is False
    assert run("是配偶 and true", {"p.rel": "配偶"}, predicates={"是配偶": pred}) is True


def test_division_by_zero_is_a_library_error() -> None:
    with pytest.raises(EvaluationError, match="division by zero"):
        run("p.x / 0 > 1", {"p.x": 3})


def test_unknown_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(UNKNOWN)
