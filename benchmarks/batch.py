"""Population-scale 家庭共济 (职工医保个人账户家庭共济办理) against its peers, in one run.

Run: pip install '.[bench]' && python benchmarks/batch.py [--rows 10000000]

1. ``yibao-rules synth``-style rows over the item's five facts (10% unknown) → Parquet;
2. ``yibao-rules batch`` end to end, Parquet to Parquet, in a child process (its peak RSS is
   read from the kernel): decisions per second;
3. the scalar loop, ``book.decide`` per row, on a slice of the same rows;
4. OpenFisca-Core's vectorised simulation of the same rule (on complete rows: OpenFisca has no
   unknown values), on up to 1M rows;
5. a hand-written Polars expression of the same rule, Parquet to Parquet: the practical limit.

Targets (issue #14): batch >= 20M decisions/s, >= 100x the scalar loop, >= 10x OpenFisca,
peak RSS <= 2 GiB. Every figure and ratio is printed; exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from yibao_rules import load_rulebook
from yibao_rules.batch.synth import synthesise

ITEM = "职工医保个人账户家庭共济办理"
ON = dt.date(2024, 1, 1)
FACTS = [
    "applicant.insurance_type",
    "applicant.insured_province",
    "family_member.insurance_type",
    "family_member.insured_province",
    "family_member.relationship",
]
GIB = 1 << 30


def run_batch(population: Path, out: Path) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of ``yibao-rules batch`` as a user runs it."""
    exe = Path(sys.executable).with_name("yibao-rules")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [str(exe), "batch", ITEM, "--population", str(population), "--on", ON.isoformat(), "--out", str(out)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) * 1024


def run_native(population: Path, rows: int) -> float:
    """Decisions per second of the scalar loop (facts validation included), on ``rows`` rows."""
    book = load_rulebook()
    table = pq.ParquetFile(population).iter_batches(batch_size=rows, columns=FACTS).__next__()
    people = [{k: v for k, v in row.items() if v is not None} for row in table.to_pylist()]
    start = time.perf_counter()
    for facts in people:
        book.decide(ITEM, facts, on=ON)
    return len(people) / (time.perf_counter() - start)


def run_polars(population: Path, out: Path) -> float | None:
    """Seconds for the same rule as one Polars expression, Parquet to Parquet (Kleene and/or)."""
    try:
        import polars as pl
    except ImportError:
        return None
    book = load_rulebook()
    provinces = {
        n: c
        for n, c in book.vocabulary.divisions.by_name.items()
        if book.vocabulary.divisions.by_code[c].level == "省级"
    }
    relatives = ["配偶", "父母", "子女", "兄弟姐妹", "祖父母", "外祖父母", "孙子女", "外孙子女"]  # 246号

    def province(col: str) -> Any:
        return pl.col(col).replace_strict(provinces, default=None, return_dtype=pl.String)

    rules = [
        province("applicant.insured_province") == "620000",
        pl.col("applicant.insurance_type") == "职工医保",
        province("family_member.insured_province") == "620000",
        pl.col("family_member.insurance_type").is_in(["职工医保", "城乡居民医保"]),
        pl.col("family_member.relationship").is_in(relatives),
    ]
    every = rules[0]
    for r in rules[1:]:
        every = every & r
    status = (
        pl.when(every.is_null())
        .then(pl.lit("undetermined"))
        .when(every)
        .then(pl.lit("eligible"))
        .otherwise(pl.lit("ineligible"))
    )
    start = time.perf_counter()
    pl.scan_parquet(population).with_columns(status.alias("status")).sink_parquet(out)
    return time.perf_counter() - start


def run_copy(population: Path, out: Path) -> float:
    """Seconds DuckDB takes to copy the same rows Parquet → Parquet without deciding anything:
    the floor under any end-to-end batch that writes the input's columns back out."""
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"COPY (SELECT * FROM read_parquet('{population}')) TO '{out}' (FORMAT parquet)")
    return time.perf_counter() - start


