from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao_rules.errors import ConditionError
from yibao_rules.expr.ast import Arith, BoolOp, Compare, ListLit, Literal, Member, Name, Not, Unary, to_source
from yibao_rules.expr.parser import parse


def test_precedence_and_binds_tighter_than_or() -> None:
    assert parse("a or b and c") == BoolOp("or", (Name("a"), BoolOp("and", (Name("b"), Name("c")))))


def test_not_in_and_in() -> None:
    assert parse('x.y not in ["配偶", "父母"]') == Member(
        Name("x.y"), ListLit((Literal("配偶"), Literal("父母"))), negated=True
    )
    assert parse("x.y in 共济亲属_246号") == Member(Name("x.y"), Name("共济亲属_246号"))


def test_arithmetic_precedence_and_left_associativity() -> None:
    assert parse("1 - 2 - 3 * 4") == Arith("-", Arith("-", Literal(1), Literal(2)), Arith("*", Literal(3), Literal(4)))


def test_numbers_dates_and_negatives() -> None:
    assert parse("a.b >= 1.5") == Compare(">=", Name("a.b"), Literal(Decimal("1.5")))
    assert parse('a.b < date("2023-01-01")') == Compare("<", Name("a.b"), Literal(dt.date(2023, 1, 1)))
    assert parse("-3 < a.b") == Compare("<", Literal(-3), Name("a.b"))
    assert parse("-a.b < 0") == Compare("<", Unary("-", Name("a.b")), Literal(0))


def test_chinese_quotes_are_strings() -> None:
    assert parse("a.b == “职工医保”") == parse('a.b == "职工医保"') == parse("a.b == 「职工医保」")


def test_spans_point_at_the_source_text() -> None:
    text = 'applicant.insurance_type == "职工医保" and not x'
    node = parse(text)
    assert isinstance(node, BoolOp)
    compare, negation = node.operands
    assert isinstance(compare, Compare) and isinstance(negation, Not)
    start, length = compare.right.span
    assert text[start : start + length] == '"职工医保"'
    start, length = negation.span
    assert text[start : start + length] == "not x"


@pytest.mark.parametrize(
    ("text", "offset", "keyword"),
    [
        ("a.b ==", 6, "expected a value, found end of condition"),
        ("a.b = 1", 4, "use '=='"),
        ("(a.b == 1", 9, "expected ')' to close '(' at character 1"),
        ("a.b == 1 c", 9, "unexpected 'c'"),
        ('a.b == "x', 7, "unterminated string"),
        ("a.b == 1 （", 9, "full-width character"),
        ("1 < a.b < 3", 8, "comparisons do not chain"),
        ('date("2023-02-30") == a.b', 5, "invalid date"),
        ("a.b && c", 4, "use 'and' / 'or'"),
        ("", 0, "empty condition"),
        ("[1, 2", 5, "expected ']'"),
    ],
)
def test_syntax_errors_report_exact_offsets(text: str, offset: int, keyword: str) -> None:
    with pytest.raises(ConditionError) as info:
        parse(text)
    assert info.value.offset == offset
    assert keyword in info.value.message


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ConditionError, match="nesting deeper"):
        parse("(" * 500 + "x" + ")" * 500)
    with pytest.raises(ConditionError, match="nesting deeper"):
        parse("not " * 500 + "x")


def test_printer_output_reparses() -> None:
    for text in ["a or (b or c)", "(a and b) and c", "not (a.b == 1)", "1 - (2 - 3)", "-(5) < -a.b", "x in [1, 2]"]:
        assert parse(to_source(parse(text))) == parse(text)
