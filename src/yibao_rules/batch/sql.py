"""An item's rules as one SQL query: the typed, checked AST of each condition, built with sqlglot.

Nothing here reads condition *text*: every node kind of :mod:`yibao_rules.expr.ast` has its
own case in :class:`_Compiler` (as in :mod:`yibao_rules.expr.compile` and
:mod:`yibao_rules.engines.durable`), and a node kind it does not know is an
:class:`UnsupportedConditionError`. The query is rendered to any dialect sqlglot knows
(``duckdb``, ``spark``, ``postgres``…); identifiers are quoted and literals escaped by sqlglot.

**Three-valued logic.** A missing fact is SQL ``NULL``, and SQL's ``AND``/``OR``/``NOT``/``IN``
are Kleene's, as in the engine. Where the engine differs from plain SQL (a list literal with an
unknown item, ``in []``) the query says so explicitly.

**Layers of the query** (each a ``SELECT`` over the one below, so every part is computed once):

1. *normalise*: each input column that names a fact becomes its canonical value (a province by
   name, short name or code → its code, in a ``CASE``; text → bool, date or number) and a
   reason text where the value is not allowed (the row is then ``invalid``);
2. *rules*: each rule in force on the decision date → ``TRUE`` / ``FALSE`` / ``NULL``;
3. *settle*: the engine's exhaustive check of small domains (:data:`~yibao_rules.engine.
   ENUMERATION_LIMIT`), reproduced exactly. The rules are grouped into components that share no
   fact; the rules hold for every value of the missing facts only if every component does, and
   fail for every value if one component does. A component over one fact is checked against
   its domain now, in Python; one over several facts is expanded in SQL (each value of each
   missing fact substituted with ``COALESCE``) while that stays under
   :data:`SQL_ENUMERATION_LIMIT` terms. Rows the SQL cannot settle, but the engine could, are
   flagged ``__yb_native`` and decided by the engine itself (:mod:`yibao_rules.batch.run`).
4. *decide*: ``status``, ``failed`` and ``unknown`` (rule ids, in file order) and
   ``missing_facts`` in the engine's order of questions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from yibao_rules.compiled import CompiledItem, RulePlan
from yibao_rules.engine import ENUMERATION_LIMIT, build_decision, fact_domain
from yibao_rules.errors import YibaoError, did_you_mean_fact, shown
from yibao_rules.expr import UNKNOWN
from yibao_rules.expr.ast import Arith, BoolOp, Call, Compare, Expr, ListLit, Literal, Member, Name, Not, Unary
from yibao_rules.expr.typecheck import TODAY
from yibao_rules.rulebook import Rulebook
from yibao_rules.vocabulary import Fact

__all__ = [
    "OUTPUT_COLUMNS",
    "SQL_ENUMERATION_LIMIT",
    "BatchError",
    "BatchQuery",
    "Column",
    "UnsupportedConditionError",
    "build_query",
    "column_kind",
]

LOOKUP_BITS = 12
"""Up to this many rules (and facts), lists are looked up by bit pattern in tables built here."""

SQL_ENUMERATION_LIMIT = 256
"""A component of several facts is expanded in SQL only up to this many combinations of values."""

OUTPUT_COLUMNS = ("status", "failed", "unknown", "missing_facts", "invalid_reason")
"""The columns a batch run adds after the input's own."""

PREFIX = "__yb_"
NATIVE = f"{PREFIX}native"
DECIMAL_TYPE = "DECIMAL(38, 18)"
MAX_INT = 10**18


class BatchError(YibaoError):
    """A population, a column or a batch option that cannot be used as given."""


class UnsupportedConditionError(BatchError):
    """A condition node the SQL backend does not translate (a new node kind fails here, loudly)."""


@dataclass(frozen=True)
class Column:
    """An input column: its name and a coarse type (see :func:`column_kind`)."""

    name: str
    kind: str


def column_kind(sql_type: str) -> str:
    """A coarse type of a DuckDB or Spark column type: string, bool, int, float, decimal, date,
    timestamp, list, null or other."""
    t = sql_type.strip().lower()
    if t.endswith("[]") or t.startswith(("array", "list")):
        return "list"
    if t in ("varchar", "string", "text") or t.startswith(("varchar", "char")):
        return "string"
    if t in ("boolean", "bool"):
        return "bool"
    if t in ("tinyint", "smallint", "integer", "int", "bigint", "hugeint", "utinyint", "usmallint", "uinteger"):
        return "int"
    if t in ("ubigint", "long", "short", "byte"):
        return "int"
    if t in ("double", "float", "real"):
        return "float"
    if t.startswith("decimal"):
        return "decimal"
    if t == "date":
        return "date"
    if t.startswith("timestamp"):
        return "timestamp"
    if t in ('"null"', "null", "void"):
        return "null"
    return "other"


