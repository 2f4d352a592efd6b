"""Batch decisions (免申即享) equal ``book.decide`` row by row, whatever the population."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao_rules import load_rulebook
from yibao_rules.batch import BatchError, decide_many
from yibao_rules.batch.run import run_duckdb
from yibao_rules.batch.sql import build_query
from yibao_rules.cli import cli
from yibao_rules.engine import fact_domain
from yibao_rules.rulebook import Rulebook
from yibao_rules.testing.strategies import facts_for, used_facts

BOOK = load_rulebook()
ITEMS_WITH_CONDITIONS = sorted(i for i, c in BOOK.items.items() if c.plan)
FAMILY = "职工医保个人账户家庭共济办理"


def native(book: Rulebook, item: str, row: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """What the batch result's columns must be, from the engine's own decision."""
    facts = {k: v for k, v in row.items() if "." in k}
    d = book.decide(item, facts, on=on)
    return {
        "status": d.status,
        "failed": [r.rule for r in d.reasons if r.outcome == "failed"],
        "unknown": [r.rule for r in d.reasons if r.outcome == "unknown"],
        "missing_facts": list(d.missing_facts),
    }


def batch_rows(table: pa.Table) -> list[dict[str, Any]]:
    keys = ("status", "failed", "unknown", "missing_facts")
    return [{k: row[k] for k in keys} for row in table.to_pylist()]


def assert_same(book: Rulebook, item: str, rows: list[dict[str, Any]], table: pa.Table, on: dt.date) -> None:
    got = batch_rows(table)
    assert len(got) == len(rows)
    for i, (row, result) in enumerate(zip(rows, got, strict=True)):
        assert result == native(book, item, row, on), f"row {i}: {row}"


def input_value(book: Rulebook, key: str, rng: random.Random) -> Any:
    """A valid input value for a fact: provinces by name, short name or code, as people write them."""
    fact = book.vocabulary.facts[key]
    if fact.kind == "province":
        division = book.vocabulary.divisions.by_code[rng.choice(fact_domain(book, fact) or ())]
        return rng.choice([division.name, division.code, division.short_name or division.name])
    if fact.kind == "admin_division":
        return rng.choice(sorted(book.vocabulary.divisions.by_code))
    domain = fact_domain(book, fact)
    assert domain is not None, f"no generator for {fact.kind}"
    return rng.choice(domain)


def population(book: Rulebook, keys: list[str], seed: int, size: int, unknown_rate: float) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {k: (None if rng.random() < unknown_rate else input_value(book, k, rng)) for k in keys} for _ in range(size)
    ]


def table_of(rows: list[dict[str, Any]], keys: list[str]) -> pa.Table:
    columns: dict[str, Any] = {"person_id": list(range(len(rows)))}
    for k in keys:
        columns[k] = [r.get(k) for r in rows]
    return pa.table(columns)


def decision_dates(item: str) -> list[dt.date]:
    """Days around every date on which the item's rules change, and two ordinary days."""
    days = {dt.date(2022, 7, 1), dt.date(2024, 1, 1)}
    for step in BOOK.item(item).plan:
        for d in (step.start, step.end):
            if d is not None:
                days |= {d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)}
    model = BOOK.item(item).model
    for d in (model.effective_from, model.effective_to):
        if d is not None:
            days |= {d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)}
    return sorted(days)


