"""Running a :class:`~yibao_rules.batch.sql.BatchQuery`: DuckDB embedded, Spark beyond one machine.

Both adapters run the same generated SQL; what differs between the engines stays here.

**DuckDB** reads the population where it lies (``read_parquet``, ``read_csv`` with every
column as text, ``read_json`` for JSON Lines, or an Arrow table handed over without a copy)
and streams the result in record batches, in input order: a 50M-row file never needs 50M rows
in memory. Each batch is then finished in Python: rows the SQL flagged ``__yb_native`` (see
:mod:`yibao_rules.batch.sql`) are decided by the engine, bad values stop the run (or are
reported), and the counts for the summary are taken.

**Spark** (``pip install 'yibao-rules[spark]'``, Java 17) reads the same formats with
``spark.read``, registers the population as a view and runs ``spark.sql`` on the query rendered
in Spark's dialect.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlglot import exp

from yibao_rules.batch.sql import NATIVE, OUTPUT_COLUMNS, BatchError, BatchQuery, Column, build_query, column_kind
from yibao_rules.engine import decide_compiled
from yibao_rules.rulebook import Rulebook

__all__ = [
    "BATCH_ROWS",
    "ENGINES",
    "Summary",
    "copy_duckdb",
    "duckdb_columns",
    "duckdb_relation",
    "input_format",
    "run_duckdb",
    "run_spark",
    "spark_session",
    "spark_table",
    "write_batches",
]

BATCH_ROWS = 1 << 17
ENGINES = ("duckdb", "spark")
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
LIST_COLUMNS = ("failed", "unknown", "missing_facts")


@dataclass
class Summary:
    """Counts per status and per failing rule, gathered batch by batch."""

    rows: int = 0
    status: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        for value in pc.value_counts(batch.column("status")).to_pylist():
            self.status[value["values"]] += value["counts"]
        flat = pc.list_flatten(batch.column("failed"))
        if len(flat):
            for value in pc.value_counts(flat).to_pylist():
                self.failed[value["values"]] += value["counts"]

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "status": dict(self.status), "failed": dict(self.failed)}


def input_format(path: Path) -> str:
    """parquet, csv or jsonl, from the file's suffix."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BatchError(
            f"{path}: 不支持的文件格式 (unsupported file type '{path.suffix}'; use .parquet, .csv or .jsonl)"
        )
    return fmt


# -- DuckDB ------------------------------------------------------------------------------------


def duckdb_relation(con: duckdb.DuckDBPyConnection, data: Any) -> tuple[duckdb.DuckDBPyRelation, int | None]:
    """The population as a DuckDB relation, and its row count when known without reading it."""
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        fmt = input_format(path)
        if not path.is_file():
            raise BatchError(f"{path}: 没有这个文件 (no such file)")
        if path.stat().st_size == 0:
            raise BatchError(f"{path}: 文件为空 (the population file is empty: not even a header row)")
        try:
            if fmt == "parquet":
                rows = pq.ParquetFile(path).metadata.num_rows
                return con.read_parquet(str(path)), rows
            if fmt == "csv":
                return con.read_csv(str(path), header=True, all_varchar=True), None
            return con.read_json(str(path), format="newline_delimited"), None
        except (duckdb.Error, pa.ArrowInvalid, OSError) as exc:
            raise BatchError(f"{path}: 无法读取 (cannot read the population: {_first_line(exc)})") from None
    table = _arrow(data)
    if table.num_columns == 0:
        raise BatchError("人群数据没有任何列 (the population has no columns: give at least one, a person id or a fact)")
    return con.from_arrow(table), table.num_rows


def _first_line(exc: BaseException) -> str:
    """The engine's message without its multi-line diagnostics (DuckDB's advice names its own options)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "utf-8" in str(exc).lower() or "unicode" in str(exc).lower():
        return "文件不是 UTF-8 编码 (the file is not valid UTF-8)"
    return text[:300]


def _arrow(data: Any) -> pa.Table:
    """An Arrow table from Arrow, pandas or Polars data."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars":
        table: pa.Table = data.to_arrow()
        return table
    raise BatchError(
        f"无法识别的人群数据 (a population is a path, or a pandas, Polars or Arrow table; not {type(data).__name__})"
    )


