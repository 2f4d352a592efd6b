"""Rule-change impact on a population (``yibao-rules impact``), against the engine row by row."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yibao_rules import load_rulebook
from yibao_rules.batch.impact import impact
from yibao_rules.batch.synth import synthesise

from .conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
OLD, NEW = load_rulebook(REPO / "examples" / "rules-before-246"), load_rulebook(REPO / "rules")
NEWLY_IN_SCOPE = {"兄弟姐妹", "祖父母", "外祖父母", "孙子女", "外孙子女"}  # 甘医保函〔2023〕246号


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic rows over every fact, no unknowns, with 家庭共济's facts drawn mostly in Gansu
    (uniform provinces would leave almost no row eligible)."""
    path = tmp_path_factory.mktemp("impact") / "people.parquet"
    synthesise(NEW, 4000, path, seed=2, unknown_rate=0.0)
    table = pq.read_table(path)
    rng = random.Random(2)
    n = table.num_rows
    overrides = {
        "applicant.insured_province": [rng.choice(["甘肃省", "620000", "甘肃", "北京市"]) for _ in range(n)],
        "applicant.insurance_type": [rng.choice(["职工医保", "职工医保", "城乡居民医保"]) for _ in range(n)],
        "family_member.insured_province": [rng.choice(["甘肃省", "620000", "四川省"]) for _ in range(n)],
    }
    for name, values in overrides.items():
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
    pq.write_table(table, path)
    return path


def test_impact_of_246_is_exactly_the_newly_in_scope_relatives_becoming_eligible(population: Path) -> None:
    """Before and after 甘医保函〔2023〕246号 on 2024-01-01: 兄弟姐妹, 祖父母, 外祖父母, 孙子女 and 外孙子女
    move from ineligible to eligible for 职工医保个人账户家庭共济办理, and nothing else changes."""
    on = dt.date(2024, 1, 1)
    rows, items = impact(OLD, NEW, population, on, examples=50)
    assert rows == 4000
    changed = {i.item_id: i.changes for i in items if i.changes}
    assert list(changed) == ["family_mutual_aid"]
    (change,) = changed["family_mutual_aid"]
    assert (change.old, change.new) == ("ineligible", "eligible")
    assert change.rules == ("relative_in_scope_111",)
    assert {e["family_member.relationship"] for e in change.examples} <= NEWLY_IN_SCOPE
    people = pq.read_table(population).to_pylist()
    flips = 0
    for row in people:
        facts = {k: v for k, v in row.items() if "." in k and v is not None}
        before = OLD.decide("family_mutual_aid", facts, on=on).status
        after = NEW.decide("family_mutual_aid", facts, on=on).status
        flips += before != after
    assert change.count == flips > 0


def test_impact_command_json_contract(population: Path) -> None:
    result = run_cli(
        "impact",
        str(REPO / "examples" / "rules-before-246"),
        str(REPO / "rules"),
        "--population",
        str(population),
        "--item",
        "职工医保个人账户家庭共济办理",
        "--on",
        "2024-01-01",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"rows", "on", "items"}
    (item,) = data["items"]
    assert set(item) == {"item", "item_id", "changes"}
    assert set(item["changes"][0]) == {"from", "to", "count", "rules", "examples"}
