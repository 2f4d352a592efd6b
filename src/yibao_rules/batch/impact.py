"""Rule-change impact on a population: the population-scale counterpart of ``diff``'s witness.

Both rulebooks decide every row (the same SQL as ``batch``, one query per rulebook over the same
input, paired row by row with DuckDB's ``POSITIONAL JOIN``); rows whose status changes are
counted per item and per direction, with the rules that made the difference (failing under one
rulebook but not the other) and a few example rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from yibao_rules.batch.run import duckdb_columns, duckdb_relation
from yibao_rules.batch.sql import BatchError, build_query
from yibao_rules.rulebook import Rulebook

__all__ = ["Change", "ItemImpact", "impact"]


@dataclass(frozen=True)
class Change:
    """Rows of one item whose status went from ``old`` to ``new``."""

    old: str
    new: str
    count: int
    rules: tuple[str, ...]
    examples: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.old,
            "to": self.new,
            "count": self.count,
            "rules": list(self.rules),
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class ItemImpact:
    item: str
    item_id: str
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, "item_id": self.item_id, "changes": [c.to_json() for c in self.changes]}


def impact(
    old: Rulebook,
    new: Rulebook,
    population: Any,
    on: dt.date,
    *,
    items: Sequence[str] | None = None,
    examples: int = 3,
) -> tuple[int, list[ItemImpact]]:
    """(rows, per item the status changes between ``old`` and ``new``) over ``population``.

    Items are those of ``new`` that ``old`` also has (by id), or ``items``; an item with no rule
    in either rulebook is skipped. Bad values stop the run, as in ``batch``.
    """
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        relation, _ = duckdb_relation(con, population if not isinstance(population, str) else Path(population))
        relation.create_view("population")
        columns = duckdb_columns(relation)
        rows = int(con.execute('SELECT count(*) FROM "population"').fetchone()[0])  # type: ignore[index]
        chosen = [new.item(i).id for i in items] if items else [i for i in new.items if i in old.items]
        out = []
        for item_id in chosen:
            if item_id not in old.items:
                raise BatchError(f"旧规则库没有事项 '{item_id}' (the old rulebook has no item '{item_id}')")
            if not (old.items[item_id].plan or new.items[item_id].plan):
                continue
            out.append(_item(con, old, new, item_id, on, columns, examples))
        return rows, out
    except duckdb.Error as exc:
        raise BatchError(f"影响分析失败 (the impact query failed: {exc})") from None
    finally:
        con.close()


def _item(
    con: duckdb.DuckDBPyConnection,
    old: Rulebook,
    new: Rulebook,
    item_id: str,
    on: dt.date,
    columns: Any,
    examples: int,
) -> ItemImpact:
    queries = [build_query(book, item_id, on, columns, table="population") for book in (old, new)]
    if any(q.native for q in queries):
        raise BatchError(
            f"事项 '{item_id}' 有些行需要引擎逐行穷举，影响分析暂不支持 (some rows of '{item_id}' need the "
            "engine's exhaustive check; impact does not support that yet)"
        )
    for q in queries:
        bad = con.execute(
            f"SELECT invalid_reason FROM ({q.sql('duckdb')}) WHERE invalid_reason IS NOT NULL LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise BatchError(str(bad[0]))
    passthrough = [exp.column(exp.to_identifier(n, quoted=True), table="o") for n in queries[0].passthrough]
    select = exp.select(
        *passthrough,
        exp.alias_(exp.column("status", table="o"), "old_status"),
        exp.alias_(exp.column("status", table="n"), "new_status"),
        exp.alias_(exp.column("failed", table="o"), "old_failed"),
        exp.alias_(exp.column("failed", table="n"), "new_failed"),
    )
    old_sql, new_sql = (q.sql("duckdb") for q in queries)
    sql = f"{select.sql('duckdb')} FROM ({old_sql}) AS o POSITIONAL JOIN ({new_sql}) AS n WHERE o.status <> n.status"
    con.execute(f"CREATE OR REPLACE TEMP TABLE changed AS {sql}")
    groups = con.execute(
        "SELECT old_status, new_status, count(*) FROM changed GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
    ).fetchall()
    changes = []
    names = [*queries[0].passthrough]
    for old_status, new_status, count in groups:
        rules = con.execute(
            "SELECT DISTINCT r FROM (SELECT unnest(list_concat(list_filter(old_failed, lambda x: NOT list_contains("
            "new_failed, x)), list_filter(new_failed, lambda x: NOT list_contains(old_failed, x)))) AS r FROM changed "
            "WHERE old_status = ? AND new_status = ?) ORDER BY r",
            [old_status, new_status],
        ).fetchall()
        sample = con.execute(
            "SELECT * EXCLUDE (old_status, new_status, old_failed, new_failed) FROM changed "
            "WHERE old_status = ? AND new_status = ? LIMIT ?",
            [old_status, new_status, examples],
        ).fetchall()
        changes.append(
            Change(
                old_status,
                new_status,
                int(count),
                tuple(r[0] for r in rules),
                tuple({k: _plain(v) for k, v in zip(names, row, strict=True)} for row in sample),
            )
        )
    compiled = new.item(item_id)
    return ItemImpact(compiled.name, compiled.id, tuple(changes))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
