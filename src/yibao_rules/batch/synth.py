"""Synthetic populations over the vocabulary's facts, for trying ``batch`` without personal data.

Each row gets every fact of the vocabulary (or the ones asked for): enum values uniform,
yes/no facts uniform, provinces by name, short name or code, admin divisions by code, dates
uniform in a stated range, numbers in a small range, and a fraction ``unknown_rate`` left
unknown. DuckDB generates the rows and writes them as it goes, so any size fits in memory.
A Parquet file says ``synthetic: true`` in its key-value metadata; a CSV file has a
``synthetic`` column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
from sqlglot import exp

from yibao_rules.batch.run import input_format
from yibao_rules.batch.sql import BatchError
from yibao_rules.rulebook import Rulebook
from yibao_rules.vocabulary import Fact

__all__ = ["DATE_RANGE", "synthesise"]

DATE_RANGE = (dt.date(1940, 1, 1), dt.date(2025, 12, 31))


def _pick(values: Sequence[exp.Expr], rnd: exp.Expr) -> exp.Expr:
    """One of ``values`` chosen by a uniform random number in [0, 1)."""
    array = exp.Array(expressions=list(values))
    position = exp.cast(exp.Floor(this=exp.Mul(this=rnd, expression=exp.Literal.number(len(values)))), "INT")
    return exp.Bracket(this=array, expressions=[position])


def _value(book: Rulebook, fact: Fact) -> exp.Expr:
    rnd = exp.func("RANDOM")
    divisions = book.vocabulary.divisions
    match fact.kind:
        case "bool":
            return exp.LT(this=rnd, expression=exp.Literal.number(0.5))
        case "enum":
            return _pick([exp.Literal.string(v) for v in fact.values], rnd)
        case "province":
            names = []
            for d in divisions.by_code.values():
                if d.level == "省级":
                    names += [d.name, d.code, *([d.short_name] if d.short_name else [])]
            return _pick([exp.Literal.string(n) for n in names], rnd)
        case "admin_division":
            return _pick([exp.Literal.string(c) for c in sorted(divisions.by_code)], rnd)
        case "date":
            low = fact.spec.minimum or DATE_RANGE[0]
            high = fact.spec.maximum or DATE_RANGE[1]
            span = (high - low).days + 1
            days = exp.cast(exp.Floor(this=exp.Mul(this=rnd, expression=exp.Literal.number(span))), "INT")
            return exp.DateAdd(
                this=exp.cast(exp.Literal.string(low.isoformat()), "DATE"), expression=days, unit=exp.var("DAY")
            )
        case "int" | "decimal":
            return exp.cast(exp.Floor(this=exp.Mul(this=rnd, expression=exp.Literal.number(100))), "INT")
        case "text":
            return exp.Literal.string("synthetic")
    raise BatchError(f"无法合成 {fact.kind} 类型的事实 (cannot synthesise facts of type {fact.kind}: {fact.key})")


def synthesise(
    book: Rulebook,
    rows: int,
    out: Path,
    *,
    seed: int = 0,
    unknown_rate: float = 0.1,
    facts: Sequence[str] | None = None,
) -> int:
    """Write ``rows`` synthetic rows (a ``person_id`` and one column per fact) to ``out``."""
    if rows < 0:
        raise BatchError(f"行数不能为负 (--rows must be at least 0, not {rows})")
    if not 0 <= unknown_rate <= 1:
        raise BatchError(f"未知比例须在 0 到 1 之间 (--unknown-rate must be between 0 and 1, not {unknown_rate})")
    fmt = input_format(out)
    if fmt == "jsonl":
        raise BatchError(f"{out}: 合成人群写为 Parquet 或 CSV (write Parquet or CSV)")
    keys = sorted(book.vocabulary.facts) if facts is None else list(facts)
    columns: list[exp.Expr] = [exp.alias_(exp.column("i"), "person_id")]
    for key in keys:
        fact = book.vocabulary.facts[key]
        if fact.kind == "enum_set":
            continue
        unknown = exp.LT(this=exp.func("RANDOM"), expression=exp.Literal.number(unknown_rate))
        value = exp.Case(ifs=[exp.If(this=unknown, true=exp.Null())], default=_value(book, fact))
        columns.append(exp.alias_(value, exp.to_identifier(key, quoted=True)))
    if fmt == "csv":
        columns.append(exp.alias_(exp.true(), "synthetic"))
    select = exp.select(*columns).from_(f"range({int(rows)}) AS t(i)")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SELECT setseed(?)", [(seed % 2_000_000) / 1_000_000 - 1])
        con.execute("SET threads = 1")  # one thread: the same seed gives the same rows
        target = exp.Literal.string(str(out)).sql("duckdb")  # quoted and escaped by sqlglot
        options = "FORMAT parquet, KV_METADATA {synthetic: 'true'}" if fmt == "parquet" else "FORMAT csv, HEADER"
        con.execute(f"COPY ({select.sql('duckdb')}) TO {target} ({options})")
    except duckdb.Error as exc:
        raise BatchError(f"{out}: 无法写入合成人群 (cannot write the synthetic population: {exc})") from None
    finally:
        con.close()
    return rows
