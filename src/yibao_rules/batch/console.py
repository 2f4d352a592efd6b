"""The ``batch`` and ``sql`` commands' work: a progress bar and a summary on stderr, or the SQL text.

The command layer (:mod:`yibao_rules.cli`) stays thin; this module knows the terminal.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import sqlglot
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from yibao_rules.batch.run import Summary, copy_duckdb, run_duckdb, run_spark, spark_session, write_batches
from yibao_rules.batch.sql import BatchError, Column, build_query
from yibao_rules.rulebook import Rulebook

__all__ = ["item_sql", "render_summary", "run_batch_command"]

_NATURAL = {"bool": "bool", "date": "date", "int": "int", "decimal": "decimal"}


def item_sql(book: Rulebook, item: str, on: dt.date, dialect: str, table: str, keep: tuple[str, ...] = ()) -> str:
    """The SELECT deciding ``item`` on ``on`` over ``table``, whose columns are the item's facts
    (enum, province and division columns as text: names or codes; bool, date and numbers typed)
    and the ``keep`` columns (a person id), which pass through."""
    if dialect not in sqlglot.Dialect.classes:
        raise BatchError(f"未知的 SQL 方言 (unknown dialect '{dialect}'; e.g. duckdb, postgres, spark)")
    compiled = book.item(item)
    facts = sorted(set().union(*(s.condition.facts for s in compiled.plan)))
    columns = [Column(k, "string") for k in keep] + [
        Column(k, _NATURAL.get(book.vocabulary.facts[k].kind, "string")) for k in facts
    ]
    query = build_query(book, item, on, columns, table=table)
    if query.native:
        raise BatchError(
            "此事项有些行需要引擎逐行穷举，单条 SQL 无法给出 (some rows of this item need the engine's exhaustive "
            "check, which one SQL statement cannot give; use `yibao-rules batch`)"
        )
    return query.sql(dialect, pretty=True) + ";"


def render_summary(summary: Summary, seconds: float, console: Console) -> None:
    table = Table(title=f"{summary.rows} 行 (rows), {seconds:.2f} s", show_edge=False)
    table.add_column("status / 未通过的规则 (failing rule)")
    table.add_column("rows", justify="right")
    for status, count in sorted(summary.status.items()):
        table.add_row(status, str(count))
    for rule, count in summary.failed.most_common():
        table.add_row(f"  ✗ {rule}", str(count))
    console.print(table)


def run_batch_command(
    book: Rulebook,
    item: str,
    population: Path,
    on: dt.date,
    out: Path,
    engine: str,
    master: str,
    on_bad_rows: str,
) -> dict[str, Any]:
    """Decide a population file into ``out``; progress and summary on stderr; the summary's data."""
    if not out.parent.is_dir():
        raise BatchError(f"{out}: 输出目录不存在 (the output folder {out.parent} does not exist)")
    console = Console(stderr=True)
    start = time.perf_counter()
    summary = Summary()
    if engine == "spark":
        spark = spark_session(master)  # a BatchError naming the [spark] extra when pyspark is missing
        from pyspark.sql import functions as sql_functions  # the optional [spark] extra, present by now

        frame = run_spark(book, item, population, on, spark=spark, on_bad_rows=on_bad_rows)
        with console.status("Spark …"):
            if out.suffix.lower() == ".csv":  # CSV has no lists: joined with ';', as DuckDB writes them
                joined = frame
                for name in ("failed", "unknown", "missing_facts"):
                    joined = joined.withColumn(name, sql_functions.concat_ws(";", sql_functions.col(name)))
                joined.write.mode("overwrite").option("header", "true").csv(str(out))
            else:
                frame.write.mode("overwrite").parquet(str(out))
            for row in frame.groupBy("status").count().collect():
                summary.status[row["status"]] += row["count"]
                summary.rows += row["count"]
            for row in frame.selectExpr("explode(failed) AS rule").groupBy("rule").count().collect():
                summary.failed[row["rule"]] += row["count"]
    else:
        book.item(item)  # an unknown item is reported before the population is read
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        with progress:
            task = progress.add_task(book.item(item).name, total=100.0)
            copied = copy_duckdb(
                book,
                item,
                population,
                on,
                out,
                on_bad_rows=on_bad_rows,
                summary=summary,
                progress=lambda pct: progress.update(task, completed=pct),
            )
            progress.update(task, completed=100.0)
        if not copied:  # some rows need the engine: decided batch by batch in Python
            _batches(book, item, population, on, out, on_bad_rows, summary, console)
    render_summary(summary, time.perf_counter() - start, console)
    return summary.to_json()


def _batches(
    book: Rulebook,
    item: str,
    population: Path,
    on: dt.date,
    out: Path,
    on_bad_rows: str,
    summary: Summary,
    console: Console,
) -> None:
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task(f"{book.item(item).name}（逐批）", total=None)
        rows, batches = run_duckdb(
            book,
            item,
            population,
            on,
            on_bad_rows=on_bad_rows,
            summary=summary,
            progress=lambda n: progress.advance(task, n),
        )
        progress.update(task, total=rows)
        write_batches(batches, out)
