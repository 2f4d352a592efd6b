"""The batch command line, the SQL for a user's own database, and Spark against DuckDB."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yibao_rules import load_rulebook
from yibao_rules.batch import decide_many

from .conftest import run_cli
from .test_batch import assert_same, population, table_of

BOOK = load_rulebook()
FAMILY = "职工医保个人账户家庭共济办理"
FAMILY_FACTS = [
    "applicant.insurance_type",
    "applicant.insured_province",
    "family_member.insurance_type",
    "family_member.insured_province",
    "family_member.relationship",
]


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    rows = population(BOOK, FAMILY_FACTS, seed=11, size=2000, unknown_rate=0.15)
    path = tmp_path_factory.mktemp("population") / "people.parquet"
    pq.write_table(table_of(rows, FAMILY_FACTS), path)
    return path, rows


def test_batch_command_writes_one_row_per_input_row_with_a_summary_on_stderr(
    people: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, rows = people
    out = tmp_path / "decided.parquet"
    result = run_cli("batch", FAMILY, "--population", str(path), "--on", "2024-01-01", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.column("person_id").to_pylist() == list(range(len(rows)))
    assert_same(BOOK, FAMILY, rows, table, dt.date(2024, 1, 1))
    summary = json.loads(result.stdout)
    assert summary["rows"] == len(rows) and sum(summary["status"].values()) == len(rows)
    assert "relative_in_scope_246" in result.stderr and "ineligible" in result.stderr  # the summary table


def test_batch_command_writes_csv_with_lists_as_text(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("person_id,family_member.relationship\nA,其他\nB,配偶\n", encoding="utf-8")
    out = tmp_path / "decided.csv"
    result = run_cli("batch", FAMILY, "--population", str(source), "--on", "2024-01-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[1].startswith("A,其他,ineligible,relative_in_scope_246,holder_insured_in_gansu;")


def test_batch_command_stops_on_a_bad_value_and_reports_it_with_on_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("person_id,family_member.relationship\nA,配偶\nB,兄弟姐姝\nC,子女\n", encoding="utf-8")
    out = tmp_path / "decided.parquet"
    stopped = run_cli("batch", FAMILY, "--population", str(source), "--on", "2024-01-01", "--out", str(out))
    assert stopped.returncode == 2
    assert "Error:" in stopped.stderr and "row 2" in stopped.stderr and "兄弟姐姝" in stopped.stderr
    assert "Traceback" not in stopped.stderr and not out.exists()
    reported = run_cli(
        "batch", FAMILY, "--population", str(source), "--on", "2024-01-01", "--out", str(out), "--on-bad-rows=report"
    )
    assert reported.returncode == 0, reported.stderr
    table = pq.read_table(out)
    assert table.num_rows == 3
    assert table.column("status").to_pylist() == ["undetermined", "invalid", "undetermined"]


@pytest.mark.parametrize(
    "args",
    [
        ("no_such_item", "--population", "{src}"),
        (FAMILY, "--population", "{dir}/missing.parquet"),
        (FAMILY, "--population", "{src}", "--on", "2024-13-01"),
    ],
)
def test_batch_command_bad_input_exits_2(args: tuple[str, ...], tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("family_member.relationship\n配偶\n", encoding="utf-8")
    filled = [a.format(src=source, dir=tmp_path) for a in args]
    result = run_cli("batch", *filled, "--out", str(tmp_path / "out.parquet"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_sql_command_runs_in_duckdb_and_agrees_with_decide(people: tuple[Path, list[dict[str, Any]]]) -> None:
    """The README's example: the printed SELECT over a table named population."""
    path, rows = people
    result = run_cli("sql", FAMILY, "--on", "2024-01-01", "--dialect", "duckdb", "--keep", "person_id")
    assert result.returncode == 0, result.stderr
    con = duckdb.connect()
    con.execute(f"CREATE VIEW population AS SELECT * FROM read_parquet('{path}')")
    table = con.sql(result.stdout.rstrip().rstrip(";")).to_arrow_table()
    assert table.column("person_id").to_pylist() == list(range(len(rows)))
    assert_same(BOOK, FAMILY, rows, table, dt.date(2024, 1, 1))