@pytest.mark.parametrize("item", ITEMS_WITH_CONDITIONS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_batch_equals_decide_on_random_populations(item: str, data: st.DataObject) -> None:
    """About 10k random rows per item (8 populations of ~1300): each row's batch decision is decide's."""
    keys = used_facts(BOOK, item)
    drawn = data.draw(st.lists(facts_for(BOOK, item), max_size=10), label="hand-picked rows")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    unknown_rate = data.draw(st.sampled_from([0.0, 0.1, 0.3, 0.7]), label="unknown rate")
    rows = drawn + population(BOOK, keys, seed, 1300, unknown_rate)
    present = data.draw(st.lists(st.sampled_from(keys), unique=True, min_size=max(len(keys) - 1, 0)), label="columns")
    rows = [{k: v for k, v in r.items() if k in present} for r in rows]
    on = data.draw(st.sampled_from(decision_dates(item)), label="on")
    table = decide_many(BOOK, item, table_of(rows, sorted(present)), on=on)
    assert table.column("person_id").to_pylist() == list(range(len(rows)))  # input order
    assert_same(BOOK, item, rows, table, on)


# -- the engine's exhaustive check of small domains, reproduced -------------------------------

SETTLING_RULES = """
  - id: tautology
    condition: applicant.cross_region_filed or not applicant.cross_region_filed
    message: 恒真（测试用）
    citation: {ref: gansu_one_thing_guide, section: 受理条件}

  - id: spouse_or_parent
    condition: family_member.relationship in ["配偶", "父母"]
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}

  - id: child
    condition: family_member.relationship in ["子女"]
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}

  - id: two_facts
    condition: applicant.by_agent == applicant.by_agent or family_member.insurance_type == "未参保"
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}
"""


@pytest.fixture(scope="module")
def settling_book(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    """The embedded rulebook plus rules whose unknowns the engine settles by trying every value:
    a tautology, two rules sharing one fact, and a rule over two facts (on 家庭共济, for testing)."""
    root = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", root)
    path = root / "items" / "family_mutual_aid.yaml"
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("\neligibility:\n", 1)
    path.write_text(head + "\neligibility:\n" + SETTLING_RULES + "\n" + tail, encoding="utf-8")
    return load_rulebook(root)


def every_combination(book: Rulebook, item: str) -> list[dict[str, Any]]:
    """Every combination of unknown or a value, over the item's facts (provinces: two values)."""
    keys = used_facts(book, item)
    choices = []
    for k in keys:
        fact = book.vocabulary.facts[k]
        domain = ("620000", "110000") if fact.kind == "province" else fact_domain(book, fact) or ()
        choices.append([None, *domain])
    rows: list[dict[str, Any]] = [{}]
    for k, values in zip(keys, choices, strict=True):
        rows = [{**r, k: v} for r in rows for v in values]
    return rows


@pytest.mark.parametrize("sql_limit", [256, 0], ids=["settled-in-sql", "settled-natively"])
def test_unknowns_the_engine_settles_are_settled_in_batch_too(settling_book: Rulebook, sql_limit: int) -> None:
    on = dt.date(2024, 1, 1)
    rows = every_combination(settling_book, FAMILY)
    keys = used_facts(settling_book, FAMILY)
    _, batches = run_duckdb(settling_book, FAMILY, table_of(rows, keys), on, sql_enumeration_limit=sql_limit)
    table = pa.Table.from_batches(list(batches))
    assert_same(settling_book, FAMILY, rows, table, on)
    # the case that needs it: relationship unknown, and the two rules on it can never both hold
    settled = [
        r["status"]
        for r, row in zip(batch_rows(table), rows, strict=True)
        if row["family_member.relationship"] is None
        and all(v is not None for k, v in row.items() if "relationship" not in k)
    ]
    assert settled and set(settled) == {"ineligible"}


# -- input and output -------------------------------------------------------------------------


def test_missing_columns_are_unknown_and_extra_columns_pass_through() -> None:
    people = pa.table(
        {"person_id": ["p1", "p2"], "note": ["x", "y"], "family_member.relationship": ["兄弟姐妹", "其他"]}
    )
    table = decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1))
    assert table.column_names[:3] == ["person_id", "note", "family_member.relationship"]
    assert table.column("note").to_pylist() == ["x", "y"]
    # 246号: 兄弟姐妹 is in the scope from 2023-01-01; the other facts are unknown
    assert table.column("status").to_pylist() == ["undetermined", "ineligible"]


def test_rules_in_force_are_chosen_by_the_decision_date() -> None:
    """111号 第十六条 before 2023-01-01 (兄弟姐妹 out of scope), 246号 after (in scope)."""
    facts = {
        "applicant.insured_province": "甘肃省",
        "applicant.insurance_type": "职工医保",
        "family_member.relationship": "兄弟姐妹",
        "family_member.insured_province": "620000",
        "family_member.insurance_type": "城乡居民医保",
    }
    people = pa.table({k: [v] for k, v in facts.items()})
    before = decide_many(BOOK, FAMILY, people, on=dt.date(2022, 12, 31)).to_pylist()[0]
    after = decide_many(BOOK, FAMILY, people, on=dt.date(2023, 1, 1)).to_pylist()[0]
    assert (before["status"], before["failed"]) == ("ineligible", ["relative_in_scope_111"])
    assert (after["status"], after["failed"]) == ("eligible", [])


