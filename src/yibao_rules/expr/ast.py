"""Syntax tree of the condition language, and the printer that turns it back into text.

Nodes are frozen dataclasses.  ``span`` (offset, length inside the condition text) is
kept for error messages but ignored by ``==``, so a tree printed and parsed again
compares equal to the original.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "Arith",
    "BoolOp",
    "Call",
    "Compare",
    "Expr",
    "ListLit",
    "Literal",
    "Member",
    "Name",
    "Not",
    "Span",
    "Unary",
    "children",
    "deepest",
    "to_source",
    "walk",
]

Span = tuple[int, int]
LiteralValue = bool | int | Decimal | str | dt.date
NO_SPAN: Span = (0, 0)


@dataclass(frozen=True)
class Literal:
    value: LiteralValue
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ListLit:
    items: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Name:
    """A fact (``applicant.insurance_type``), a named set or predicate, or ``today``."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "-"
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Arith:
    op: str  # "+" | "-" | "*" | "/"
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Compare:
    op: str  # "==" | "!=" | "<" | "<=" | ">" | ">="
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Member:
    element: Expr
    container: Expr
    negated: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr = Literal | ListLit | Name | Unary | Not | BoolOp | Arith | Compare | Member | Call

# Binding strength, loosest first; used by the parser's layering and the printer.
PREC_OR, PREC_AND, PREC_NOT, PREC_CMP, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_ATOM = range(1, 9)


def precedence(node: Expr) -> int:
    match node:
        case BoolOp(op="or"):
            return PREC_OR
        case BoolOp():
            return PREC_AND
        case Not():
            return PREC_NOT
        case Compare() | Member():
            return PREC_CMP
        case Arith(op="+" | "-"):
            return PREC_ADD
        case Arith():
            return PREC_MUL
        case Unary():
            return PREC_UNARY
        case Literal(value=int() | Decimal() as v) if not isinstance(v, bool) and v < 0:
            return PREC_UNARY
        case _:
            return PREC_ATOM


def to_source(node: Expr) -> str:
    """Print a tree as condition text that parses back to an equal tree."""

    def wrap(child: Expr, minimum: int) -> str:
        text = to_source(child)
        return f"({text})" if precedence(child) < minimum else text

    match node:
        case Literal(value=bool() as b):
            return "true" if b else "false"
        case Literal(value=str() as s):
            return quote(s)
        case Literal(value=dt.date() as d):
            return f'date("{d.isoformat()}")'
        case Literal(value=v):
            return str(v)
        case ListLit(items=items):
            return "[" + ", ".join(to_source(i) for i in items) + "]"
        case Name(name=n):
            return n
        case Unary(op=op, operand=Literal(value=int() | Decimal()) as x):
            return f"{op}({to_source(x)})"  # "-5" would read back as the literal -5
        case Unary(op=op, operand=x):
            return op + wrap(x, PREC_UNARY + 1)
        case Not(operand=x):
            return "not " + wrap(x, PREC_NOT)
        case BoolOp(op=op, operands=xs):
            p = precedence(node)
            return f" {op} ".join(wrap(x, p + 1) for x in xs)
        case Arith(op=op, left=a, right=b):
            p = precedence(node)
            return f"{wrap(a, p)} {op} {wrap(b, p + 1)}"
        case Compare(op=op, left=a, right=b):
            return f"{wrap(a, PREC_ADD)} {op} {wrap(b, PREC_ADD)}"
        case Member(element=a, container=b, negated=neg):
            return f"{wrap(a, PREC_ADD)} {'not in' if neg else 'in'} {wrap(b, PREC_ADD)}"
        case Call(func=f, args=args):
            return f + "(" + ", ".join(to_source(a) for a in args) + ")"
    raise TypeError(f"not a condition node: {node!r}")


def quote(text: str) -> str:
    """Quote a string literal with the first quotation mark pair it does not contain."""
    for open_, close in (('"', '"'), ("'", "'"), ("“", "”"), ("「", "」")):
        if close not in text:
            return open_ + text + close
    raise ValueError(f"string contains every kind of closing quote: {text!r}")


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, left to right."""
    match node:
        case ListLit(items=xs) | BoolOp(operands=xs) | Call(args=xs):
            return xs
        case Unary(operand=x) | Not(operand=x):
            return (x,)
        case Arith(left=a, right=b) | Compare(left=a, right=b):
            return (a, b)
        case Member(element=a, container=b):
            return (a, b)
    return ()


def walk(node: Expr) -> list[Expr]:
    """All nodes of a tree, parents before children (in pre-order; iterative, so any depth is safe)."""
    out: list[Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out


def deepest(node: Expr, limit: int) -> Expr | None:
    """The first node found deeper than ``limit`` levels (the root is level 1), or ``None``.

    Iterative: it is what guards the recursive passes (type checking, compiling, printing)
    from trees too deep for them, such as a long chain ``1 + 1 + … + 1``.
    """
    stack: list[tuple[Expr, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        if level > limit:
            return current
        stack.extend((child, level + 1) for child in reversed(children(current)))  # leftmost first
    return None