@pytest.mark.parametrize("dialect", ["postgres", "spark"])
def test_sql_command_prints_other_dialects(dialect: str) -> None:
    result = run_cli("sql", FAMILY, "--on", "2024-01-01", "--dialect", dialect, "--table", "insured.persons")
    assert result.returncode == 0, result.stderr
    assert "SELECT" in result.stdout and ("`status`" if dialect == "spark" else '"status"') in result.stdout


# -- Spark --------------------------------------------------------------------------------------


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'yibao-rules[spark]')"
    if shutil.which("java") is None:
        return "Java is not installed (apt-get install openjdk-17-jre-headless); .ci/run installs it"
    return None


@pytest.fixture(scope="session")
def spark() -> Any:
    reason = _spark_missing()
    if reason:
        pytest.skip(reason)
    from yibao_rules.batch.run import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_and_duckdb_agree_row_by_row(spark: Any, people: tuple[Path, list[dict[str, Any]]]) -> None:
    path, rows = people
    on = dt.date(2024, 1, 1)
    by_duckdb = decide_many(BOOK, FAMILY, path, on=on)
    by_spark = decide_many(BOOK, FAMILY, path, on=on, engine="spark", spark=spark)
    assert by_spark.column_names == by_duckdb.column_names
    assert by_spark.to_pylist() == by_duckdb.to_pylist()
    assert_same(BOOK, FAMILY, rows, by_spark, on)


def test_spark_stops_on_a_bad_value_and_keeps_every_row_when_reporting(spark: Any) -> None:
    from yibao_rules.batch import BatchError

    people = pa.table({"person_id": [1, 2], "family_member.relationship": ["配偶", "兄弟姐姝"]})
    with pytest.raises(BatchError, match="兄弟姐姝"):
        decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1), engine="spark", spark=spark)
    table = decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1), engine="spark", spark=spark, on_bad_rows="report")
    assert table.column("status").to_pylist() == ["undetermined", "invalid"]


def test_batch_command_on_spark_writes_part_files_and_the_same_counts(
    spark: Any, people: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    from yibao_rules.batch.console import run_batch_command

    path, rows = people
    out = tmp_path / "decided.parquet"
    on = dt.date(2024, 1, 1)
    summary = run_batch_command(BOOK, FAMILY, path, on, out, "spark", "local[2]", "stop")
    assert out.is_dir()  # Spark writes a directory of part files
    written = pq.read_table(out)
    assert written.num_rows == len(rows)
    expected = decide_many(BOOK, FAMILY, path, on=on)
    assert summary["status"] == dict(zip(*_counts(expected.column("status").to_pylist()), strict=True))
    as_csv = tmp_path / "decided.csv"
    run_batch_command(BOOK, FAMILY, path, on, as_csv, "spark", "local[2]", "stop")
    lines = [
        line for part in sorted(as_csv.glob("part-*.csv")) for line in part.read_text(encoding="utf-8").splitlines()
    ]
    assert sum(1 for line in lines if not line.startswith("person_id")) == len(rows)


def _counts(values: list[str]) -> tuple[list[str], list[int]]:
    keys = sorted(set(values))
    return keys, [values.count(k) for k in keys]


def test_readme_synth_and_batch_commands_run(tmp_path: Path) -> None:
    """The README's first two shell lines, on a small synthetic population."""
    made = run_cli("synth", "--rows", "2000", "--out", "people.parquet", "--seed", "1", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert pq.ParquetFile(tmp_path / "people.parquet").schema_arrow.metadata[b"synthetic"] == b"true"
    args = ("--population", "people.parquet", "--on", "2024-01-01", "--out", "decided.parquet")
    decided = run_cli("batch", FAMILY, *args, cwd=tmp_path)
    assert decided.returncode == 0, decided.stderr
    table = pq.read_table(tmp_path / "decided.parquet")
    assert table.num_rows == 2000
    rows = pq.read_table(tmp_path / "people.parquet").to_pylist()
    assert_same(BOOK, FAMILY, rows, table, dt.date(2024, 1, 1))
