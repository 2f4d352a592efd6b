"""Compilation of checked conditions into Python closures, evaluated in three-valued logic.

A missing fact is :data:`UNKNOWN`.  ``and``/``or``/``not`` follow Kleene's logic
(``False and UNKNOWN`` is ``False``; ``True and UNKNOWN`` is ``UNKNOWN``); every other
operation with an unknown operand is unknown.  This is what lets the engine say
"ineligible whatever the missing answers are" or "still undetermined".

No ``eval``/``exec``: each node becomes a small closure, built once at load time.

Arithmetic is bounded: a date moved out of the calendar's range (years 1–9999), a
division by zero or a number too large for its type is an :class:`EvaluationError`
(a :class:`~yibao_rules.errors.YibaoError`), never Python's own exception.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from yibao_rules.expr.arith import EvaluationError, arithmetic, negate
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
)
from yibao_rules.expr.typecheck import TODAY

__all__ = ["UNKNOWN", "EvaluationError", "Evaluator", "Facts", "compile_expr", "link_predicates", "predicate_reader"]


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; compare with 'is UNKNOWN'")


UNKNOWN: Final = _Unknown()
Facts = Mapping[str, Any]
Evaluator = Callable[[Facts, dt.date], Any]


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _years_between(a: dt.date, b: dt.date) -> int:
    """Whole years from ``a`` to ``b`` (an age when ``a`` is a birth date)."""
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def _days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days


_FUNCS: dict[str, Callable[..., Any]] = {"years_between": _years_between, "days_between": _days_between}


def compile_expr(
    expr: Expr,
    *,
    predicates: Mapping[str, Evaluator] | None = None,
    sets: Mapping[str, frozenset[Any]] | None = None,
) -> Evaluator:
    """Turn a type-checked tree into ``f(facts, today) -> value | UNKNOWN``.

    ``predicates`` maps named predicates to their already-compiled closures and ``sets``
    maps named sets to their values; both are looked up now, not at evaluation time.
    """
    preds = predicates or {}
    named = sets or {}

    def build(node: Expr) -> Evaluator:
        match node:
            case Literal(value=v):
                return lambda f, t: v
            case Name(name=n) if n == TODAY:
                return lambda f, t: t
            case Name(name=n) if "." in n:
                return lambda f, t: f.get(n, UNKNOWN)
            case Name(name=n) if n in named:
                members = named[n]
                return lambda f, t: members
            case Name(name=n):
                return preds[n]
            case Not(operand=x):
                inner = build(x)

                def not_(f: Facts, t: dt.date) -> Any:
                    v = inner(f, t)
                    return UNKNOWN if v is UNKNOWN else not v

                return not_
            case BoolOp(op=op, operands=xs):
                return _bool_op(op == "and", tuple(build(x) for x in xs))
            case Unary(operand=x):
                inner = build(x)
                return lambda f, t: UNKNOWN if (v := inner(f, t)) is UNKNOWN else negate(v)
            case Arith(op=op, left=a, right=b):
                return _binary(functools.partial(arithmetic, op), build(a), build(b))
            case Compare(op=op, left=a, right=b):
                return _binary(_COMPARE[op], build(a), build(b))
            case Member(element=a, container=b, negated=neg):
                return _member(build(a), _container(b, build), neg)
            case ListLit():
                return _container(node, build)
            case Call(func=name, args=args):
                fn = _FUNCS[name]
                parts = tuple(build(a) for a in args)

                def call(f: Facts, t: dt.date) -> Any:
                    values = [p(f, t) for p in parts]
                    if any(v is UNKNOWN for v in values):
                        return UNKNOWN
                    return fn(*values)

                return call
        raise TypeError(f"cannot compile {node!r}")

    return build(expr)


def predicate_reader(name: str) -> Evaluator:
    """A closure that reads the value of named predicate ``name`` computed by :func:`link_predicates`.

    Pass these as ``compile_expr(..., predicates=...)`` to compile a condition whose predicates
    are computed once each, beforehand, instead of called (and recomputed) wherever they appear.
    """
    return lambda f, t: f[name]


def link_predicates(body: Evaluator, needed: Sequence[tuple[str, Evaluator]]) -> Evaluator:
    """``body`` with the named predicates it needs computed first, each exactly once.

    ``needed`` lists every predicate ``body`` uses, directly or through other predicates,
    dependencies first, each with its own body compiled over :func:`predicate_reader`.
    Evaluation is then linear in the size of the predicates, however they share each other,
    and never recursive across predicates. Predicate names cannot clash with facts
    (facts are ``party.name``; predicate names have no dot).
    """
    if not needed:
        return body
    plan = tuple(needed)

    def evaluate(f: Facts, t: dt.date) -> Any:
        env = dict(f)
        for name, predicate in plan:
            env[name] = predicate(env, t)
        return body(env, t)

    return evaluate


def _bool_op(is_and: bool, parts: tuple[Evaluator, ...]) -> Evaluator:
    stop = not is_and  # the value that decides the whole: False for 'and', True for 'or'

    def evaluate(f: Facts, t: dt.date) -> Any:
        unknown = False
        for part in parts:
            v = part(f, t)
            if v is UNKNOWN:
                unknown = True
            elif v is stop:
                return stop
        return UNKNOWN if unknown else not stop

    return evaluate


def _binary(fn: Callable[[Any, Any], Any], left: Evaluator, right: Evaluator) -> Evaluator:
    def evaluate(f: Facts, t: dt.date) -> Any:
        a = left(f, t)
        if a is UNKNOWN:
            return UNKNOWN
        b = right(f, t)
        if b is UNKNOWN:
            return UNKNOWN
        return fn(a, b)

    return evaluate


def _container(node: Expr, build: Callable[[Expr], Evaluator]) -> Evaluator:
    if isinstance(node, ListLit):
        if all(isinstance(i, Literal) for i in node.items):
            values = frozenset(i.value for i in node.items if isinstance(i, Literal))
            return lambda f, t: values
        parts = tuple(build(i) for i in node.items)

        def dynamic(f: Facts, t: dt.date) -> Any:
            values = [p(f, t) for p in parts]
            return UNKNOWN if any(v is UNKNOWN for v in values) else frozenset(values)

        return dynamic
    return build(node)


def _member(element: Evaluator, container: Evaluator, negated: bool) -> Evaluator:
    def evaluate(f: Facts, t: dt.date) -> Any:
        v = element(f, t)
        if v is UNKNOWN:
            return UNKNOWN
        c = container(f, t)
        if c is UNKNOWN:
            return UNKNOWN
        return (v in c) is not negated

    return evaluate