@dataclass(frozen=True)
class BatchQuery:
    """The query deciding one item on one date, and what the runner needs to finish it."""

    item: CompiledItem
    on: dt.date
    select: exp.Select
    passthrough: tuple[str, ...]
    native: bool
    """Some rows may need the engine's own exhaustive check (column ``__yb_native``)."""
    native_facts: tuple[tuple[str, str], ...] = ()
    """(fact key, hidden column of its canonical value) for the rows decided natively."""
    steps: tuple[RulePlan, ...] = field(default=(), repr=False)
    _rendered: dict[tuple[str, bool], str] = field(default_factory=dict, repr=False, compare=False)

    def sql(self, dialect: str = "duckdb", *, pretty: bool = False) -> str:
        """The query as text in ``dialect``."""
        key = (dialect, pretty)
        text = self._rendered.get(key)
        if text is None:
            text = self._rendered[key] = self.select.sql(dialect=dialect, pretty=pretty, copy=False)
        return text


def _id(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str) -> exp.Column:
    return exp.column(_id(name))


def _str(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _bool(value: bool) -> exp.Boolean:
    return exp.Boolean(this=value)


def _date(day: dt.date) -> exp.Expr:
    return exp.cast(_str(day.isoformat()), exp.DataType.build("DATE"))


def _null(typ: str) -> exp.Expr:
    return exp.cast(exp.Null(), exp.DataType.build(typ))


def _is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.paren(e, copy=False), expression=exp.Null())


def _not_null(e: exp.Expr) -> exp.Expr:
    return _neg(_is_null(e))


def _is_true(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.paren(e, copy=False), expression=_bool(True))


def _is_false(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.paren(e, copy=False), expression=_bool(False))


def _case(whens: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=cond, true=value) for cond, value in whens], default=default)


def _all(*parts: exp.Expr) -> exp.Expr:
    return exp.and_(*parts, copy=False)


def _any(*parts: exp.Expr) -> exp.Expr:
    return exp.or_(*parts, copy=False)


def _neg(part: exp.Expr) -> exp.Expr:
    return exp.not_(part, copy=False)


def _as(e: exp.Expr, name: exp.Identifier) -> exp.Expr:
    return exp.alias_(e, name, copy=False)


def _and(parts: Sequence[exp.Expr]) -> exp.Expr:
    return _all(*parts) if parts else _bool(True)


def _or(parts: Sequence[exp.Expr]) -> exp.Expr:
    return _any(*parts) if parts else _bool(False)


def _concat_ws(sep: str, parts: Sequence[exp.Expr]) -> exp.Expr:
    """``concat_ws`` that skips NULL parts (DuckDB, Spark and PostgreSQL agree)."""
    if not parts:
        return _str("")
    return exp.ConcatWs(expressions=[_str(sep), *parts], coalesce=True)


def _index(array: exp.Expr, position: exp.Expr) -> exp.Expr:
    """``array[position]`` counted from 0 (sqlglot adds 1 for dialects that count from 1)."""
    return exp.Bracket(this=array, expressions=[exp.cast(position, exp.DataType.build("INT"))])


def _lists(values: Sequence[Sequence[str]]) -> exp.Expr:
    """An array literal of text arrays."""
    inner = [exp.Array(expressions=[_str(v) for v in row]) for row in values]
    return exp.cast(exp.Array(expressions=inner), exp.DataType.build("ARRAY<ARRAY<VARCHAR>>"))


def _bits(flags: Sequence[exp.Expr]) -> exp.Expr:
    """The integer whose bit ``i`` is set where ``flags[i]`` is true."""
    return sum_expr([_case([(f, exp.Literal.number(1 << i))], exp.Literal.number(0)) for i, f in enumerate(flags)])


def _split(text: exp.Expr) -> exp.Expr:
    """A comma-separated text as a list of text; the empty text as the empty list."""
    empty = exp.cast(exp.Array(), exp.DataType.build("ARRAY<VARCHAR>"))
    return _case([(exp.EQ(this=text, expression=_str("")), empty)], exp.Split(this=text, expression=_str(",")))


# -- the condition language ------------------------------------------------------------------

FactValue = Callable[[str], exp.Expr]


