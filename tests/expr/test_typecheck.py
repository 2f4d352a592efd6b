from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import ClassVar

import pytest

from yibao_rules.errors import ConditionError
from yibao_rules.expr import UNKNOWN, EvaluationError, compile_expr, parse, typecheck
from yibao_rules.expr import types as T
from yibao_rules.expr.ast import Compare, Literal, walk

RELATIONS = frozenset({"配偶", "父母", "子女", "兄弟姐妹"})


class FakeScope:
    facts: ClassVar[dict[str, T.Type]] = {
        "p.kind": T.enum(frozenset({"职工医保", "城乡居民医保"}), "p.kind"),
        "p.rel": T.enum(RELATIONS, "p.rel"),
        "p.province": T.PROVINCE,
        "p.birth": T.DATE,
        "p.amount": T.NUMBER,
        "p.flag": T.BOOL,
        "p.tags": T.collection(T.enum(RELATIONS, "p.tags")),
    }

    def fact_type(self, key: str) -> T.Type | None:
        return self.facts.get(key)

    def fact_keys(self) -> Collection[str]:
        return self.facts.keys()

    def set_type(self, name: str) -> T.Type | None:
        return T.collection(T.enum(RELATIONS, "p.rel")) if name == "近亲属" else None

    def is_predicate(self, name: str) -> bool:
        return name == "在甘肃参保"

    def global_names(self) -> Collection[str]:
        return ["近亲属", "在甘肃参保"]

    def province_code(self, text: str) -> str | None:
        return {"甘肃省": "620000", "甘肃": "620000", "620000": "620000"}.get(text)


def check(text: str) -> T.Type:
    return typecheck(parse(text), FakeScope(), text).type


@pytest.mark.parametrize(
    "text",
    [
        'p.kind == "职工医保"',
        "p.rel in 近亲属",
        'p.rel not in ["配偶", "子女"]',
        '"配偶" in p.tags',
        "years_between(p.birth, today) >= 60",
        "p.birth + 30 < today and p.amount * 2 > 10.5",
        "today - p.birth >= 365",
        "在甘肃参保 or not p.flag",
    ],
)
def test_well_typed_conditions(text: str) -> None:
    assert check(text) == T.BOOL


@pytest.mark.parametrize(
    ("text", "keyword", "offset"),
    [
        ('p.kind == "职工医疗"', "did you mean '职工医保'?", 10),
        ('p.rel in ["配偶", "兄妹"]', "'兄妹'", 16),
        ('p.province == "火星"', "not a province", 14),
        ("p.kindd == 1", "did you mean 'p.kind'?", 0),
        ("近亲属s", "did you mean '近亲属'?", 0),
        ("甘肃省", 'put it in quotes: "甘肃省"', 0),
        ("p.province > 3", "ordering compares two numbers or two dates", 0),
        ("p.amount", "must be true or false", 0),
        ("p.flag and p.amount", "both sides of 'and'", 11),
        ("p.rel in p.kind", "must be a list or a named set", 9),
        ("age(p.birth) > 3", "unknown function", 0),
        ("p.birth + p.birth < today", "arithmetic works on numbers", 0),
        ("p.kind == p.rel", "cannot be compared", 0),
    ],
)
def test_type_errors_are_located(text: str, keyword: str, offset: int) -> None:
    with pytest.raises(ConditionError) as info:
        check(text)
    assert keyword in info.value.message
    assert info.value.offset == offset


def test_province_literals_are_normalised_to_codes() -> None:
    checked = typecheck(parse('p.province == "甘肃"'), FakeScope())
    assert isinstance(checked.expr, Compare)
    assert checked.expr.right == Literal("620000")


def test_references_are_collected() -> None:
    checked = typecheck(parse("p.rel in 近亲属 and 在甘肃参保 and p.flag"), FakeScope())
    assert checked.facts == {"p.rel", "p.flag"}
    assert checked.sets == {"近亲属"}
    assert checked.predicates == {"在甘肃参保"}


@pytest.mark.parametrize(
    "text",
    [
        '"甘肃省" in [p.province]',
        '"甘肃" in [p.province, "620000"]',
        'p.province in ["甘肃省", "620000"]',
        '"620000" not in [p.province]',
    ],
)
def test_province_literals_in_lists_become_codes(text: str) -> None:
    """Issue 12.10: a province written by name inside a list meets the fact's code."""
    checked = typecheck(parse(text), FakeScope(), text)
    literals = [n.value for n in walk(checked.expr) if isinstance(n, Literal)]
    assert literals and all(v == "620000" for v in literals), literals


def test_province_in_list_evaluates_against_the_code() -> None:
    text = '"甘肃省" in [p.province]'
    run = compile_expr(typecheck(parse(text), FakeScope(), text).expr)
    day = dt.date(2024, 1, 1)
    assert run({"p.province": "620000"}, day) is True
    assert run({"p.province": "510000"}, day) is False
    assert run({}, day) is UNKNOWN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('date("9999-12-31") + 1 > p.birth', "out of range"),
        ('date("0001-01-01") - 1 < p.birth', "out of range"),
        ("p.birth + 4000000 > p.birth", "out of range"),
        ("1 / 0 > p.amount", "division by zero"),
        ("1" + " + 1" * 150 + " == p.amount", "nested deeper"),
        ("p.amount" + " * 2" * 150 + " > 1", "nested deeper"),
    ],
)
def test_constant_arithmetic_out_of_range_and_long_chains_are_load_time_errors(text: str, message: str) -> None:
    """Issues 1 and 2: caught when the rules load, located, never RecursionError or OverflowError."""
    with pytest.raises(ConditionError, match=message):
        typecheck(parse(text), FakeScope(), text)


def test_date_arithmetic_on_facts_out_of_range_is_an_evaluation_error() -> None:
    text = "p.birth + 30 > today"
    run = compile_expr(typecheck(parse(text), FakeScope(), text).expr)
    with pytest.raises(EvaluationError, match="out of range"):
        run({"p.birth": dt.date(9999, 12, 31)}, dt.date(2024, 1, 1))
    today = compile_expr(typecheck(parse("today + 3000000 > today"), FakeScope(), "").expr)
    with pytest.raises(EvaluationError, match="out of range"):
        today({}, dt.date(2026, 1, 1))