@pytest.mark.parametrize("kind", ["pandas", "polars", "parquet", "csv", "jsonl"])
def test_every_input_kind_gives_the_same_answer(kind: str, tmp_path: Path) -> None:
    rows = population(BOOK, used_facts(BOOK, FAMILY), seed=7, size=300, unknown_rate=0.2)
    table = table_of(rows, used_facts(BOOK, FAMILY))
    data: Any
    if kind == "pandas":
        data = table.to_pandas()
    elif kind == "polars":
        import polars

        data = polars.from_arrow(table)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        data = tmp_path / "people.parquet"
        pq.write_table(table, data)
    elif kind == "csv":
        import pyarrow.csv as pacsv

        data = tmp_path / "people.csv"
        pacsv.write_csv(table, data)
    else:
        import json

        data = tmp_path / "people.jsonl"
        data.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in table.to_pylist()) + "\n", encoding="utf-8"
        )
    result = decide_many(BOOK, FAMILY, data, on=dt.date(2024, 1, 1))
    assert_same(BOOK, FAMILY, rows, result, dt.date(2024, 1, 1))


def test_csv_text_is_read_by_the_fact_types(tmp_path: Path) -> None:
    """In CSV every value is text: true/false for a yes/no fact, an empty cell for unknown."""
    path = tmp_path / "people.csv"
    path.write_text(
        "person_id,applicant.cross_region_filed\n1,true\n2,FALSE\n3,\n", encoding="utf-8"
    )  # 五种门诊慢特病费用跨省直接结算: 已办理异地就医备案
    table = decide_many(BOOK, "五种门诊慢特病费用跨省直接结算", path, on=dt.date(2024, 1, 1))
    assert table.column("status").to_pylist() == ["eligible", "ineligible", "undetermined"]


def test_a_bad_value_stops_the_run_naming_row_column_and_value() -> None:
    people = pa.table({"family_member.relationship": ["配偶", "兄弟姐姝", "子女"]})
    with pytest.raises(BatchError) as err:
        decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1))
    message = str(err.value)
    assert "row 2" in message and "family_member.relationship" in message and "兄弟姐姝" in message


def test_bad_rows_reported_keep_every_row() -> None:
    people = pa.table(
        {
            "person_id": [1, 2, 3],
            "family_member.relationship": ["配偶", "兄弟姐姝", None],
            "applicant.insured_province": ["甘肃", "620000", "火星"],
        }
    )
    table = decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1), on_bad_rows="report")
    assert table.num_rows == people.num_rows
    assert table.column("person_id").to_pylist() == [1, 2, 3]
    assert table.column("status").to_pylist() == ["undetermined", "invalid", "invalid"]
    reasons = table.column("invalid_reason").to_pylist()
    assert reasons[0] is None and "兄弟姐姝" in reasons[1] and "火星" in reasons[2]


def test_a_bad_value_in_a_fact_the_item_does_not_use_is_refused_too() -> None:
    """decide refuses any bad fact, so batch does: the answer never rests on unchecked input."""
    people = pa.table({"applicant.cross_region_filed": ["maybe"]})
    with pytest.raises(BatchError, match=r"applicant\.cross_region_filed"):
        decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1))


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"family_member.relationship": [1.5]}, "has type float"),
        ({"family_member.relationshp": ["配偶"]}, "did you mean 'family_member.relationship'"),
        ({"status": ["x"]}, "clashes"),
        ({"applicant": [{"insurance_type": "职工医保"}]}, "is a party"),  # nested JSON: flatten it
    ],
)
def test_unusable_columns_are_refused_with_a_clear_message(columns: dict[str, list[Any]], message: str) -> None:
    with pytest.raises(BatchError, match=message):
        decide_many(BOOK, FAMILY, pa.table(columns), on=dt.date(2024, 1, 1))


