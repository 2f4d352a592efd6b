"""Recursive-descent parser: condition text → :mod:`yibao_rules.expr.ast` tree.

Grammar, loosest binding first::

    condition  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := additive [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") additive]
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" [args] ")"
                | "(" or_expr ")" | "[" [args] "]"

Comparisons do not chain (``a < b < c`` is an error, not a surprise).

Size is bounded where it is built: brackets, ``not`` and unary minus nest at most
:data:`MAX_DEPTH` deep, and the finished tree at most :data:`MAX_TREE_DEPTH` levels, which
bounds chains of ``+ - * /`` too (they nest one level per operator), so every later pass
may recurse over the tree safely.
``date("2023-01-01")`` is folded into a date literal here, so a bad date is a syntax error
pointing at the string.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
    Span,
    Unary,
    deepest,
)
from yibao_rules.expr.lexer import Token, TokenKind, tokenize

__all__ = ["parse"]

MAX_DEPTH = 60
MAX_TREE_DEPTH = 100
_COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">")


def parse(text: str) -> Expr:
    """Parse a condition; raises :class:`~yibao_rules.errors.ConditionError` with the offset.

    >>> parse('not x')
    Not(operand=Name(name='x'))
    """
    if not text.strip():
        raise ConditionError("条件为空 (empty condition)", 0, 1, text)
    tree = _Parser(text).parse()
    too_deep = deepest(tree, MAX_TREE_DEPTH)
    if too_deep is not None:
        offset, length = too_deep.span
        raise ConditionError(
            f"条件过于复杂 (expression nested deeper than {MAX_TREE_DEPTH} levels; each operator of a chain "
            f"such as 1 + 1 + … counts one level: split it into named predicates)",
            offset,
            max(length, 1),
            text,
        )
    return tree


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def at(self, kind: TokenKind, text: str | None = None) -> bool:
        t = self.tok
        return t.kind is kind and (text is None or t.text == text)

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind is TokenKind.OP and self.tok.text in ops

    def advance(self) -> Token:
        t = self.tok
        self.pos += 1
        return t

    def expect_op(self, op: str, opener: Token | None = None) -> Token:
        if self.at_op(op):
            return self.advance()
        found = self.describe(self.tok)
        where = f" to close '{opener.text}' at character {opener.offset + 1}" if opener else ""
        raise self.error(f"缺少 '{op}' (expected '{op}'{where}, found {found})", self.tok)

    def error(self, message: str, tok: Token) -> ConditionError:
        return ConditionError(message, tok.offset, tok.length, self.text)

    @staticmethod
    def describe(tok: Token) -> str:
        return "end of condition" if tok.kind is TokenKind.END else f"'{tok.text}'"

    def span_from(self, start: int) -> Span:
        prev = self.tokens[self.pos - 1]
        return (start, prev.offset + prev.length - start)

    # -- grammar -------------------------------------------------------------------------
    def parse(self) -> Expr:
        node = self.or_expr()
        if not self.at(TokenKind.END):
            t = self.tok
            hint = ""
            if t.kind in (TokenKind.NAME, TokenKind.STRING, TokenKind.NUMBER):
                hint = "; missing 'and' / 'or' or an operator?"
            raise self.error(f"多余的内容 '{t.text}' (unexpected {self.describe(t)}{hint})", t)
        return node

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"嵌套过深 (nesting deeper than {MAX_DEPTH})", self.tok)

    def bool_chain(self, op: str, sub: str) -> Expr:
        start = self.tok.offset
        parse_sub = getattr(self, sub)
        operands = [parse_sub()]
        while self.at(TokenKind.KEYWORD, op):
            self.advance()
            operands.append(parse_sub())
        if len(operands) == 1:
            return operands[0]  # type: ignore[no-any-return]
        return BoolOp(op, tuple(operands), self.span_from(start))

    def or_expr(self) -> Expr:
        return self.bool_chain("or", "and_expr")

    def and_expr(self) -> Expr:
        return self.bool_chain("and", "not_expr")

    def not_expr(self) -> Expr:
        if self.at(TokenKind.KEYWORD, "not"):
            start = self.advance().offset
            self.nested()
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand, self.span_from(start))
        return self.comparison()

    def comparison(self) -> Expr:
        start = self.tok.offset
        left = self.additive()
        node: Expr
        if self.at_op(*_COMPARE_OPS):
            op = self.advance().text
            node = Compare(op, left, self.additive(), self.span_from(start))
        elif self.at(TokenKind.KEYWORD, "in"):
            self.advance()
            node = Member(left, self.additive(), False, self.span_from(start))
        elif self.at(TokenKind.KEYWORD, "not") and self.tokens[self.pos + 1].text == "in":
            self.pos += 2
            node = Member(left, self.additive(), True, self.span_from(start))
        else:
            return left
        if self.at_op(*_COMPARE_OPS) or self.at(TokenKind.KEYWORD, "in"):
            raise self.error(
                f"比较不能连写 '{self.tok.text}' (comparisons do not chain; join them with 'and')", self.tok
            )
        return node

    def additive(self) -> Expr:
        start = self.tok.offset
        node = self.term()
        while self.at_op("+", "-"):
            op = self.advance().text
            node = Arith(op, node, self.term(), self.span_from(start))
        return node

    def term(self) -> Expr:
        start = self.tok.offset
        node = self.unary()
        while self.at_op("*", "/"):
            op = self.advance().text
            node = Arith(op, node, self.unary(), self.span_from(start))
        return node

    def unary(self) -> Expr:
        if self.at_op("-"):
            start = self.advance().offset
            if self.at(TokenKind.NUMBER):
                num = self.advance()
                value = num.value
                assert isinstance(value, int | Decimal)
                return Literal(-value, self.span_from(start))
            self.nested()
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand, self.span_from(start))
        return self.primary()

    def primary(self) -> Expr:
        t = self.tok
        if t.kind is TokenKind.NUMBER or t.kind is TokenKind.STRING:
            self.advance()
            assert isinstance(t.value, int | Decimal | str)
            return Literal(t.value, (t.offset, t.length))
        if t.kind is TokenKind.KEYWORD and t.text in ("true", "false"):
            self.advance()
            return Literal(t.text == "true", (t.offset, t.length))
        if t.kind is TokenKind.NAME:
            self.advance()
            if self.at_op("("):
                return self.call(t)
            return Name(t.text, (t.offset, t.length))
        if self.at_op("("):
            opener = self.advance()
            self.nested()
            node = self.or_expr()
            self.depth -= 1
            self.expect_op(")", opener)
            return node
        if self.at_op("["):
            opener = self.advance()
            items = self.args("]", opener)
            return ListLit(tuple(items), self.span_from(opener.offset))
        raise self.error(f"此处需要一个值 (expected a value, found {self.describe(t)})", t)

    def args(self, close: str, opener: Token) -> list[Expr]:
        self.nested()
        items: list[Expr] = []
        if not self.at_op(close):
            items.append(self.or_expr())
            while self.at_op(","):
                self.advance()
                items.append(self.or_expr())
        self.expect_op(close, opener)
        self.depth -= 1
        return items

    def call(self, name: Token) -> Expr:
        opener = self.advance()
        args = self.args(")", opener)
        span = self.span_from(name.offset)
        if name.text == "date":
            if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
                raise ConditionError('date() 需要一个 "YYYY-MM-DD" 字符串 (date() takes one string)', *span, self.text)
            arg = args[0]
            try:
                value = dt.date.fromisoformat(str(arg.value))
            except ValueError:
                raise ConditionError(
                    f"无效日期 {arg.value!r} (invalid date; expected YYYY-MM-DD)", *arg.span, self.text
                ) from None
            return Literal(value, span)
        return Call(name.text, tuple(args), span)