def duckdb_columns(relation: duckdb.DuckDBPyRelation) -> list[Column]:
    return [Column(n, column_kind(str(t))) for n, t in zip(relation.columns, relation.types, strict=True)]


def run_duckdb(
    book: Rulebook,
    item: str,
    data: Any,
    on: dt.date,
    *,
    on_bad_rows: str = "stop",
    batch_rows: int = BATCH_ROWS,
    sql_enumeration_limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    summary: Summary | None = None,
    threads: int | None = None,
) -> tuple[int | None, Iterator[pa.RecordBatch]]:
    """(row count if known, the decided batches in input order) for a population."""
    con = duckdb.connect(config={"threads": threads} if threads else {})
    con.execute("SET enable_progress_bar = false")
    relation, rows = duckdb_relation(con, data)
    options = {} if sql_enumeration_limit is None else {"sql_enumeration_limit": sql_enumeration_limit}
    query = build_query(book, item, on, duckdb_columns(relation), table="population", **options)
    relation.create_view("population")
    where = f"{data}: " if isinstance(data, str | os.PathLike) else ""
    try:
        reader = con.sql(query.sql("duckdb")).to_arrow_reader(batch_rows)
    except duckdb.Error as exc:
        raise BatchError(f"批量判断失败 (the batch query failed: {exc})") from None

    def batches() -> Iterator[pa.RecordBatch]:
        offset = 0
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    if offset == 0:  # an empty population: one empty batch, so the columns are known
                        yield finish(book, query, pa.RecordBatch.from_pylist([], schema=reader.schema), 0, on_bad_rows)
                    break
                except (duckdb.Error, pa.ArrowInvalid) as exc:
                    raise BatchError(f"批量判断失败 (the batch query failed: {exc})") from None
                done = finish(book, query, batch, offset, on_bad_rows, where)
                offset += batch.num_rows
                if summary is not None:
                    summary.add(done)
                if progress is not None:
                    progress(batch.num_rows)
                yield done
        finally:
            con.close()

    return rows, batches()


def finish(
    book: Rulebook, query: BatchQuery, batch: pa.RecordBatch, offset: int, on_bad_rows: str, where: str = ""
) -> pa.RecordBatch:
    """A batch as the SQL left it, completed: bad rows checked, flagged rows decided natively.

    ``offset`` is the number of rows before this batch; ``where`` prefixes error messages (the file)."""
    reasons = batch.column("invalid_reason")
    if on_bad_rows == "stop" and reasons.null_count < len(reasons):
        index = pc.index(pc.is_valid(reasons), True).as_py()
        row = offset + index + 1
        raise BatchError(f"{where}第 {row} 行 (row {row}): {reasons[index].as_py()}")
    if query.native:
        batch = _decide_flagged(book, query, batch)
    keep = [*query.passthrough, *OUTPUT_COLUMNS]
    if on_bad_rows != "report":
        keep.remove("invalid_reason")
    return pa.RecordBatch.from_arrays([batch.column(n) for n in keep], names=keep)


