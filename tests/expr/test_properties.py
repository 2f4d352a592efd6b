"""Hypothesis: printing and parsing round-trip; arbitrary text only ever raises ConditionError."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from yibao_rules.errors import ConditionError
from yibao_rules.expr.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLit,
    Literal,
    Member,
    Name,
    Not,
    Unary,
    to_source,
)
from yibao_rules.expr.lexer import KEYWORDS
from yibao_rules.expr.parser import parse

ident = st.from_regex(r"[a-z\u4e00-\u9fa5][a-z0-9_\u4e00-\u9fa5]{0,6}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS and s not in ("date", "today")
)
names = st.one_of(ident, st.builds(lambda a, b: f"{a}.{b}", ident, ident)).map(Name)
literals = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False).map(lambda d: Decimal(str(d))),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\"'”」"), max_size=8),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
).map(Literal)
atoms = st.one_of(names, literals)


def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    pair = st.tuples(children, children)
    return st.one_of(
        st.builds(Not, children),
        st.builds(
            lambda xs, op: BoolOp(op, tuple(xs)),
            st.lists(children, min_size=2, max_size=3),
            st.sampled_from(["and", "or"]),
        ),
        st.builds(lambda p, op: Arith(op, *p), pair, st.sampled_from(["+", "-", "*", "/"])),
        st.builds(lambda p, op: Compare(op, *p), pair, st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
        st.builds(lambda p, neg: Member(p[0], p[1], neg), pair, st.booleans()),
        st.builds(lambda xs: ListLit(tuple(xs)), st.lists(children, max_size=3)),
        children.map(lambda x: Unary("-", x)),
        st.builds(
            lambda xs, f: Call(f, tuple(xs)),
            st.lists(children, max_size=2),
            st.sampled_from(["years_between", "days_between"]),
        ),
    )


trees = st.recursive(atoms, extend, max_leaves=12)


@given(trees)
@settings(max_examples=400, deadline=None)
def test_print_then_parse_gives_the_same_tree(tree: Expr) -> None:
    assert parse(to_source(tree)) == tree


@given(st.text(max_size=200))
@settings(max_examples=1000, deadline=None)
def test_arbitrary_text_raises_only_condition_errors(text: str) -> None:
    try:
        parse(text)
    except ConditionError as exc:
        assert 0 <= exc.offset <= len(text)


@given(
    st.lists(st.sampled_from(["(", ")", "[", "]", "not", "-", "a.b", "1", '"x"', "and", "in", ",", "=="]), max_size=80)
)
@settings(max_examples=1000, deadline=None)
def test_token_soup_raises_only_condition_errors(tokens: list[str]) -> None:
    text = " ".join(tokens)
    try:
        parse(text)
    except ConditionError as exc:
        assert 0 <= exc.offset <= len(text)
