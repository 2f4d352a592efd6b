"""The test kit: scenarios report their mismatches, invariants catch violations, the plugin runs downstream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings

from yibao_rules import load_rulebook
from yibao_rules.testing.invariants import INVARIANTS, InvariantViolation, check_all
from yibao_rules.testing.strategies import applicants, facts_for

from ..conftest import run_cli

REPO = Path(__file__).resolve().parents[2]
BOOK = load_rulebook()

WRONG = """\
item: 门诊费用报销
cases:
  - name: a wrong expectation
    situation: 急诊
    submitted: 2026-03-02T09:00
    expect:
      due: {stated: 2026-04-13}
      materials: [急诊诊断证明]
"""


def test_failing_scenario_names_file_line_and_each_mismatch(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(WRONG, encoding="utf-8")
    result = run_cli("test", str(tmp_path))
    assert result.returncode == 1
    assert f"FAIL {tmp_path / 'wrong.yaml'}:3: 门诊费用报销 › a wrong expectation" in result.stdout
    assert "due.stated: expected datetime.date(2026, 4, 13), got datetime.date(2026, 4, 14)" in result.stdout
    assert "materials: expected ['急诊诊断证明']" in result.stdout
    assert result.stdout.rstrip().endswith("0 passed, 1 failed")


def test_malformed_scenario_file_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "item: 门诊费用报销\ncases:\n  - name: x\n    expect: {statu: eligible}\n", encoding="utf-8"
    )
    result = run_cli("test", str(tmp_path))
    assert result.returncode == 2
    assert "bad.yaml:4:14: 未知的字段 (unknown field) 'statu' (did you mean 'status'?)" in result.stderr


def test_repository_scenarios_pass_through_the_cli() -> None:
    result = run_cli("test", str(REPO / "tests" / "scenarios"), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["failed"] == 0 and data["passed"] >= 50
    covered = {r["scenario"] for r in data["results"]}
    assert {i.name for i in BOOK.items.values()} <= covered  # every item of the sources has a scenario


def test_every_invariant_holds_on_the_embedded_rulebook() -> None:
    assert check_all(BOOK) == {name: None for name in INVARIANTS}


def test_invariants_catch_violations(rules_copy: Path) -> None:
    bundle = rules_copy / "bundles" / "medical_expense_one_thing.yaml"
    bundle.write_text(bundle.read_text(encoding="utf-8").replace("days: 2\n", "days: 4\n"), encoding="utf-8")
    with pytest.raises(InvariantViolation, match="promised 2个工作日 is longer than legal 3个工作日"):
        INVARIANTS["promised_within_legal"](load_rulebook(rules_copy))


@given(facts_for(BOOK, "职工医保个人账户家庭共济办理", complete=True))
@settings(max_examples=50)
def test_complete_facts_always_settle_the_case(facts: dict[str, object]) -> None:
    assert BOOK.decide("职工医保个人账户家庭共济办理", facts).status != "undetermined"


@given(applicants(BOOK))
@settings(max_examples=50)
def test_generated_applicants_are_valid_input(facts: dict[str, object]) -> None:
    BOOK.vocabulary.normalise(facts)  # raises FactsError if a strategy produced bad input


def test_downstream_project_runs_the_plugin() -> None:
    project = REPO / "examples" / "downstream"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"], cwd=project, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 passed" in result.stdout  # 2 scenario cases + 8 invariants


def test_invariants_are_counted_as_collected_with_a_file_path() -> None:
    """pytest's 'collected N items' must count the invariants that then run (they used to be added
    unreported, without a file path: "343 collected", then 351 passed)."""
    project = REPO / "examples" / "downstream"
    run = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA"]
    result = subprocess.run(run, cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "collected 10 items" in result.stdout and "10 passed" in result.stdout
    assert "facts.yaml::yibao-invariant[rules_are_cited]" in result.stdout


def test_scenario_collection_can_be_switched_off(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "other.yaml").write_text("not: a scenario\n", encoding="utf-8")
    run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    collected = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert collected.returncode != 0  # collected, and reported as a malformed scenario file:
    assert "other.yaml:1:1: 未知的字段 (unknown field) 'not'" in collected.stdout
    assert "plugin.py" not in collected.stdout
    (tmp_path / "pytest.ini").write_text("[pytest]\nyibao_scenarios = false\n", encoding="utf-8")
    skipped = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert skipped.returncode == 5 and "no tests ran" in skipped.stdout