def _decide_flagged(book: Rulebook, query: BatchQuery, batch: pa.RecordBatch) -> pa.RecordBatch:
    """The rows the SQL could not settle, but the engine's exhaustive check may: decided by the engine."""
    flagged = batch.column(NATIVE)
    if not pc.any(flagged).as_py():
        return batch
    status = batch.column("status").to_pylist()
    missing = batch.column("missing_facts").to_pylist()
    values = {key: batch.column(hidden).to_pylist() for key, hidden in query.native_facts}
    for i, flag in enumerate(flagged.to_pylist()):
        if not flag:
            continue
        flat = {key: column[i] for key, column in values.items() if column[i] is not None}
        decision = decide_compiled(book, query.item, flat, query.on)
        status[i] = decision.status
        missing[i] = list(decision.missing_facts)
    names = batch.schema.names
    arrays = list(batch.columns)
    arrays[names.index("status")] = pa.array(status, pa.string())
    arrays[names.index("missing_facts")] = pa.array(missing, batch.schema.field("missing_facts").type)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def copy_duckdb(
    book: Rulebook,
    item: str,
    population: Path,
    on: dt.date,
    out: Path,
    *,
    on_bad_rows: str = "stop",
    progress: Callable[[float], None] | None = None,
    summary: Summary | None = None,
    threads: int | None = None,
) -> bool:
    """Decide a population file straight into ``out`` with DuckDB's own writer (``COPY``), in
    input order, when no row needs the engine; ``False`` (nothing written) when some may.

    In ``stop`` mode a first, cheaper pass looks for a bad value (and its row) before anything
    is written. ``progress`` gets DuckDB's percentage while it works.
    """
    fmt = input_format(out)
    if fmt == "jsonl":
        raise BatchError(f"{out}: 输出只支持 Parquet 或 CSV (the output is Parquet or CSV)")
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        con.execute("SET enable_progress_bar = false")
        relation, _ = duckdb_relation(con, population)
        query = build_query(book, item, on, duckdb_columns(relation), table="population")
        if query.native:
            return False
        relation.create_view("population")
        decided = exp.select("*").from_(query.select.copy().subquery("q"))
        if on_bad_rows == "stop":
            # no separate pass: the first bad value aborts the write, and the ordered batches
            # then name its row exactly (see below)
            abort = exp.cast(exp.func("ERROR", exp.Literal.string(_BAD_VALUE)), exp.DataType.build("BOOLEAN"))
            guard = exp.Case(ifs=[exp.If(this=_not_null_reason(), true=abort)], default=exp.true())
            decided = decided.select(exp.Star(except_=[exp.column("invalid_reason")]), append=False).where(guard)
        if fmt == "csv":  # CSV has no lists: rule ids and facts joined with ';'
            replace = [
                exp.alias_(exp.func("ARRAY_TO_STRING", exp.column(n), exp.Literal.string(";")), n) for n in LIST_COLUMNS
            ]
            decided = exp.select(exp.Star(replace=replace)).from_(decided.subquery("d"))
        tmp = out.with_name(out.name + ".partial")
        target = exp.Literal.string(str(tmp)).sql("duckdb")
        options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER"
        try:
            _run(con, f"COPY ({decided.sql('duckdb')}) TO {target} ({options})", progress)
        except duckdb.Error as exc:
            tmp.unlink(missing_ok=True)
            if _BAD_VALUE not in str(exc):
                raise
            _, batches = run_duckdb(book, item, population, on, on_bad_rows="stop")
            for _ in batches:  # raises at the first bad value, naming its row
                pass
            raise BatchError(f"{population}: 有不可用的值 (a value is not allowed)") from None
        shutil.move(str(tmp), str(out))
        if summary is not None:
            summarise_file(con, out, summary)
        return True
    except duckdb.Error as exc:
        raise BatchError(f"批量判断失败 (the batch query failed: {exc})") from None
    finally:
        con.close()


_BAD_VALUE = "yibao-rules: a value is not allowed"


def _not_null_reason() -> exp.Expr:
    return exp.not_(exp.Is(this=exp.column("invalid_reason"), expression=exp.Null()))


def _run(con: duckdb.DuckDBPyConnection, sql: str, progress: Callable[[float], None] | None) -> Any:
    """Execute ``sql``, reporting DuckDB's progress (a percentage) from another thread meanwhile."""
    if progress is None:
        return con.execute(sql)
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            value = con.query_progress()
            if value >= 0:
                progress(value)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        return con.execute(sql)
    finally:
        done.set()
        watcher.join()


def summarise_file(con: duckdb.DuckDBPyConnection, path: Path, summary: Summary) -> None:
    """Counts per status and per failing rule, read back from a written result."""
    source = exp.Literal.string(str(path)).sql("duckdb")
    reader = "read_parquet" if input_format(path) == "parquet" else "read_csv"
    for status, count in con.execute(f"SELECT status, count(*) FROM {reader}({source}) GROUP BY 1").fetchall():
        summary.status[status] += count
        summary.rows += count
    failed = "unnest(failed)" if reader == "read_parquet" else "unnest(string_split(failed, ';'))"
    for rule, count in con.execute(
        f"SELECT rule, count(*) FROM (SELECT {failed} AS rule FROM {reader}({source})) WHERE rule <> '' GROUP BY 1"
    ).fetchall():
        summary.failed[rule] += count


# -- writing -------------------------------------------------------------------------------------