def test_unknown_item_and_bad_inputs_are_library_errors(tmp_path: Path) -> None:
    from yibao_rules.errors import UnknownItemError

    with pytest.raises(UnknownItemError):
        decide_many(BOOK, "no_such_item", pa.table({"x": [1]}), on=dt.date(2024, 1, 1))
    with pytest.raises(BatchError, match="no such file"):
        decide_many(BOOK, FAMILY, tmp_path / "nothing.parquet", on=dt.date(2024, 1, 1))
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(BatchError, match="cannot read"):
        decide_many(BOOK, FAMILY, tmp_path / "bad.parquet", on=dt.date(2024, 1, 1))
    with pytest.raises(BatchError, match="unsupported file type"):
        decide_many(BOOK, FAMILY, tmp_path / "people.xlsx", on=dt.date(2024, 1, 1))
    with pytest.raises(BatchError, match="pandas, Polars or Arrow"):
        decide_many(BOOK, FAMILY, [{"a": 1}], on=dt.date(2024, 1, 1))


def test_a_new_node_kind_fails_loudly_in_the_sql_backend() -> None:
    from dataclasses import dataclass

    from yibao_rules.batch.sql import UnsupportedConditionError, _Compiler
    from yibao_rules.expr.ast import Name

    @dataclass(frozen=True)
    class Ternary:
        then: Name

    compiler = _Compiler(BOOK, dt.date(2024, 1, 1), lambda key: pa.scalar(None))  # type: ignore[arg-type,return-value]
    with pytest.raises(UnsupportedConditionError, match="Ternary"):
        compiler(Ternary(Name("applicant.by_agent")))  # type: ignore[arg-type]


def test_results_stream_in_batches_rather_than_all_at_once() -> None:
    """Out of core: the DuckDB runner yields record batches as it reads, never the whole population."""
    rows = population(BOOK, used_facts(BOOK, FAMILY), seed=3, size=1000, unknown_rate=0.1)
    _, batches = run_duckdb(BOOK, FAMILY, table_of(rows, used_facts(BOOK, FAMILY)), dt.date(2024, 1, 1), batch_rows=100)
    first = next(batches)
    assert first.num_rows <= 128  # DuckDB rounds batch sizes to its vector size
    rest = list(batches)
    assert first.num_rows + sum(b.num_rows for b in rest) == 1000


# -- dates, numbers and functions (no embedded rule uses them yet) ------------------------------

EXTRA_FACTS = """
  applicant.birth_date:
    type: date
    label: 出生日期（测试用）
    question: 申请人的出生日期？
    source: {ref: gansu_one_thing_guide, section: 受理条件}

  applicant.months_paid:
    type: int
    label: 缴费月数（测试用）
    question: 申请人已缴费多少个月？
    source: {ref: gansu_one_thing_guide, section: 受理条件}
"""

ARITHMETIC_RULES = """
  - id: adult
    condition: years_between(applicant.birth_date, today) >= 18 and days_between(applicant.birth_date, today) > 100
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}

  - id: months
    condition: applicant.months_paid * 2 - 3 >= 10 or -applicant.months_paid > 5 or applicant.months_paid / 4 > 2
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}

  - id: dates
    condition: >-
      applicant.birth_date + 30 < today - 10 and today - applicant.birth_date > 0
      and applicant.birth_date != date("2000-02-29")
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}

  - id: listed
    condition: applicant.months_paid in [1, 2, applicant.months_paid - 1] or 3 in [applicant.months_paid]
    message: 测试用
    citation: {ref: gansu_one_thing_guide, section: 受理条件}
"""

CROSS = "五种门诊慢特病费用跨省直接结算"


