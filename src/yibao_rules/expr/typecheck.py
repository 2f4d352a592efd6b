"""Type checking of parsed conditions against the fact vocabulary (done once, at load time).

The checker returns a *rewritten* tree: string literals that meet a province or admin
division (compared with one, or listed with or looked up among them) are replaced by the
6-digit code, so evaluation never has to normalise anything. Arithmetic on constants is
computed here, so a date out of range in a constant part is a load-time error.
Every error carries the span of the offending part so the loader can put a caret under it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from yibao_rules.errors import ConditionError, did_you_mean, did_you_mean_fact
from yibao_rules.expr.arith import MAX_DAY_SPAN, EvaluationError, arithmetic, negate
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
from yibao_rules.expr.types import BOOL, DATE, NUMBER, TEXT, Type, collection

__all__ = ["FUNCTIONS", "Checked", "Scope", "typecheck"]

# name -> (argument kinds, result); dates and numbers only, so no user data is ever called.
FUNCTIONS: dict[str, tuple[tuple[Type, ...], Type]] = {
    "years_between": ((DATE, DATE), NUMBER),
    "days_between": ((DATE, DATE), NUMBER),
}
TODAY = "today"


class Scope(Protocol):
    """What the checker needs to know about the rulebook."""

    def fact_type(self, key: str) -> Type | None: ...
    def fact_keys(self) -> Collection[str]: ...
    def set_type(self, name: str) -> Type | None: ...
    def is_predicate(self, name: str) -> bool: ...
    def global_names(self) -> Collection[str]: ...
    def province_code(self, text: str) -> str | None: ...
    def division_code(self, text: str) -> str | None: ...


@dataclass(frozen=True)
class Checked:
    """A type-checked condition and what it refers to."""

    expr: Expr
    type: Type
    facts: frozenset[str]
    sets: frozenset[str]
    predicates: frozenset[str]


def typecheck(expr: Expr, scope: Scope, text: str = "", *, expect: Type | None = BOOL) -> Checked:
    """Check ``expr``; raise :class:`ConditionError` on the first problem."""
    checker = _Checker(scope, text)
    new, typ = checker.check(expr)
    if expect is not None and typ.kind != expect.kind:
        raise checker.error(
            f"条件的结果必须是真/假 (a condition must be true or false, but this is a {typ.describe()})", expr
        )
    return Checked(new, typ, frozenset(checker.facts), frozenset(checker.sets), frozenset(checker.predicates))


class _Checker:
    def __init__(self, scope: Scope, text: str) -> None:
        self.scope = scope
        self.text = text
        self.facts: set[str] = set()
        self.sets: set[str] = set()
        self.predicates: set[str] = set()
        self.constants: dict[int, tuple[Expr, Any]] = {}  # id(node) -> (node, value) of constant parts

    def constant(self, node: Expr) -> tuple[bool, Any]:
        if isinstance(node, Literal):
            return True, node.value
        found = self.constants.get(id(node))
        return (True, found[1]) if found is not None and found[0] is node else (False, None)

    def fold(self, node: Expr, compute: Any) -> None:
        """Record the value of a constant part, or report why it cannot be computed."""
        try:
            self.constants[id(node)] = (node, compute())
        except EvaluationError as exc:
            raise self.error(str(exc), node) from None

    def error(self, message: str, node: Expr) -> ConditionError:
        offset, length = node.span
        return ConditionError(message, offset, max(length, 1), self.text)

    def check(self, node: Expr) -> tuple[Expr, Type]:
        match node:
            case Literal(value=bool()):
                return node, BOOL
            case Literal(value=int() | Decimal()):
                return node, NUMBER
            case Literal(value=str()):
                return node, TEXT
            case Literal():
                return node, DATE
            case Name():
                return node, self.name(node)
            case Not(operand=x):
                x2 = self.expect(x, BOOL, "'not' 需要真/假值 ('not' needs a true/false operand)")
                return replace(node, operand=x2), BOOL
            case BoolOp(op=op, operands=xs):
                msg = f"'{op}' 两边必须是条件 (both sides of '{op}' must be true/false)"
                return replace(node, operands=tuple(self.expect(x, BOOL, msg) for x in xs)), BOOL
            case Unary(operand=x):
                x2 = self.expect(x, NUMBER, "负号只能用于数字 (unary minus needs a number)")
                new = replace(node, operand=x2)
                known, value = self.constant(x2)
                if known:
                    self.fold(new, lambda: negate(value))
                return new, NUMBER
            case Arith():
                return self.arith(node)
            case Compare():
                return self.compare(node)
            case Member():
                return self.member(node)
            case ListLit(items=items):
                return self.list_literal(node, items, None)
            case Call():
                return self.call(node)
        raise self.error(f"unsupported expression {node!r}", node)

    def expect(self, node: Expr, want: Type, message: str) -> Expr:
        new, typ = self.check(node)
        if typ.kind != want.kind:
            raise self.error(f"{message}; found {typ.describe()}", node)
        return new

    def name(self, node: Name) -> Type:
        name = node.name
        if name == TODAY:
            return DATE
        if "." in name:
            typ = self.scope.fact_type(name)
            if typ is None:
                hint = did_you_mean_fact(name, self.scope.fact_keys())
                raise self.error(f"未知的事实 (unknown fact) '{name}'{hint}", node)
            self.facts.add(name)
            return typ
        set_type = self.scope.set_type(name)
        if set_type is not None:
            self.sets.add(name)
            return set_type
        if self.scope.is_predicate(name):
            self.predicates.add(name)
            return BOOL
        hint = did_you_mean(name, [*self.scope.global_names(), TODAY])
        if not hint and not name.isascii():
            hint = f'; if this is a value, put it in quotes: "{name}"'
        raise self.error(f"未知的名称 (unknown named set or predicate) '{name}'{hint}", node)

    def arith(self, node: Arith) -> tuple[Expr, Type]:
        left, lt = self.check(node.left)
        right, rt = self.check(node.right)
        new = replace(node, left=left, right=right)
        kinds = (lt.kind, rt.kind)
        result: Type | None = None
        if kinds == ("number", "number"):
            result = NUMBER
        elif node.op in ("+", "-") and kinds == ("date", "number"):
            result = DATE
            days_known, days = self.constant(right)
            if days_known and abs(days) > MAX_DAY_SPAN:
                raise self.error(
                    f"日期超出范围 (date out of range: {days} days moves any date outside years 1–9999)", node
                )
        elif node.op == "-" and kinds == ("date", "date"):
            result = NUMBER
        if result is not None:
            (left_known, a), (right_known, b) = self.constant(left), self.constant(right)
            if left_known and right_known:
                self.fold(new, lambda: arithmetic(node.op, a, b))
            return new, result
        raise self.error(
            f"不能计算 {lt.describe()} {node.op} {rt.describe()} "
            f"(arithmetic works on numbers; dates allow date ± days and date - date)",
            node,
        )

    def compare(self, node: Compare) -> tuple[Expr, Type]:
        left, lt = self.check(node.left)
        right, rt = self.check(node.right)
        if node.op in ("==", "!="):
            left, right = self.unify_equal(left, lt, right, rt, node)
            return replace(node, left=left, right=right), BOOL
        if lt.kind == rt.kind and lt.kind in ("number", "date"):
            return replace(node, left=left, right=right), BOOL
        raise self.error(
            f"'{node.op}' 只能比较数字或日期 (ordering compares two numbers or two dates, "
            f"found {lt.describe()} and {rt.describe()})",
            node,
        )

    def unify_equal(self, left: Expr, lt: Type, right: Expr, rt: Type, node: Expr) -> tuple[Expr, Expr]:
        if lt.is_stringy and rt.is_stringy:
            if isinstance(right, Literal) and rt == TEXT:
                return left, self.coerce_literal(right, lt)
            if isinstance(left, Literal) and lt == TEXT:
                return self.coerce_literal(left, rt), right
            if lt.kind == rt.kind and lt.kind != "enum":
                return left, right
            if lt.kind == rt.kind == "enum" and lt.domain and rt.domain and lt.domain & rt.domain:
                return left, right
        elif lt.kind == rt.kind and lt.kind in ("bool", "number", "date"):
            return left, right
        raise self.error(f"无法比较 {lt.describe()} 与 {rt.describe()} (these cannot be compared)", node)

    def coerce_literal(self, lit: Literal, target: Type) -> Literal:
        """Check a string literal against an enum's values or the province table."""
        value = str(lit.value)
        if target.kind == "enum" and target.domain is not None and value not in target.domain:
            hint = did_you_mean(value, target.domain)
            allowed = "、".join(sorted(target.domain))
            raise self.error(
                f"不是可选值 (not an allowed value of {target.origin or 'this fact'}) '{value}'{hint}; "
                f"可选值 (allowed): {allowed}",
                lit,
            )
        if target.kind == "province":
            code = self.scope.province_code(value)
            if code is None:
                raise self.error(f"不是省级行政区 (not a province name or 6-digit code) '{value}'", lit)
            return replace(lit, value=code)
        if target.kind == "division":
            code = self.scope.division_code(value)
            if code is None:
                raise self.error(f"不是已知的行政区划 (not a known admin division name or 6-digit code) '{value}'", lit)
            return replace(lit, value=code)
        return lit

    def member(self, node: Member) -> tuple[Expr, Type]:
        element, et = self.check(node.element)
        if isinstance(node.container, ListLit):
            container, ct = self.list_literal(node.container, node.container.items, et)
        else:
            container, ct = self.check(node.container)
        if ct.kind != "collection" or ct.element is None:
            raise self.error(
                f"'in' 的右边必须是列表或集合 (right side of 'in' must be a list or a named set; "
                f"found {ct.describe()})",
                node.container,
            )
        inner = ct.element
        if isinstance(element, Literal) and et == TEXT and inner.is_stringy:
            element = self.coerce_literal(element, inner)
        elif et.kind != inner.kind and not (et.is_stringy and inner == TEXT):
            raise self.error(
                f"{et.describe()} 不能在 {ct.describe()} 中查找 (element and collection types differ)", node
            )
        elif et.kind == inner.kind == "enum" and et.domain and inner.domain and not et.domain & inner.domain:
            raise self.error(
                f"{et.describe()} 与 {ct.describe()} 没有共同的值 (no value in common: always false)", node
            )
        return replace(node, element=element, container=container), BOOL

    def list_literal(self, node: Expr, items: tuple[Expr, ...], element: Type | None) -> tuple[Expr, Type]:
        pairs = [self.check(item) for item in items]
        # Text literals take the type of what they meet: the element looked up, else the first
        # item that is not plain text (``"甘肃省" in [applicant.insured_province]``).
        target = element if element is not None and element.is_stringy and element != TEXT else None
        if target is None:
            target = next((typ for _, typ in pairs if typ.is_stringy and typ != TEXT), None)
        checked: list[Expr] = []
        types: list[Type] = []
        for new, typ in pairs:
            if target is not None and isinstance(new, Literal) and typ == TEXT:
                new, typ = self.coerce_literal(new, target), target
            checked.append(new)
            types.append(typ)
        kinds = {t.kind for t in types}
        if len(kinds) > 1:
            raise self.error("列表中的值类型不一致 (list items must all have the same type)", node)
        inner = target or (element if element is not None and element.is_stringy else (types[0] if types else TEXT))
        assert isinstance(node, ListLit)
        return replace(node, items=tuple(checked)), collection(inner)

    def call(self, node: Call) -> tuple[Expr, Type]:
        sig = FUNCTIONS.get(node.func)
        if sig is None:
            hint = did_you_mean(node.func, [*FUNCTIONS, "date"])
            raise self.error(f"未知的函数 '{node.func}' (unknown function{hint})", node)
        params, result = sig
        if len(node.args) != len(params):
            raise self.error(f"{node.func}() 需要 {len(params)} 个参数 (takes {len(params)} arguments)", node)
        args = tuple(
            self.expect(a, p, f"{node.func}() 的参数应为 {p.kind} (argument must be a {p.kind})")
            for a, p in zip(node.args, params, strict=True)
        )
        return replace(node, args=args), result