def _for_csv(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Lists as text joined with ';' (CSV has no lists)."""
    arrays = []
    for column in batch.columns:
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            column = pc.binary_join(column, ";")
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def write_batches(batches: Iterator[pa.RecordBatch], out: Path) -> None:
    """Write decided batches to Parquet or CSV (by ``out``'s suffix), as they come."""
    fmt = input_format(out)
    if fmt == "jsonl":
        raise BatchError(f"{out}: 输出只支持 Parquet 或 CSV (the output is Parquet or CSV)")
    tmp = out.with_name(out.name + ".partial")
    writer: Any = None
    try:
        for batch in batches:
            if fmt == "csv":
                batch = _for_csv(batch)
                if writer is None:
                    writer = pacsv.CSVWriter(str(tmp), batch.schema)
            elif writer is None:
                writer = pq.ParquetWriter(str(tmp), batch.schema, compression="zstd")
            writer.write_batch(batch)
        if writer is None:
            raise BatchError(f"{out}: 没有结果可写 (no result to write)")
        writer.close()
        writer = None
        shutil.move(str(tmp), str(out))
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)


# -- Spark ---------------------------------------------------------------------------------------


def spark_session(master: str = "local[2]") -> Any:
    """A Spark session (``pyspark`` is the ``[spark]`` extra; Spark needs Java 17)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise BatchError(
            "Spark 引擎需要 pyspark (the spark engine needs pyspark: pip install 'yibao-rules[spark]')"
        ) from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise BatchError(
            "Spark 引擎需要 Java 17 (the spark engine needs Java 17: apt-get install openjdk-17-jre-headless)"
        )
    return (
        SparkSession.builder.master(master)
        .appName("yibao-rules batch")
        .config("spark.sql.ansi.enabled", "false")  # a text that is not a date is NULL, as in DuckDB's TRY_CAST
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def run_spark(
    book: Rulebook,
    item: str,
    data: Any,
    on: dt.date,
    *,
    spark: Any,
    on_bad_rows: str = "stop",
    check: bool = True,
) -> Any:
    """The decided population as a Spark DataFrame, in input order.

    With ``check`` and ``on_bad_rows="stop"``, a bad value stops the run first (one more Spark
    job); without ``check`` the caller checks ``invalid_reason`` itself.
    """
    from pyspark.sql import functions as F

    if isinstance(data, str | os.PathLike):
        path = Path(data)
        fmt = input_format(path)
        if not path.exists():
            raise BatchError(f"{path}: 没有这个文件 (no such file)")
        reader = spark.read
        if fmt == "parquet":
            frame = reader.parquet(str(path))
        elif fmt == "csv":
            frame = reader.option("header", "true").csv(str(path))
        else:
            frame = reader.json(str(path))
    else:
        frame = spark.createDataFrame(_arrow(data))
    columns = [Column(n, column_kind(t)) for n, t in frame.dtypes]
    query = build_query(book, item, on, columns, table="population")
    if query.native:
        raise BatchError(
            "此事项需要逐行穷举判断，Spark 引擎暂不支持 (this item needs the engine's exhaustive check on some rows; "
            "use --engine duckdb)"
        )
    frame.createOrReplaceTempView("population")
    decided = spark.sql(query.sql("spark"))
    if check and on_bad_rows == "stop":
        bad = decided.where(F.col("invalid_reason").isNotNull()).select("invalid_reason").limit(1).collect()
        if bad:
            raise BatchError(f"{bad[0]['invalid_reason']}")
    keep = [*query.passthrough, *OUTPUT_COLUMNS]
    return decided.select(*[F.col(f"`{n}`") for n in keep])


def spark_table(frame: Any, on_bad_rows: str) -> pa.Table:
    """A decided Spark DataFrame (from :func:`run_spark` without ``check``) collected as Arrow."""
    table: pa.Table = frame.toArrow()
    reasons = table.column("invalid_reason")
    if on_bad_rows == "stop" and reasons.null_count < len(reasons):
        index = pc.index(pc.is_valid(reasons), True).as_py()
        raise BatchError(f"第 {index + 1} 行 (row {index + 1}): {reasons[index].as_py()}")
    return table if on_bad_rows == "report" else table.drop_columns(["invalid_reason"])