class _Compiler:
    """One case per node kind, mirroring :func:`yibao_rules.expr.compile.compile_expr`."""

    def __init__(self, book: Rulebook, on: dt.date, value: FactValue) -> None:
        self.book = book
        self.on = on
        self.value = value

    def __call__(self, node: Expr) -> exp.Expr:
        match node:
            case Literal(value=bool() as b):
                return _bool(b)
            case Literal(value=int() as i):
                return exp.Literal.number(i)
            case Literal(value=Decimal() as d):
                return exp.cast(exp.Literal.number(str(d)), exp.DataType.build(DECIMAL_TYPE))
            case Literal(value=str() as s):
                return _str(s)
            case Literal(value=dt.date() as d):
                return _date(d)
            case Name(name=n) if n == TODAY:
                return _date(self.on)
            case Name(name=n) if "." in n:
                return self.value(n)
            case Name(name=n) if n in self.book.predicates:
                return exp.paren(self(self.book.predicates[n].checked.expr), copy=False)
            case Not(operand=x):
                return exp.Not(this=exp.paren(self(x), copy=False))
            case BoolOp(op="and", operands=xs):
                return exp.paren(_all(*(exp.paren(self(x), copy=False) for x in xs)), copy=False)
            case BoolOp(op="or", operands=xs):
                return exp.paren(_any(*(exp.paren(self(x), copy=False) for x in xs)), copy=False)
            case Unary(op="-", operand=x):
                return exp.Neg(this=exp.paren(self(x), copy=False))
            case Arith():
                return self.arith(node)
            case Compare(op=op, left=a, right=b):
                return exp.paren(_COMPARE[op](this=self(a), expression=self(b)), copy=False)
            case Member(element=a, container=c, negated=neg):
                found = self.member(self(a), c)
                return exp.Not(this=exp.paren(found, copy=False)) if neg else found
            case Call(func="years_between", args=(a, b)):
                return self.years_between(self(a), self(b))
            case Call(func="days_between", args=(a, b)):
                return exp.DateDiff(this=self(b), expression=self(a), unit=exp.var("DAY"))
        raise UnsupportedConditionError(
            f"SQL 后端无法翻译此条件节点 (the SQL backend cannot translate {type(node).__name__}: {node!r})"
        )

    def is_date(self, node: Expr) -> bool:
        match node:
            case Literal(value=dt.date()):
                return True
            case Name(name=n) if n == TODAY:
                return True
            case Name(name=n) if "." in n:
                fact = self.book.vocabulary.facts.get(n)
                return fact is not None and fact.kind == "date"
            case Arith(op="+" | "-", left=a, right=b):
                return self.is_date(a) and not self.is_date(b)
        return False

    def arith(self, node: Arith) -> exp.Expr:
        a, b = self(node.left), self(node.right)
        if self.is_date(node.left):
            if self.is_date(node.right):  # date - date: days
                return exp.DateDiff(this=a, expression=b, unit=exp.var("DAY"))
            days = b if node.op == "+" else exp.Neg(this=exp.paren(b, copy=False))
            return exp.DateAdd(this=a, expression=days, unit=exp.var("DAY"))
        if node.op == "/":
            decimal = exp.DataType.build(DECIMAL_TYPE)
            return exp.paren(exp.Div(this=exp.cast(a, decimal), expression=exp.cast(b, decimal)), copy=False)
        ops: dict[str, type[exp.Binary]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}
        return exp.paren(ops[node.op](this=a, expression=b), copy=False)

    def years_between(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        """Whole years from ``a`` to ``b``: the year difference, less one before the anniversary."""

        def month_day(d: exp.Expr) -> exp.Expr:
            return exp.Add(
                this=exp.Mul(this=exp.Month(this=d.copy()), expression=exp.Literal.number(100)),
                expression=exp.Day(this=d.copy()),
            )

        before = _case(
            [(exp.LT(this=month_day(b), expression=month_day(a)), exp.Literal.number(1))], exp.Literal.number(0)
        )
        years = exp.Sub(this=exp.Year(this=b.copy()), expression=exp.Year(this=a.copy()))
        return exp.paren(exp.Sub(this=years, expression=before), copy=False)

    def member(self, element: exp.Expr, container: Expr) -> exp.Expr:
        if isinstance(container, Name) and container.name in self.book.sets:
            values = [Literal(v) for v in sorted(self.book.sets[container.name].values, key=str)]
            return self.member(element, ListLit(tuple(values)))
        if not isinstance(container, ListLit):
            raise UnsupportedConditionError(
                f"SQL 后端只支持在列表或命名集合中查找 (the SQL backend looks up only in a list or a named set, "
                f"not in {container!r})"
            )
        items = [self(i) for i in container.items]
        if not items:  # x in []: false, or unknown when x is
            return _case([(_is_null(element), exp.cast(exp.Null(), exp.DataType.build("BOOLEAN")))], _bool(False))
        found: exp.Expr = exp.In(this=element, expressions=items)
        dynamic = [e for i, e in zip(container.items, items, strict=True) if not isinstance(i, Literal)]
        if dynamic:  # the engine: unknown if any item of the list is unknown
            found = _case([(_or([_is_null(d.copy()) for d in dynamic]), _null("BOOLEAN"))], found)
        return exp.paren(found, copy=False)


_COMPARE: dict[str, type[exp.Binary]] = {
    "==": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


# -- normalising input columns ---------------------------------------------------------------

_ACCEPTS = {
    "bool": ("bool", "string"),
    "enum": ("string",),
    "province": ("string", "int"),
    "admin_division": ("string", "int"),
    "date": ("date", "string"),
    "int": ("int", "string"),
    "decimal": ("int", "decimal", "float", "string"),
    "text": ("string",),
}

_EXPECTS = {
    "bool": "BOOLEAN, or text true/false",
    "enum": "text",
    "province": "text (name or code) or an integer code",
    "admin_division": "text (name or code) or an integer code",
    "date": "DATE, or text YYYY-MM-DD",
    "int": "an integer type, or text",
    "decimal": "a number type, or text",
    "text": "text",
}

_SQL_TYPE = {
    "bool": "BOOLEAN",
    "enum": "VARCHAR",
    "province": "VARCHAR",
    "admin_division": "VARCHAR",
    "date": "DATE",
    "int": "BIGINT",
    "decimal": DECIMAL_TYPE,
    "text": "VARCHAR",
}


BadCheck = Callable[[exp.Expr], exp.Expr]


def _normalise(book: Rulebook, fact: Fact, column: Column) -> tuple[exp.Expr, BadCheck | None]:
    """(canonical value, the condition that the given value is not allowed — over the canonical
    value's column, so the value is computed once) for one fact column."""
    if column.kind == "null":
        return _null(_SQL_TYPE.get(fact.kind, "VARCHAR")), None
    if fact.kind not in _ACCEPTS:
        raise BatchError(
            f"列 '{column.name}' 是 {fact.kind} 类型的事实，批量判断暂不支持 "
            f"(column '{column.name}': facts of type {fact.kind} are not supported in batch runs)"
        )
    if column.kind not in _ACCEPTS[fact.kind]:
        raise BatchError(
            f"列 '{column.name}'（{fact.label}）的类型不对 (column '{column.name}' has type {column.kind}; "
            f"the {fact.kind} fact needs {_EXPECTS[fact.kind]})"
        )
    raw = _col(column.name)
    text = raw if column.kind == "string" else exp.cast(raw, exp.DataType.build("VARCHAR"))
    value: exp.Expr
    extra_bad: list[BadCheck] = []
    match fact.kind:
        case "bool":
            if column.kind == "bool":
                return raw, None
            lowered = exp.Lower(this=exp.Trim(this=raw))
            value = _case(
                [
                    (exp.EQ(this=lowered, expression=_str("true")), _bool(True)),
                    (exp.EQ(this=lowered.copy(), expression=_str("false")), _bool(False)),
                ]
            )
        case "enum":
            position = exp.func("ARRAY_POSITION", exp.Array(expressions=[_str(v) for v in fact.values]), raw)
            options = exp.Array(expressions=[exp.Null(), *(_str(v) for v in fact.values)])
            value = _index(exp.cast(options, exp.DataType.build("ARRAY<VARCHAR>")), position)
        case "province" | "admin_division":
            divisions = book.vocabulary.divisions
            names = sorted(
                (name, code)
                for name, code in divisions.by_name.items()
                if fact.kind == "admin_division" or divisions.by_code[code].level == "省级"
            )
            # a lookup in two array literals: one comparison loop in the engine, not a CASE per name
            position = exp.func(
                "ARRAY_POSITION", exp.Array(expressions=[_str(n) for n, _ in names]), exp.Trim(this=text)
            )
            codes = exp.Array(expressions=[exp.Null(), *(_str(c) for _, c in names)])
            value = _index(exp.cast(codes, exp.DataType.build("ARRAY<VARCHAR>")), position)
        case "date":
            if column.kind == "date":
                value = raw
            else:
                pattern = exp.RegexpLike(this=raw, expression=_str("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
                value = _case([(pattern, exp.TryCast(this=raw.copy(), to=exp.DataType.build("DATE")))])
            low, high = fact.spec.minimum, fact.spec.maximum
            if low:
                extra_bad.append(lambda v: exp.LT(this=v, expression=_date(low)))
            if high:
                extra_bad.append(lambda v: exp.GT(this=v, expression=_date(high)))
        case "int":
            if column.kind == "int":
                value = exp.cast(raw, exp.DataType.build("BIGINT"))
            else:
                pattern = exp.RegexpLike(this=raw, expression=_str("^-?[0-9]{1,18}$"))
                value = _case([(pattern, exp.TryCast(this=raw.copy(), to=exp.DataType.build("BIGINT")))])
            extra_bad.append(lambda v: exp.GTE(this=exp.Abs(this=v), expression=exp.Literal.number(MAX_INT)))
        case "decimal":
            value = exp.TryCast(this=text if column.kind == "string" else raw, to=exp.DataType.build(DECIMAL_TYPE))
        case _:  # text
            return raw, None

    def bad(canonical: exp.Expr) -> exp.Expr:
        found = _all(_not_null(_col(column.name)), _is_null(canonical.copy()))
        if extra_bad:
            found = _any(found, *(exp.paren(check(canonical.copy()), copy=False) for check in extra_bad))
        return found

    return value, bad


def _bad_reason(fact: Fact, column: Column) -> exp.Expr:
    """'column' (label): 'value' is not allowed …, computed per row."""
    raw = _col(column.name)
    text = raw if column.kind == "string" else exp.cast(raw, exp.DataType.build("VARCHAR"))
    allowed = f"; allowed: {'、'.join(fact.values)}" if fact.kind == "enum" else f"; expected {fact.kind}"
    return exp.Concat(
        expressions=[
            _str(f"列 '{column.name}'（{fact.label}）的值 '"),
            text,
            _str(f"' 不可用 (column '{column.name}': value not allowed{allowed})"),
        ]
    )


# -- the query --------------------------------------------------------------------------------


@dataclass
class _Component:
    steps: list[int]
    facts: list[str]


def _components(steps: Sequence[RulePlan]) -> list[_Component]:
    """Groups of rules that share no fact with other groups (union-find over facts)."""
    parent = list(range(len(steps)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, step in enumerate(steps):
        for f in sorted(step.condition.facts):
            if f in owner:
                parent[root(i)] = root(owner[f])
            else:
                owner[f] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(steps)):
        groups.setdefault(root(i), []).append(i)
    return [
        _Component(members, sorted(set().union(*(steps[i].condition.facts for i in members))))
        for members in groups.values()
    ]


_CACHE: dict[tuple[Any, ...], tuple[Rulebook, BatchQuery]] = {}
_CACHE_SIZE = 64


_TABLE_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff$]*(\.[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff$]*){0,2}")


def _table(name: str) -> exp.Table:
    """``name`` (``table``, ``schema.table`` or ``catalog.schema.table``) as a table, or a BatchError."""
    if not isinstance(name, str) or len(name) > 200 or not _TABLE_NAME.fullmatch(name):
        raise BatchError(
            f"表名不合法 (a table is named like table, schema.table or catalog.schema.table; not {shown(name)})"
        )
    return exp.to_table(name, quoted=True)


def build_query(
    book: Rulebook,
    item: str,
    on: dt.date,
    columns: Sequence[Column],
    *,
    table: str = "population",
    sql_enumeration_limit: int = SQL_ENUMERATION_LIMIT,
) -> BatchQuery:
    """The SELECT deciding ``item`` on ``on`` for every row of ``table``.

    ``columns`` are the table's columns. A column named like a fact (``applicant.x``) is that
    fact; one named after a party but no known fact is an error (a misspelt fact would
    otherwise be unknown for every row); any other column passes through. Queries are kept for
    reuse per rulebook, item, date and columns.
    """
    key = (id(book), book.version, item, on, tuple(columns), table, sql_enumeration_limit)
    found = _CACHE.get(key)
    if found is not None and found[0] is book:
        return found[1]
    query = _build_query(book, item, on, columns, table=table, sql_enumeration_limit=sql_enumeration_limit)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (book, query)
    return query


def _build_query(
    book: Rulebook,
    item: str,
    on: dt.date,
    columns: Sequence[Column],
    *,
    table: str = "population",
    sql_enumeration_limit: int = SQL_ENUMERATION_LIMIT,
) -> BatchQuery:
    compiled = book.item(item)
    vocabulary = book.vocabulary
    names = [c.name for c in columns]
    for c in columns:
        if c.name.startswith(PREFIX) or c.name in OUTPUT_COLUMNS:
            raise BatchError(
                f"列名 '{c.name}' 与输出列冲突 (column '{c.name}' clashes with the output's own columns; rename it)"
            )
        if c.name in vocabulary.parties:
            example = next((k for k in vocabulary.facts if k.startswith(c.name + ".")), "")
            raise BatchError(
                f"列 '{c.name}' 是当事方而不是事实 (column '{c.name}' is a party: give its facts as flat columns "
                f"named like '{c.name}.…', e.g. {example})"
            )
        if c.name not in vocabulary.facts and c.name.split(".", 1)[0] in vocabulary.parties and "." in c.name:
            raise BatchError(
                f"未知的事实列 (unknown fact column) '{c.name}'{did_you_mean_fact(c.name, vocabulary.facts)}"
            )
    if len(set(names)) != len(names):
        raise BatchError(f"列名重复 (duplicate column names: {sorted({n for n in names if names.count(n) > 1})})")

    # 1. normalise every fact column (a bad value in any fact is refused, as decide refuses it)
    by_name = {c.name: c for c in columns}
    fact_cols: dict[str, str] = {}
    layer1: list[exp.Expr] = [_col(n) for n in names]
    bad_checks: list[exp.Expr] = []
    bad_reasons: list[exp.Expr] = []
    for i, c in enumerate(columns):
        spec = vocabulary.facts.get(c.name)
        if spec is None:
            continue
        canonical, bad = _normalise(book, spec, c)
        hidden = f"{PREFIX}v{i}"
        fact_cols[c.name] = hidden
        layer1.append(_as(canonical, _id(hidden)))
        if bad is not None:
            bad_checks.append(bad(_col(hidden)))
            bad_reasons.append(_case([(bad(_col(hidden)), _bad_reason(spec, c))]))
    select0 = exp.select(*layer1, copy=False).from_(_table(table), copy=False)
    reason = (
        _case([(_or(bad_checks), exp.func("NULLIF", _concat_ws("; ", bad_reasons), _str("")))])
        if bad_reasons
        else _null("VARCHAR")
    )
    checked = [*(_col(n) for n in names), *(_col(h) for h in fact_cols.values()), _as(reason, _id("invalid_reason"))]
    select1 = exp.select(*checked, copy=False).from_(select0.subquery("read", copy=False), copy=False)

    def fact(key: str) -> exp.Expr:
        """A fact's canonical value: its hidden column (carried through every layer), or NULL."""
        hidden = fact_cols.get(key)
        if hidden is not None:
            return _col(hidden)
        return _null(_SQL_TYPE.get(vocabulary.facts[key].kind, "VARCHAR"))

    model = compiled.model
    steps = compiled.rules_in_force(on)
    carried = [*names, "invalid_reason"]

    def valid_() -> exp.Expr:
        return _is_null(_col("invalid_reason"))

    valid = valid_()
    out_cols: list[exp.Expr] = [_col(n) for n in names]

    if (model.effective_from or model.effective_to) and not model.in_force(on):
        decided = [
            _case([(valid_(), _str("ineligible"))], _str("invalid")),
            _split(_case([(valid_(), _str("item_in_force"))], _str(""))),
            _split(_str("")),
            _split(_str("")),
        ]
        final = exp.select(*out_cols, *(_as(e, _id(n)) for e, n in zip(decided, OUTPUT_COLUMNS, strict=False))).select(
            _col("invalid_reason"), copy=False
        )
        return BatchQuery(
            compiled, on, final.from_(select1.subquery("normalised", copy=False), copy=False), tuple(names), False
        )

    if not steps:
        decided = [
            _case([(valid_(), _str("undetermined"))], _str("invalid")),
            _split(_str("")),
            _split(_str("")),
            _split(_str("")),
        ]
        final = exp.select(*out_cols, *(_as(e, _id(n)) for e, n in zip(decided, OUTPUT_COLUMNS, strict=False))).select(
            _col("invalid_reason"), copy=False
        )
        return BatchQuery(
            compiled, on, final.from_(select1.subquery("normalised", copy=False), copy=False), tuple(names), False
        )

    # 2. each rule in force: TRUE / FALSE / NULL
    compiler = _Compiler(book, on, fact)
    rule_cols = [f"{PREFIX}r{i}" for i in range(len(steps))]
    relevant = sorted(set().union(*(s.condition.facts for s in steps)))
    hidden_facts = [fact_cols[k] for k in relevant if k in fact_cols]
    layer2: list[exp.Expr] = [_col(n) for n in [*carried, *hidden_facts]]
    for col, step in zip(rule_cols, steps, strict=True):
        layer2.append(_as(compiler(step.condition.checked.expr), _id(col)))
    select2 = exp.select(*layer2, copy=False).from_(select1.subquery("normalised", copy=False), copy=False)

    r = [_col(c) for c in rule_cols]
    any_false = _or([_is_false(x.copy()) for x in r])
    all_true = _and([_is_true(x.copy()) for x in r])
    open_ = [_is_null(x.copy()) for x in r]
    null = {k: _is_null(fact(k)) for k in relevant}

    # 3. the engine's exhaustive check: which missing facts it would try, and whether it may
    domains = {k: fact_domain(book, vocabulary.facts[k]) for k in relevant}
    counts = {
        k: _all(null[k].copy(), _or([open_[i].copy() for i, s in enumerate(steps) if k in s.condition.facts]))
        for k in relevant
    }
    infinite = [counts[k].copy() for k in relevant if domains[k] is None]
    size: exp.Expr = exp.Literal.number(1)
    for k in relevant:
        d = domains[k]
        if d is not None and len(d) > 1:
            size = exp.Mul(
                this=size, expression=_case([(counts[k].copy(), exp.Literal.number(len(d)))], exp.Literal.number(1))
            )
    limit_ok = _all(
        _neg(exp.paren(_or(infinite), copy=False)), exp.LTE(this=size, expression=exp.Literal.number(ENUMERATION_LIMIT))
    )

    const_true: list[exp.Expr] = []
    const_false: list[exp.Expr] = []
    needs_native: list[exp.Expr] = []
    for comp in _components(steps):
        whole = _and([r[i].copy() for i in comp.steps])
        # Only the finite facts are tried: a missing fact of infinite domain in an unknown rule
        # stops the engine's check (limit_ok is false), and a rule already true stays true.
        finite = [k for k in comp.facts if domains[k] is not None]
        combos = 1
        for k in finite:
            combos *= len(domains[k] or ())
        if combos > sql_enumeration_limit:
            const_true.append(_is_true(whole))
            const_false.append(_is_false(whole.copy()))
            needs_native.append(_is_null(whole.copy()))
            continue
        conds = [steps[i].condition for i in comp.steps]
        if len(comp.facts) == 1 and finite:  # settled now: the component over every value of its one fact
            key = comp.facts[0]
            outcomes = {all(c.evaluate({key: v}, on) is True for c in conds) for v in domains[key] or ()}
            can_true, can_false = True in outcomes, False in outcomes
            const_true.append(_any(_is_true(whole), _all(null[key].copy(), _bool(not can_false))))
            const_false.append(_any(_is_false(whole.copy()), _all(null[key].copy(), _bool(not can_true))))
            continue
        # several facts: every value of the missing finite ones, substituted in SQL
        assignments = []
        for values in itertools.product(*(domains[k] or () for k in finite)):
            subst = dict(zip(finite, values, strict=True))

            def filled(key: str, subst: Mapping[str, Any] = subst) -> exp.Expr:
                if key in subst:
                    return exp.func("COALESCE", fact(key), _Compiler(book, on, fact)(Literal(subst[key])))
                return fact(key)

            sub = _Compiler(book, on, filled)
            assignments.append(exp.paren(_and([sub(steps[i].condition.checked.expr) for i in comp.steps]), copy=False))
        can_true_e = _or([_is_true(a) for a in assignments])
        can_false_e = _or([_is_false(a.copy()) for a in assignments])
        const_true.append(_any(_is_true(whole), _neg(exp.paren(can_false_e, copy=False))))
        const_false.append(_any(_is_false(whole.copy()), _neg(exp.paren(can_true_e, copy=False))))

    undetermined = _all(_neg(exp.paren(any_false, copy=False)), _neg(exp.paren(all_true, copy=False)))
    settle_false = _all(limit_ok, exp.paren(_or(const_false), copy=False))
    settle_true = _all(limit_ok.copy(), exp.paren(_and(const_true), copy=False))

    status = _case(
        [
            (_not_null(_col("invalid_reason")), _str("invalid")),
            (any_false.copy(), _str("ineligible")),
            (all_true.copy(), _str("eligible")),
            (settle_false, _str("ineligible")),
            (settle_true, _str("eligible")),
        ],
        _str("undetermined"),
    )
    native = (
        _all(
            valid.copy(),
            undetermined,
            limit_ok.copy(),
            _neg(exp.paren(_or([c.copy() for c in const_false]), copy=False)),
            exp.paren(_or(needs_native), copy=False),
        )
        if needs_native
        else None
    )

    # 4. missing facts in the engine's order of questions (see engine._order_questions):
    # by the first open rule needing the fact (fewest missing facts first, then file order),
    # then by how many open rules need it, then by name.
    m = [
        sum_expr(
            [_case([(null[k].copy(), exp.Literal.number(1))], exp.Literal.number(0)) for k in sorted(s.condition.facts)]
        )
        for s in steps
    ]
    big = (len(relevant) + 1) * (len(steps) + 1) + len(steps) + 1
    width = len(relevant) + 1
    keys: dict[str, exp.Expr] = {}
    inside: dict[str, exp.Expr] = {}
    for rank, k in enumerate(relevant):
        firsts = [
            exp.func(
                "COALESCE",
                _case(
                    [
                        (
                            _all(open_[i].copy(), null[k].copy()),
                            exp.Add(
                                this=exp.Mul(
                                    this=exp.paren(m[i].copy(), copy=False),
                                    expression=exp.Literal.number(len(steps) + 1),
                                ),
                                expression=exp.Literal.number(i),
                            ),
                        )
                    ]
                ),
                exp.Literal.number(big),
            )
            for i, s in enumerate(steps)
            if k in s.condition.facts
        ]
        first = exp.func("LEAST", *firsts) if len(firsts) > 1 else firsts[0]
        demand = sum_expr(
            [
                _case([(_all(open_[i].copy(), null[k].copy()), exp.Literal.number(1))], exp.Literal.number(0))
                for i, s in enumerate(steps)
                if k in s.condition.facts
            ]
        )
        inside[k] = exp.LT(this=first.copy(), expression=exp.Literal.number(big))
        keys[k] = exp.Add(
            this=exp.Mul(this=exp.paren(first, copy=False), expression=exp.Literal.number(width * width)),
            expression=exp.Add(
                this=exp.Mul(
                    this=exp.paren(
                        exp.Sub(this=exp.Literal.number(width), expression=exp.paren(demand, copy=False)), copy=False
                    ),
                    expression=exp.Literal.number(width),
                ),
                expression=exp.Literal.number(rank),
            ),
        )

    # layer 3: rule outcomes → status, and per fact its key and whether it is asked
    layer3: list[exp.Expr] = [_col(n) for n in carried]
    layer3.append(_as(status, _id(f"{PREFIX}status")))
    layer3.append(
        _as(
            _concat_ws(",", [_case([(_is_false(x.copy()), _str(s.rule.id))]) for x, s in zip(r, steps, strict=True)]),
            _id(f"{PREFIX}failed"),
        )
    )
    layer3.append(
        _as(
            _concat_ws(",", [_case([(_is_null(x.copy()), _str(s.rule.id))]) for x, s in zip(r, steps, strict=True)]),
            _id(f"{PREFIX}unknown"),
        )
    )
    small = len(steps) <= LOOKUP_BITS and len(steps) + len(relevant) <= LOOKUP_BITS
    if small:  # the lists are looked up by bit patterns in tables computed here
        layer3.append(_as(_bits([_is_false(x.copy()) for x in r]), _id(f"{PREFIX}fp")))
        layer3.append(_as(_bits([_is_null(x.copy()) for x in r]), _id(f"{PREFIX}up")))
        flags = [*(o.copy() for o in open_), *(null[k].copy() for k in relevant)]
        layer3.append(_as(_bits(flags), _id(f"{PREFIX}mp")))
    for j, k in enumerate(relevant if not small else ()):
        layer3.append(_as(inside[k], _id(f"{PREFIX}in{j}")))
        layer3.append(_as(keys[k], _id(f"{PREFIX}key{j}")))
    if native is not None:
        layer3.append(_as(native, _id(NATIVE)))
        layer3.extend(_col(h) for h in hidden_facts)
    select3 = exp.select(*layer3, copy=False).from_(select2.subquery("rules", copy=False), copy=False)

    # layer 4: lists, and missing facts placed by their rank among the asked ones
    st = _col(f"{PREFIX}status")
    undecided = exp.EQ(this=st.copy(), expression=_str("undetermined"))
    slots = []
    for p in range(len(relevant) if not small else 0):
        whens = []
        for j, k in enumerate(relevant):
            before = sum_expr(
                [
                    _case(
                        [
                            (
                                _all(
                                    _is_true(_col(f"{PREFIX}in{i}")),
                                    exp.LT(this=_col(f"{PREFIX}key{i}"), expression=_col(f"{PREFIX}key{j}")),
                                ),
                                exp.Literal.number(1),
                            )
                        ],
                        exp.Literal.number(0),
                    )
                    for i in range(len(relevant))
                    if i != j
                ]
            )
            whens.append(
                (
                    _all(
                        _is_true(_col(f"{PREFIX}in{j}")),
                        exp.EQ(this=exp.paren(before, copy=False), expression=exp.Literal.number(p)),
                    ),
                    _str(k),
                )
            )
        slots.append(_case(whens))
    missing = _case([(undecided, _concat_ws(",", slots))], _str(""))
    is_valid = _is_null(_col("invalid_reason"))
    final_cols: list[exp.Expr] = [_col(n) for n in names]
    final_cols.append(_as(st.copy(), _id("status")))
    if small:
        ids = [s.rule.id for s in steps]
        by_bits = [[rule for b, rule in enumerate(ids) if p >> b & 1] for p in range(1 << len(steps))]
        none = exp.cast(exp.Array(), exp.DataType.build("ARRAY<VARCHAR>"))
        failed_e = _case([(is_valid, _index(_lists(by_bits), _col(f"{PREFIX}fp")))], none)
        unknown_e = _case([(is_valid.copy(), _index(_lists(by_bits), _col(f"{PREFIX}up")))], none.copy())
        questions = _question_orders(book, compiled, steps, relevant, on)
        missing_e = _case([(undecided.copy(), _index(_lists(questions), _col(f"{PREFIX}mp")))], none.copy())
        final_cols += [
            _as(failed_e, _id("failed")),
            _as(unknown_e, _id("unknown")),
            _as(missing_e, _id("missing_facts")),
        ]
    else:
        final_cols.append(_as(_split(_case([(is_valid, _col(f"{PREFIX}failed"))], _str(""))), _id("failed")))
        final_cols.append(_as(_split(_case([(is_valid.copy(), _col(f"{PREFIX}unknown"))], _str(""))), _id("unknown")))
        final_cols.append(_as(_split(missing), _id("missing_facts")))
    final_cols.append(_col("invalid_reason"))
    native_facts: tuple[tuple[str, str], ...] = ()
    if native is not None:
        final_cols.append(_col(NATIVE))
        final_cols.extend(_col(h) for h in hidden_facts)
        native_facts = tuple((k, fact_cols[k]) for k in relevant if k in fact_cols)
    final = exp.select(*final_cols, copy=False).from_(select3.subquery("decided", copy=False), copy=False)
    _ = by_name
    return BatchQuery(compiled, on, final, tuple(names), native is not None, native_facts, tuple(steps))


def _question_orders(
    book: Rulebook, compiled: CompiledItem, steps: Sequence[RulePlan], relevant: Sequence[str], on: dt.date
) -> list[list[str]]:
    """Per bit pattern (bit i: rule i is unknown; bit len(steps)+j: fact j is missing), the
    engine's own order of the missing facts, from :func:`~yibao_rules.engine.build_decision`."""
    out: list[list[str]] = []
    for pattern in range(1 << (len(steps) + len(relevant))):
        values = [UNKNOWN if pattern >> i & 1 else True for i in range(len(steps))]
        flat = {k: None for j, k in enumerate(relevant) if not pattern >> (len(steps) + j) & 1}
        if all(v is True for v in values):
            out.append([])
            continue
        decision = build_decision(book, compiled, steps, values, flat, on, refine=False)
        out.append(list(decision.missing_facts))
    return out


def sum_expr(parts: Sequence[exp.Expr]) -> exp.Expr:
    """``a + b + …`` (0 for none)."""
    if not parts:
        return exp.Literal.number(0)
    total = parts[0]
    for p in parts[1:]:
        total = exp.Add(this=total, expression=p)
    return total
