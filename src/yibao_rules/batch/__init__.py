"""Population-scale evaluation (免申即享): an item's rules compiled to SQL, run by DuckDB or Spark.

>>> import datetime as dt, pyarrow as pa
>>> from yibao_rules import load_rulebook
>>> from yibao_rules.batch import decide_many
>>> people = pa.table({"person_id": [1, 2], "family_member.relationship": ["兄弟姐妹", "其他"]})
>>> result = decide_many(load_rulebook(), "职工医保个人账户家庭共济办理", people, on=dt.date(2024, 1, 1))
>>> result.column("status").to_pylist()
['undetermined', 'ineligible']

For every row the result equals ``book.decide(item, row, on)``: ``status``, ``failed`` and
``unknown`` (rule ids in file order) and ``missing_facts`` (in the order of the next questions).
See :mod:`yibao_rules.batch.sql` for how, and :mod:`yibao_rules.batch.run` for the engines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from yibao_rules.batch.run import (
    BATCH_ROWS,
    ENGINES,
    Summary,
    run_duckdb,
    run_spark,
    spark_session,
    spark_table,
    write_batches,
)
from yibao_rules.batch.sql import OUTPUT_COLUMNS, BatchError, BatchQuery, Column, UnsupportedConditionError, build_query
from yibao_rules.engine import decision_date
from yibao_rules.rulebook import Rulebook

__all__ = [
    "BATCH_ROWS",
    "ENGINES",
    "OUTPUT_COLUMNS",
    "BatchError",
    "BatchQuery",
    "Column",
    "Summary",
    "UnsupportedConditionError",
    "build_query",
    "decide_many",
    "run_duckdb",
    "run_spark",
    "write_batches",
]

BAD_ROWS = ("stop", "report")


def decide_many(
    book: Rulebook,
    item: str,
    data: Any,
    on: dt.date | None = None,
    *,
    on_bad_rows: str = "stop",
    engine: str = "duckdb",
    spark: Any = None,
) -> pa.Table:
    """Decide ``item`` for every row of ``data`` (a path to Parquet, CSV or JSON Lines, or a
    pandas, Polars or Arrow table) as of ``on``; an Arrow table, one row per input row, in input
    order: the input's columns, then ``status``, ``failed``, ``unknown``, ``missing_facts``
    (and ``invalid_reason`` with ``on_bad_rows="report"``).

    Column names are fact keys; a missing column is unknown for every row; other columns pass
    through. A value outside its fact's type stops the run (:class:`BatchError`, naming the row,
    the column and the value) or, with ``on_bad_rows="report"``, makes that row ``invalid``.
    """
    day = decision_date(on)
    if on_bad_rows not in BAD_ROWS:
        raise BatchError(
            f"on_bad_rows 只能是 stop 或 report (on_bad_rows must be 'stop' or 'report', not {on_bad_rows!r})"
        )
    if engine == "spark":
        session = spark or spark_session()
        return spark_table(run_spark(book, item, data, day, spark=session, check=False), on_bad_rows)
    if engine != "duckdb":
        raise BatchError(f"未知的引擎 (unknown engine '{engine}'; engines: {', '.join(ENGINES)})")
    _, batches = run_duckdb(book, item, data, day, on_bad_rows=on_bad_rows)
    collected = list(batches)
    if not collected:
        raise BatchError("人群为空 (the population has no columns or could not be read)")
    return pa.Table.from_batches(collected)