@pytest.fixture(scope="module")
def arithmetic_book(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    """The embedded rulebook plus a date and a number fact, and rules using every arithmetic
    node, years_between, days_between, today and a list with a fact in it (on 跨省直接结算, for testing)."""
    root = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", root)
    facts = root / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXTRA_FACTS, encoding="utf-8")
    path = root / "items" / "chronic_disease_cross_province_settlement.yaml"
    head, tail = path.read_text(encoding="utf-8").split("\neligibility:\n", 1)
    path.write_text(head + "\neligibility:\n" + ARITHMETIC_RULES + "\n" + tail, encoding="utf-8")
    return load_rulebook(root)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "applicant.birth_date": st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
                "applicant.months_paid": st.none() | st.integers(-100, 100),
                "applicant.cross_region_filed": st.none() | st.booleans(),
            }
        ),
        min_size=1,
        max_size=300,
    ),
    on=st.sampled_from([dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2025, 2, 28)]),
)
def test_dates_numbers_and_functions_in_sql_equal_the_engine(
    arithmetic_book: Rulebook, rows: list[dict[str, Any]], on: dt.date
) -> None:
    keys = ["applicant.birth_date", "applicant.months_paid", "applicant.cross_region_filed"]
    table = decide_many(arithmetic_book, CROSS, table_of(rows, keys), on=on)
    assert_same(arithmetic_book, CROSS, rows, table, on)


def test_dates_and_numbers_given_as_text_are_parsed_or_refused(arithmetic_book: Rulebook) -> None:
    people = pa.table({"applicant.birth_date": ["2000-01-31", None], "applicant.months_paid": ["7", "-3"]})
    table = decide_many(arithmetic_book, CROSS, people, on=dt.date(2024, 1, 1))
    rows = [{"applicant.birth_date": dt.date(2000, 1, 31), "applicant.months_paid": 7}, {"applicant.months_paid": -3}]
    assert_same(arithmetic_book, CROSS, rows, table, dt.date(2024, 1, 1))
    for bad in (
        {"applicant.birth_date": ["2023-02-30"]},
        {"applicant.birth_date": ["31/01/2000"]},
        {"applicant.months_paid": ["7.5"]},
    ):
        with pytest.raises(BatchError, match="row 1"):
            decide_many(arithmetic_book, CROSS, pa.table(bad), on=dt.date(2024, 1, 1))


def test_an_empty_population_gives_an_empty_result_with_every_column() -> None:
    people = pa.table({"person_id": pa.array([], pa.int64()), "family_member.relationship": pa.array([], pa.string())})
    table = decide_many(BOOK, FAMILY, people, on=dt.date(2024, 1, 1))
    assert table.num_rows == 0
    assert table.column_names == [
        "person_id",
        "family_member.relationship",
        "status",
        "failed",
        "unknown",
        "missing_facts",
    ]


def test_a_population_without_columns_is_a_batch_error() -> None:
    with pytest.raises(BatchError, match="no columns"):
        decide_many(BOOK, "family_mutual_aid", pa.table({}), on=dt.date(2024, 1, 1))


@pytest.mark.parametrize("table", ['x"; drop table y; --', '"x', "", "a.b.c.d"])
def test_a_table_name_that_is_not_one_is_refused(table: str) -> None:
    with pytest.raises(BatchError, match="表名不合法"):
        build_query(BOOK, "family_mutual_aid", dt.date(2024, 1, 1), [], table=table)


def test_the_spark_engine_without_pyspark_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's --engine spark command, where the [spark] extra is not installed: exit 2, no traceback."""
    population = tmp_path / "people.parquet"
    pa.parquet.write_table(pa.table({"family_member.relationship": ["配偶"]}), population)
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    args = ["batch", "family_mutual_aid", "--population", str(population), "--out", str(tmp_path / "o.parquet")]
    result = CliRunner().invoke(cli, [*args, "--engine", "spark"])
    assert result.exit_code == 2, result.output
    assert "yibao-rules[spark]" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a ModuleNotFoundError


@pytest.mark.parametrize(
    ("content", "out", "words"),
    [
        (b"", "o.csv", "文件为空"),
        (b"family_member.relationship\n\xff\xfe\n", "o.csv", "not valid UTF-8"),
        (b"family_member.relationship\n\xe9\x85\x8d\xe5\x81\xb6\n", "missing/o.csv", "输出目录不存在"),
    ],
)
def test_unusable_population_files_are_named_in_our_words(tmp_path: Path, content: bytes, out: str, words: str) -> None:
    population = tmp_path / "people.csv"
    population.write_bytes(content)
    args = ["batch", "family_mutual_aid", "--population", str(population), "--out", str(tmp_path / out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert words in result.output and "Possible Solution" not in result.output