def run_openfisca(population: Path, rows: int) -> float | None:
    """Decisions per second of OpenFisca-Core's vectorised simulation of the rule, on complete rows."""
    try:
        import numpy as np
        from openfisca_core.entities import build_entity
        from openfisca_core.periods import MONTH
        from openfisca_core.simulations import SimulationBuilder
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable
    except ImportError:
        return None
    person = build_entity(key="person", plural="persons", label="参保人", is_person=True)
    system = TaxBenefitSystem([person])
    codes = {
        "applicant.insurance_type": ["职工医保", "城乡居民医保", "未参保"],
        "family_member.insurance_type": ["职工医保", "城乡居民医保", "未参保"],
        "family_member.relationship": [
            "配偶",
            "父母",
            "子女",
            "兄弟姐妹",
            "祖父母",
            "外祖父母",
            "孙子女",
            "外孙子女",
            "其他",
        ],
    }
    inputs = ["holder_province", "holder_insurance", "member_province", "member_insurance", "relationship"]
    for name in inputs:
        system.add_variable(type(name, (Variable,), {"value_type": int, "entity": person, "definition_period": MONTH}))

    def formula(persons: Any, period: Any) -> Any:
        return (
            (persons("holder_province", period) == 620000)
            * (persons("holder_insurance", period) == 0)
            * (persons("member_province", period) == 620000)
            * (persons("member_insurance", period) <= 1)
            * (persons("relationship", period) <= 7)
        )

    system.add_variable(
        type(
            "family_mutual_aid",
            (Variable,),
            {"value_type": bool, "entity": person, "definition_period": MONTH, "formula": formula},
        )
    )
    book = load_rulebook()
    table = pq.ParquetFile(population).iter_batches(batch_size=rows, columns=FACTS).__next__().to_pydict()
    n = len(table[FACTS[0]])

    def province(values: list[Any]) -> Any:
        return np.array([int(book.vocabulary.divisions.province_code(v) or 0) if v else 0 for v in values])

    def code(key: str) -> Any:
        index = {v: i for i, v in enumerate(codes[key])}
        return np.array([index.get(v, len(index)) for v in table[key]])

    arrays = {
        "holder_province": province(table["applicant.insured_province"]),
        "holder_insurance": code("applicant.insurance_type"),
        "member_province": province(table["family_member.insured_province"]),
        "member_insurance": code("family_member.insurance_type"),
        "relationship": code("family_member.relationship"),
    }
    start = time.perf_counter()
    simulation = SimulationBuilder().build_default_simulation(system, n)
    for name, values in arrays.items():
        simulation.set_input(name, "2024-01", values)
    simulation.calculate("family_mutual_aid", "2024-01")
    return n / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--native-rows", type=int, default=200_000)
    parser.add_argument("--openfisca-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    book = load_rulebook()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        population = work / "population.parquet"
        start = time.perf_counter()
        synthesise(book, args.rows, population, seed=1, unknown_rate=0.1, facts=FACTS)
        print(
            f"synthetic population: {args.rows:,} rows over {len(FACTS)} facts in {time.perf_counter() - start:.1f} s"
        )
        seconds, rss = run_batch(population, work / "decided.parquet")
        assert pq.ParquetFile(work / "decided.parquet").metadata.num_rows == args.rows
        batch_rate = args.rows / seconds
        native_rate = run_native(population, min(args.native_rows, args.rows))
        openfisca_rate = run_openfisca(population, min(args.openfisca_rows, args.rows))
        polars_seconds = run_polars(population, work / "polars.parquet")
        copy_seconds = run_copy(population, work / "copy.parquet")
    cores = os.cpu_count()
    print(f"\n{ITEM} on {ON}, {cores} cores (shared machine: figures vary from run to run)")
    detail = f"({seconds:.2f} s, peak RSS {rss / GIB:.2f} GiB)"
    print(f"  batch (DuckDB), Parquet → Parquet   {batch_rate / 1e6:8.2f} M decisions/s  {detail}")
    print(f"  scalar book.decide loop             {native_rate / 1e6:8.3f} M decisions/s")
    if openfisca_rate is not None:
        print(f"  OpenFisca-Core vectorised           {openfisca_rate / 1e6:8.2f} M decisions/s")
    if polars_seconds is not None:
        print(
            f"  hand-written Polars expression      {args.rows / polars_seconds / 1e6:8.2f} M decisions/s (status only)"
        )
    print(
        f"  DuckDB copy, no decision (I/O floor) {args.rows / copy_seconds / 1e6:8.2f} M rows/s"
        f"  ({copy_seconds:.2f} s: no end-to-end batch writing these columns can beat it)"
    )
    print(f"\n  batch / scalar decide      {batch_rate / native_rate:8.1f}x   (target >= 100x)")
    if openfisca_rate is not None:
        print(f"  batch / OpenFisca          {batch_rate / openfisca_rate:8.1f}x   (target >= 10x)")
    if polars_seconds is not None:
        print(f"  Polars / batch             {args.rows / polars_seconds / batch_rate:8.1f}x   (the practical limit)")
    missed = []
    if batch_rate < 20e6:
        missed.append(f"batch {batch_rate / 1e6:.1f}M/s < 20M/s")
    if batch_rate < 100 * native_rate:
        missed.append("batch < 100x the scalar loop")
    if openfisca_rate is not None and batch_rate < 10 * openfisca_rate:
        missed.append("batch < 10x OpenFisca")
    if rss > 2 * GIB:
        missed.append("peak RSS > 2 GiB")
    print("\ntargets missed: " + "; ".join(missed) if missed else "\nall targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
